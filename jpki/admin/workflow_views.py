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
from residents.models import Resident

from . import forms as wf_forms
from . import letters_bridge
from .workflow_base import _d, _DryRun
from .workflows import WORKFLOWS


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
    application = None
    if workflow.needs_application:
        app_id = request.GET.get("application") or request.POST.get("application")
        if not app_id or not security.is_valid_pk(Application, app_id):
            raise Http404
        application = get_object_or_404(Application.objects.select_related("proxy"), pk=app_id, resident=resident)

    form_class = workflow.form_class
    step = "form"
    preview = None
    if request.method == "POST":
        form = form_class(request.POST, **workflow.form_kwargs(resident, application))
        action = request.POST.get("_step", "review")
        if action == "edit":
            form.full_clean()
            form._errors = ErrorDict()  # back to editing: no error noise
        elif form.is_valid():
            try:
                if action == "confirm":
                    outcome = workflow.perform(request, form, resident, application)
                    resident.refresh_from_db()
                    result = workflow.result(request, outcome, resident, application)
                    result["title"] = str(workflow.title)
                    request.session[f"workflow_result_{resident.pk}_{slug}"] = result
                    messages.success(request, _t("「%(title)s」を記録しました。") % {"title": workflow.title})
                    done = reverse("admin:residents_resident_workflow_done", args=[resident.pk, slug])
                    return HttpResponseRedirect(done)
                preview = workflow.preview(request, form, resident, application)
                _dry_run(lambda: workflow.perform(request, form, resident, application, dry=True))
                step = "confirm"
            except ValidationError as exc:
                wf_forms.apply_service_errors(form, exc)
                step = "form"
    else:
        form = form_class(**workflow.form_kwargs(resident, application))

    inquiry = letters_bridge.current_inquiry(application) if application is not None else None
    context = {
        "entered": entered_values(form) if step == "confirm" else [],
        **admin_site.each_context(request),
        "inquiry_letter": inquiry,
        "inquiry_letter_url": letters_bridge.letter_url(inquiry) if inquiry else None,
        "inquiry_preview_url": letters_bridge.url_or_none("letters:preview", inquiry.pk) if inquiry else None,
        "create_inquiry_url": (letters_bridge.create_inquiry_url(application)
                               if application is not None and inquiry is None and letters_bridge.letters_enabled()
                               else None),
        "opts": Resident._meta,
        "title": workflow.title,
        "subtitle": str(resident),
        "workflow": workflow,
        "resident": resident,
        "application": application,
        "form": form,
        "step": step,
        "preview": preview,
        "counter": counter_status(),
        "has_outside_hours": "outside_hours_confirmed" in form.fields,
        "resident_url": reverse("admin:residents_resident_change", args=[resident.pk]),
        "media": model_admin.media + form.media,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow.html", context)


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
            shown = f"…{services.mask_document_number(str(value))}（末尾4桁のみ記録）"
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
    if result.get("application_id"):
        application_url = reverse("admin:jpki_application_change", args=[result["application_id"]])
    context = {
        **admin_site.each_context(request),
        "opts": Resident._meta,
        "title": _t("%(title)s（完了）") % {"title": workflow.title},
        "subtitle": str(resident),
        "workflow": workflow,
        "resident": resident,
        "result": result,
        "application_url": application_url,
        "resident_url": reverse("admin:residents_resident_change", args=[resident.pk]),
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow_done.html", context)

