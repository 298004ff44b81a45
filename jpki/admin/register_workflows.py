"""The counter's register procedures (住民記録の窓口手続): 転入（手入力） for a person the feed has not
brought yet, and 有効期間の変更 of a foreign resident's card after the period of stay was extended.

有効期間の変更 is a :class:`~jpki.admin.workflow_base.Workflow` on the resident's page like the others.
転入 has no resident yet: its own views (mounted by ``ResidentAdmin.get_urls`` at ``move-in/``) run
the same steps, form → confirm (with the character check: 代替文字 and characters no letter font
has, both accepted and shown as warnings) → result on the new resident, with the same single-use
submit token (``submissions``); the result page is the resident's like every procedure's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki import security, services
from residents import charset, glyphs
from residents.models import Resident

from . import forms as wf_forms
from . import offers, submissions
from .workflow_base import Preview, Workflow, _cert_line, _current, _d

MOVE_IN_SLUG = "move-in"
VALIDITY_SLUG = "card-validity"


def character_warnings(label: str, text: str) -> list[str]:
    """The character check at entry: what a certificate cannot hold (with the 代替文字 or the kana it
    needs) and what no letter font can print. Both are accepted into the register as they are."""
    warnings = []
    for issue in charset.check_text(text):
        sub = issue["substitute"]
        warnings.append(
            _t("%(label)sの%(pos)s文字目「%(char)s」(%(cp)s)は電子証明書に使用できません。")
            % {"label": label, "pos": issue["position"] + 1, "char": issue["char"], "cp": issue["codepoint"]}
            + (
                _t("代替文字: %(sub)s") % {"sub": sub}
                if sub
                else _t("代替文字がないため、証明書の発行時にかな表記を入力します。")
            )
        )
    unprintable = glyphs.unprintable_characters(text)
    if unprintable:
        warnings.append(
            _t("%(label)sの「%(chars)s」は通知書の書体にない文字です（印刷時に外字の対応が必要です）。")
            % {"label": label, "chars": _t("、").join(unprintable)}
        )
    return warnings


# --- 有効期間の変更 ------------------------------------------------------------------------------------


class CardValidityWorkflow(Workflow):
    slug = VALIDITY_SLUG
    title = _("カードの有効期間の変更（在留期間の更新）")
    form_class = wf_forms.CardValidityForm
    permission = "jpki.change_card"
    intro = _(
        "在留期間が更新された外国人住民のカードの有効期限を、新しい在留期間の満了日まで延長します（カードを持参）。"
        "旧満了日までの電子証明書はそのままです。変更後は新しい満了日までの電子証明書を発行できます。"
    )

    def available(self, resident, card, valid):
        if not resident.is_registered:
            return offers.refused(offers.MSG_NOT_REGISTERED)
        if card is None or services.card_validity_new_expiry(resident, card) is None:
            return offers.refused(_t("有効期間の変更が必要なカードはありません（在留期間の更新後に行います）。"))
        return offers.OK

    def preview(self, request, form, resident, application):
        card, valid = _current(resident)
        new_expiry = services.card_validity_new_expiry(resident, card)
        if card is None or new_expiry is None:
            raise ValidationError({"__all__": _t("有効期間の変更が必要なカードはありません。")})
        preview = Preview(
            rows=[
                (_t("カード"), str(card)),
                (_t("在留資格"), resident.residence_status or "—"),
                (_t("在留期間の満了日"), _d(resident.period_of_stay_ends_on)),
                (_t("カードの有効期限"), f"{_d(card.expires_on)} → {_d(new_expiry)}"),
            ]
        )
        for cert in valid.values():
            preview.notes.append(_cert_line(cert) + _t("：変更しません（旧満了日まで有効）。"))
        if valid:
            preview.notes.append(
                _t("新しい満了日までの電子証明書は、変更後に「電子証明書の新規発行・更新」から発行します。")
            )
        return preview

    def perform(self, request, form, resident, application, dry=False):
        return services.card_validity_change(
            resident=resident,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            outside_hours_confirmed=self.hours(form),
        )

    def result(self, request, outcome, resident, application):
        return {"rows": [(_t("カード"), str(outcome)), (_t("新しい有効期限"), _d(outcome.expires_on))]}


# --- 転入（手入力） -----------------------------------------------------------------------------------


class MoveInWorkflow(Workflow):
    """Not on a resident's page (there is none yet): served by :func:`move_in_view`."""

    slug = MOVE_IN_SLUG
    title = _("転入（手入力）")
    form_class = wf_forms.MoveInForm
    permission = "residents.change_resident"
    submit_label = _("この内容で住民登録する")
    intro = _(
        "住民記録システムからの連携が届く前に、窓口で転入者を登録します。宛名番号と住民票の記載のとおりに入力してください"
        "（個人番号は入力しないでください）。後日の連携の転入データは、同じ宛名番号のこの記録と照合されます。"
    )

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        preview = Preview()
        for name in form.FIELDS:
            value = cd.get(name)
            if value in (None, ""):
                continue
            field = form.fields[name]
            shown = dict(field.choices).get(value, value) if getattr(field, "choices", None) else value
            preview.rows.append((str(field.label), _d(value) if name in DATE_FIELDS else str(shown)))
        address = "".join(cd.get(k) or "" for k in ("address_town", "address_block"))
        for label, text in ((_t("氏名"), cd["name"]), (_t("通称"), cd.get("alias_name") or ""), (_t("住所"), address)):
            preview.warnings.extend(character_warnings(label, text))
        if preview.warnings:
            preview.notes.append(
                _t("住民記録には正しい文字のまま登録します。証明書・通知書の文字は発行時に確認します。")
            )
        return preview

    def perform(self, request, form, resident, application, dry=False):
        return services.resident_move_in_at_counter(
            actor=request.user,
            reason=form.cleaned_data["reason"],
            resident_key=form.cleaned_data["resident_key"],
            on=form.cleaned_data["on"],
            outside_hours_confirmed=self.hours(form),
            **form.fields_for_service(),
        )

    def result(self, request, outcome, resident, application):
        rows = [
            (_t("宛名番号"), outcome.resident_key),
            (_t("氏名"), _t("%(name)s（%(kana)s）") % {"name": outcome.name, "kana": outcome.name_kana}),
            (
                _t("住所"),
                _t("〒%(postal_code)s %(address)s") % {"postal_code": outcome.postal_code, "address": outcome.address},
            ),
            (_t("住民登録の状態"), outcome.get_status_display()),
        ]
        if outcome.period_of_stay_ends_on:
            rows.append((_t("在留期間の満了日"), _d(outcome.period_of_stay_ends_on)))
        return {"rows": rows, "resident_id": outcome.pk}


DATE_FIELDS = ("on", "birth_date", "period_of_stay_ends_on")
MOVE_IN = MoveInWorkflow()


def move_in_url() -> str:
    return reverse("admin:residents_resident_move_in")


def move_in_view(request, admin_site, model_admin):
    """転入（手入力）: GET form → POST review (confirm page) → POST confirm → the new resident's result."""
    from .workflow_views import _dry_run, counter_status, entered_values

    workflow = MOVE_IN
    if not request.user.has_perm(workflow.permission):
        raise PermissionDenied
    scope = submissions.Scope.of(request.user, workflow.slug)
    step, preview, token = "form", None, None
    if request.method == "POST":
        posted = request.POST.get(submissions.FIELD)
        try:
            done = submissions.claimed(posted, scope)
            nonce = submissions.nonce_of(posted)
        except submissions.StaleToken:
            done, nonce = None, None
        if done is not None:
            return HttpResponseRedirect(done.result_url or reverse("admin:residents_resident_changelist"))
        nonce = nonce or submissions.new_nonce()
        form = workflow.form_class(request.POST)
        action = request.POST.get("_step", "review")
        if action == "edit":
            form.full_clean()
            form._errors = ErrorDict()
        elif form.is_valid():
            content = submissions.form_content(form)
            token = submissions.issue(scope, content, nonce=nonce)
            try:
                if action == "confirm":
                    result = submissions.submit_once(
                        posted,
                        scope,
                        lambda: _record(request, form),
                        content=content,
                        result_url=lambda result: reverse(
                            "admin:residents_resident_change", args=[result["resident_id"]]
                        ),
                    )
                    request.session[f"workflow_result_{result['resident_id']}_{workflow.slug}"] = result
                    messages.success(request, _t("「%(title)s」を記録しました。") % {"title": workflow.title})
                    return HttpResponseRedirect(
                        reverse("admin:residents_resident_move_in_done", args=[result["resident_id"]])
                    )
                preview = workflow.preview(request, form, None, None)
                _dry_run(lambda: workflow.perform(request, form, None, None, dry=True))
                step = "confirm"
            except submissions.AlreadyRecorded as exc:
                return HttpResponseRedirect(exc.submission.result_url or reverse("admin:residents_resident_changelist"))
            except submissions.StaleToken as exc:
                nonce, token = submissions.new_nonce(), None
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                wf_forms.apply_service_errors(form, exc)
                step = "form"
    else:
        nonce = submissions.new_nonce()
        form = workflow.form_class()
    context = {
        **admin_site.each_context(request),
        "entered": entered_values(form) if step == "confirm" else [],
        "opts": Resident._meta,
        "title": workflow.title,
        "workflow": workflow,
        "resident": None,
        "application": None,
        "form": form,
        "step": step,
        "preview": preview,
        "submission_field": submissions.FIELD,
        "submission_value": token if step == "confirm" else nonce,
        "submission_token": token,
        "counter": counter_status(),
        "has_outside_hours": True,
        "resident_url": reverse("admin:residents_resident_changelist"),
        "media": model_admin.media + form.media,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow.html", context)


def _record(request, form) -> dict:
    resident = MOVE_IN.perform(request, form, None, None)
    result = MOVE_IN.result(request, resident, resident, None)
    result["title"] = str(MOVE_IN.title)
    return result


def move_in_done_view(request, object_id, admin_site, model_admin):
    """The result of a 転入: the new resident, as every procedure's result page."""
    if not request.user.has_perm(MOVE_IN.permission):
        raise PermissionDenied
    if not security.is_valid_pk(Resident, object_id):
        raise Http404
    resident = get_object_or_404(Resident, pk=object_id)
    resident_url = reverse("admin:residents_resident_change", args=[resident.pk])
    result = request.session.get(f"workflow_result_{resident.pk}_{MOVE_IN.slug}")
    if result is None:
        return HttpResponseRedirect(resident_url)
    context = {
        **admin_site.each_context(request),
        "opts": Resident._meta,
        "title": _t("%(title)s（完了）") % {"title": MOVE_IN.title},
        "subtitle": str(resident),
        "workflow": MOVE_IN,
        "resident": resident,
        "result": result,
        "application_url": None,
        "resident_url": resident_url,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/workflow_done.html", context)
