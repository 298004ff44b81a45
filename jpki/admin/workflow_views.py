"""The views of the counter procedures: one procedure for one resident, GET form → POST review
(confirm page) → POST confirm → result page."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t

from jpki import rules, security, services
from jpki.models import Application
from jpki.services.base import MSG_RESIDENT_CHANGED
from residents.models import Resident

from . import forms as wf_forms
from . import letters_bridge, slips, submissions
from .workflow_base import _d, _DryRun
from .workflows import WORKFLOWS

VERSION_FIELD = "_resident_version"


def resident_version(resident: Resident) -> str:
    """The version of the resident's row the confirm page shows (its last save)."""
    return resident.updated_at.isoformat() if resident.updated_at else ""


def counter_status(now=None) -> dict:
    now = now or timezone.now()
    is_open = rules.counter_is_open(now)
    return {"is_open": is_open, "next_day": None if is_open else services.next_opening_day(now), "now": now}


def _dry_run(fn):
    """Run a service inside a transaction that is always rolled back: shows every refusal before confirming."""
    try:
        with transaction.atomic():
            fn()
            raise _DryRun
    except _DryRun:
        return


def workflow_view(request, object_id, slug, admin_site, model_admin):
    """One procedure for one resident: GET form → POST review (confirm page) → POST confirm → result."""
    workflow = WORKFLOWS.get(slug)
    if workflow is None:
        raise Http404
    if not request.user.has_perm(workflow.permission):
        raise PermissionDenied
    if not security.is_valid_pk(Resident, object_id):
        raise Http404
    resident = get_object_or_404(Resident, pk=object_id)
    # The row as this request read it (a dry run of the procedure below may touch the object in memory).
    version = resident_version(resident)
    application = None
    if workflow.needs_application:
        app_id = request.GET.get("application") or request.POST.get("application")
        if not app_id or not security.is_valid_pk(Application, app_id):
            raise Http404
        application = get_object_or_404(Application.objects.select_related("proxy"), pk=app_id, resident=resident)

    form_class = workflow.form_class
    scope = submissions.Scope.of(request.user, slug, resident=resident, obj=application)
    step = "form"
    picker = None
    preview = None
    token = None  # the signed token for the posted content (a valid form), shown on the confirm page
    nonce = None  # the nonce of this form page: every confirm page that comes from it shares it
    if request.method == "POST":
        posted = request.POST.get(submissions.FIELD)
        try:
            done = submissions.claimed(posted, scope)
            nonce = submissions.nonce_of(posted)
        except submissions.StaleToken:
            done = None  # someone else's nonce: start a new one (the confirm below is refused)
        if done is not None:
            return _already_recorded(request, done, workflow, resident, admin_site)
        nonce = nonce or submissions.new_nonce()
        form = form_class(request.POST, **workflow.form_kwargs(resident, application))
        action = request.POST.get("_step", "review")
        if action == "edit":
            form.full_clean()
            form._errors = ErrorDict()  # back to editing: no error noise
        elif form.is_valid():
            # The resident's record as the confirm page showed it (signed with the content): a record
            # changed since (the register feed, another counter) is refused, never applied to what the
            # clerk no longer sees.
            # (A confirm without the field is checked by its token alone: signed with the version then.)
            shown = request.POST.get(VERSION_FIELD) if action == "confirm" else None
            shown = version if shown is None else shown
            content = {**submissions.form_content(form), VERSION_FIELD: shown}
            token = submissions.issue(scope, content, nonce=nonce)
            try:
                if action == "confirm":
                    if shown != version:
                        raise ValidationError({"__all__": _t(MSG_RESIDENT_CHANGED)})
                    result = submissions.submit_once(
                        posted,
                        scope,
                        lambda: _record(request, workflow, form, resident, application),
                        content=content,
                        result_url=lambda result: _record_url(resident, result),
                    )
                    request.session[f"workflow_result_{resident.pk}_{slug}"] = result
                    messages.success(request, _t("「%(title)s」を記録しました。") % {"title": workflow.title})
                    done_url = reverse("admin:residents_resident_workflow_done", args=[resident.pk, slug])
                    return HttpResponseRedirect(done_url)
                preview = workflow.preview(request, form, resident, application)
                _dry_run(lambda: workflow.perform(request, form, resident, application, dry=True))
                step = "confirm"
            except submissions.AlreadyRecorded as exc:
                return _already_recorded(request, exc.submission, workflow, resident, admin_site)
            except submissions.StaleToken as exc:
                # Tampered, another user's or for other content: nothing recorded; a new form page.
                nonce = submissions.new_nonce()
                token = None
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                wf_forms.apply_service_errors(form, exc)
                step = "form"
    else:
        nonce = submissions.new_nonce()
        kwargs = workflow.form_kwargs(resident, application)
        picker = workflow.picker(request, resident)
        if picker and picker.get("initial"):
            kwargs["initial"] = picker["initial"]
        form = form_class(**kwargs)

    inquiry = letters_bridge.current_inquiry(application) if application is not None else None
    context = {
        "entered": entered_values(form) if step == "confirm" else [],
        **admin_site.each_context(request),
        "inquiry_letter": inquiry,
        "inquiry_letter_url": letters_bridge.letter_url(inquiry) if inquiry else None,
        "inquiry_preview_url": letters_bridge.url_or_none("letters:preview", inquiry.pk) if inquiry else None,
        "create_inquiry_url": (
            letters_bridge.create_inquiry_url(application)
            if application is not None and inquiry is None and letters_bridge.letters_enabled()
            else None
        ),
        "opts": Resident._meta,
        "title": workflow.title,
        "subtitle": str(resident),
        "workflow": workflow,
        "resident": resident,
        "application": application,
        "picker": picker,
        "form": form,
        "step": step,
        "preview": preview,
        "submission_field": submissions.FIELD,
        "submission_value": token if step == "confirm" else nonce,
        "submission_token": token,
        "version_field": VERSION_FIELD,
        "resident_version": version,
        "counter": counter_status(),
        "has_outside_hours": "outside_hours_confirmed" in form.fields,
        "resident_url": reverse("admin:residents_resident_change", args=[resident.pk]),
        "media": model_admin.media + form.media,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow.html", context)


def _record(request, workflow, form, resident, application) -> dict:
    """Run the procedure's service (inside :func:`submissions.submit_once`); what the result page shows."""
    outcome = workflow.perform(request, form, resident, application)
    resident.refresh_from_db()
    result = workflow.result(request, outcome, resident, application)
    result["title"] = str(workflow.title)
    return result


def _record_url(resident, result: dict) -> str:
    """Where the record of a procedure is: its application, else the resident page."""
    if result.get("application_id"):
        return reverse("admin:jpki_application_change", args=[result["application_id"]])
    return reverse("admin:residents_resident_change", args=[resident.pk])


def _already_recorded(request, submission, workflow, resident, admin_site):
    """A repeated, back-button or concurrent submit: nothing recorded, a link to the record."""
    resident_url = reverse("admin:residents_resident_change", args=[resident.pk])
    context = {
        **admin_site.each_context(request),
        **submissions.already_recorded_context(submission, fallback_url=resident_url),
        "opts": Resident._meta,
        "title": _t("%(title)s（記録済み）") % {"title": workflow.title},
        "subtitle": str(resident),
        "workflow": workflow,
        "resident": resident,
        "result": {"title": str(workflow.title), "rows": []},
        "resident_url": resident_url,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow_done.html", context)


def entered_values(form) -> list[tuple[str, str]]:
    """What the clerk entered, for the confirm page: choice labels, ✔ for ticks, document numbers masked."""
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if value is True:
            shown = "✔"
        elif name.endswith("_number") and name != "fee_receipt_number" and name != "tracking_number":
            shown = _t("…%(last4)s（末尾4桁のみ記録）") % {"last4": services.mask_document_number(str(value))}
        elif getattr(field, "choices", None):
            shown = str(dict(field.choices).get(value, value))
        elif isinstance(value, date):
            shown = _d(value)
        else:
            shown = str(value)
        rows.append((str(field.label), shown))
    return rows


def workflow_done_view(request, object_id, slug, admin_site, model_admin):
    workflow = WORKFLOWS.get(slug)
    if workflow is None:
        raise Http404
    if not request.user.has_perm(workflow.permission):
        raise PermissionDenied
    if not security.is_valid_pk(Resident, object_id):
        raise Http404
    resident = get_object_or_404(Resident, pk=object_id)
    result = request.session.get(f"workflow_result_{resident.pk}_{slug}")
    if result is None:
        return HttpResponseRedirect(reverse("admin:residents_resident_change", args=[resident.pk]))
    application_url = None
    slip = None
    if result.get("application_id"):
        application_url = reverse("admin:jpki_application_change", args=[result["application_id"]])
        application = Application.objects.filter(pk=result["application_id"], resident=resident).first()
        if application is not None:
            slip = slips.slip_button(request, application, has_certificates=application.certificates.exists())
    context = {
        **admin_site.each_context(request),
        "opts": Resident._meta,
        "title": _t("%(title)s（完了）") % {"title": workflow.title},
        "subtitle": str(resident),
        "workflow": workflow,
        "resident": resident,
        "result": result,
        "application_url": application_url,
        "slip": slip,
        "resident_url": reverse("admin:residents_resident_change", args=[resident.pk]),
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow_done.html", context)
