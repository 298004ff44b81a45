"""Counter procedures as guided admin views (窓口の手続): form → confirm → result.

Each :class:`Workflow` has its own form, shows on the confirm step what the rules decided
(``jpki.services.issuance_plan``: expiry dates, renewal window, fee, what will be revoked) and
calls exactly one service. Refusals come back as ``ValidationError`` and are put onto the form
field they name. The views (``workflow_views``) are mounted under the resident's admin page by
``jpki.admin.residents.ResidentAdmin.get_urls`` and wrapped with ``admin_site.admin_view``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki import rules, services
from jpki.models import Application, Card, Certificate
from residents import charset
from residents import services as resident_services
from residents.models import Resident

from . import forms as wf_forms
from . import offers
from .proxy_workflows import (
    ProxyLetterSentWorkflow,
    ProxyReplyWorkflow,
    ProxyReturnedWorkflow,
    ProxyVisit1Workflow,
    ProxyVisit2Workflow,
    WithdrawWorkflow,
)
from .workflow_base import Preview, Workflow, _cert_line, _current, _d, _today, _yen


class IssueWorkflow(Workflow):
    slug = "issue"
    title = _("電子証明書の新規発行・更新")
    form_class = wf_forms.IssueForm
    intro = _(
        "本人または法定代理人による即日の発行です。任意代理人の場合は「代理人申請（1回目）」から受け付けてください。"
    )

    def available(self, resident, card, valid):
        return offers.issue_availability(resident, card)

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        plan = services.issuance_plan(
            resident=resident,
            signing=cd["signing"],
            user=cd["user"],
            on=_today(),
            applicant_type=cd["applicant_type"],
        )
        plan.raise_if_refused()
        preview = self.plan_preview(plan, resident=resident)
        self.certificate_text_preview(resident, preview, form)
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.certificates_issue(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            signing=cd["signing"],
            user=cd["user"],
            applicant_type=cd["applicant_type"],
            documents=form.documents(),
            legal_authority_document=cd.get("legal_authority_document", ""),
            legal_authority_issued_on=cd.get("legal_authority_issued_on"),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
            certificate_name=cd.get("certificate_name") or None,
            certificate_address=cd.get("certificate_address") or None,
        )

    def result(self, request, outcome, resident, application):
        return {"rows": self.issued_rows(outcome), "application_id": outcome.pk}


class RevokeWorkflow(Workflow):
    slug = "revoke"
    title = _("電子証明書の失効申請")
    form_class = wf_forms.RevokeForm

    def available(self, resident, card, valid):
        return offers.revoke_availability(resident, card, valid)

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        card, valid = _current(resident)
        preview = Preview()
        for kind, wanted in ((Certificate.Kind.SIGNING, cd["signing"]), (Certificate.Kind.USER, cd["user"])):
            if wanted and kind in valid:
                preview.revokes.append(_cert_line(valid[kind]))
        if cd["signing"] and not cd["user"] and Certificate.Kind.USER in valid:
            preview.notes.append(_t("利用者証明用電子証明書は引き続き有効です。"))
        if cd["user"] and not cd["signing"] and Certificate.Kind.SIGNING in valid:
            preview.warnings.append(_t("署名用電子証明書は利用者証明用電子証明書より長く有効にはなりません。"))
        preview.rows.append((_t("手数料"), _yen(0)))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.certificates_revoke(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            signing=cd["signing"],
            user=cd["user"],
            applicant_type=cd["applicant_type"],
            documents=form.documents(),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
        )

    def result(self, request, outcome, resident, application):
        rows = [(_t("申請番号"), f"#{outcome.pk}"), (_t("手続の種類"), outcome.get_kind_display())]
        for cert in Certificate.objects.filter(
            card=outcome.card, status=Certificate.Status.REVOKED, revoked_at=outcome.received_at
        ):
            rows.append((cert.get_kind_display(), f"失効（{cert.revocation_reason}）"))
        return {"rows": rows, "application_id": outcome.pk}


class PasswordInitWorkflow(Workflow):
    slug = "password-init"
    title = _("暗証番号の初期化")
    form_class = wf_forms.PasswordInitForm
    intro = _("新しい暗証番号は本人が端末で設定します。このシステムは暗証番号を受け取らず、記録もしません。")

    def available(self, resident, card, valid):
        return offers.password_init_availability(resident, card, valid)

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        _card, valid = _current(resident)
        preview = Preview()
        for kind, wanted in ((Certificate.Kind.SIGNING, cd["signing"]), (Certificate.Kind.USER, cd["user"])):
            if wanted and kind in valid:
                preview.rows.append((_t("初期化の対象"), _cert_line(valid[kind])))
        preview.rows.append((_t("手数料"), _yen(0)))
        preview.notes.append(str(self.intro))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.passwords_initialize(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            signing=cd["signing"],
            user=cd["user"],
            applicant_type=cd["applicant_type"],
            documents=form.documents(),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
        )

    def result(self, request, outcome, resident, application):
        return {
            "rows": [
                (_t("申請番号"), f"#{outcome.pk}"),
                (_t("手続の種類"), outcome.get_kind_display()),
                (_t("状態"), outcome.get_status_display()),
            ],
            "application_id": outcome.pk,
        }


class ReissueWorkflow(Workflow):
    slug = "reissue"
    title = _("カード再交付に伴う電子証明書の再発行")
    form_class = wf_forms.ReissueForm
    intro = _(
        "紛失・毀損によるカードの再交付と同時に電子証明書を発行します。手数料は1種類200円、2種類同時でも200円です。"
    )

    def available(self, resident, card, valid):
        if not resident.is_registered:
            return offers.refused(offers.MSG_NOT_REGISTERED)
        if card is None:
            return offers.refused(
                _t("再交付するカードがありません。初めてのカードは「マイナンバーカードの交付」から記録してください。")
            )
        return offers.OK

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        plan = services.issuance_plan(
            resident=resident,
            signing=cd["signing"],
            user=cd["user"],
            on=_today(),
            reissue=True,
            new_card_issued_on=cd["issued_on"],
            applicant_type=cd["applicant_type"],
        )
        plan.raise_if_refused()
        preview = self.plan_preview(plan, resident=resident)
        old, valid = _current(resident)
        if old is not None:
            preview.revokes.append(
                f"旧カード {old}（{dict(form.fields['old_card_status'].choices)[cd['old_card_status']]}として終了）"
            )
            for cert in valid.values():
                preview.revokes.append(_cert_line(cert) + "（カード再交付により失効）")
        self.certificate_text_preview(resident, preview)
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.card_reissue(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            issued_on=cd["issued_on"],
            signing=cd["signing"],
            user=cd["user"],
            fee_paid=cd["fee_paid"],
            fee_receipt_number=cd["fee_receipt_number"],
            documents=form.documents(),
            old_card_status=cd["old_card_status"],
            applicant_type=cd["applicant_type"],
            legal_authority_document=cd.get("legal_authority_document", ""),
            legal_authority_issued_on=cd.get("legal_authority_issued_on"),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
        )

    def result(self, request, outcome, resident, application):
        rows = self.issued_rows(outcome)
        rows.insert(2, (_t("新しいカード"), str(outcome.card)))
        return {"rows": rows, "application_id": outcome.pk}


class CardIssueWorkflow(Workflow):
    slug = "card-issue"
    title = _("マイナンバーカードの交付")
    form_class = wf_forms.CardIssueForm
    permission = "jpki.add_card"

    def available(self, resident, card, valid):
        if not resident.is_registered:
            return offers.refused(offers.MSG_NOT_REGISTERED)
        if card is not None:
            return offers.refused(_t("カードは交付済みです（%(card)s）。") % {"card": card})
        return offers.OK

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        stay = resident.period_of_stay_ends_on if resident.stay_limits_card else None
        expires = rules.card_expiry(
            issued_on=cd["issued_on"], birth_date=resident.birth_date, period_of_stay_ends_on=stay
        )
        preview = Preview(rows=[(_t("交付日"), _d(cd["issued_on"])), (_t("カードの有効期限"), _d(expires))])
        if stay:
            preview.notes.append(_t("在留期間の満了日（%(day)s）までとなります。") % {"day": _d(stay)})
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.card_issue(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            issued_on=cd["issued_on"],
            face_authentication_only=cd["face_authentication_only"],
        )

    def result(self, request, outcome, resident, application):
        return {"rows": [(_t("カード"), str(outcome)), (_t("有効期限"), _d(outcome.expires_on))]}


class CardLostWorkflow(Workflow):
    slug = "card-lost"
    title = _("カードの紛失届（一時停止）")
    form_class = wf_forms.CardLostForm
    permission = "jpki.change_card"

    def available(self, resident, card, valid):
        if card is None:
            return offers.refused(_t("有効なカードがありません。"))
        if card.status != Card.Status.ACTIVE:
            return offers.refused(_t("カードは既に一時停止中です（紛失届の記録済み）。"))
        return offers.OK

    def preview(self, request, form, resident, application):
        card, valid = _current(resident)
        if card is None:
            raise ValidationError({"__all__": _t("有効なカードがありません。")})
        preview = Preview(rows=[(_t("カード"), str(card)), (_t("カードの状態"), _t("一時停止"))])
        if Certificate.Kind.SIGNING in valid:
            preview.revokes.append(_cert_line(valid[Certificate.Kind.SIGNING]))
        if Certificate.Kind.USER in valid:
            preview.notes.append(_t("利用者証明用電子証明書は一時停止中のカードとともに利用できなくなります。"))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        card, _valid = _current(resident)
        if card is None:
            raise ValidationError({"__all__": _t("有効なカードがありません。")})
        return services.card_report_lost(card=card, actor=request.user, reason=form.cleaned_data["reason"])

    def result(self, request, outcome, resident, application):
        return {"rows": [(_t("カード"), str(outcome))]}


class CardFoundWorkflow(CardLostWorkflow):
    slug = "card-found"
    title = _("カードの発見届（一時停止の解除）")
    form_class = wf_forms.CardFoundForm

    def available(self, resident, card, valid):
        if card is None or card.status != Card.Status.SUSPENDED:
            return offers.refused(_t("一時停止中のカードはありません。"))
        return offers.OK

    def preview(self, request, form, resident, application):
        card, _valid = _current(resident)
        if card is None:
            raise ValidationError({"__all__": _t("一時停止中のカードがありません。")})
        preview = Preview(rows=[(_t("カード"), str(card)), (_t("カードの状態"), _t("有効（一時停止を解除）"))])
        preview.notes.append(_t("紛失届で失効した署名用電子証明書は失効したままです。必要なら新規発行してください。"))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        card, _valid = _current(resident)
        if card is None:
            raise ValidationError({"__all__": _t("一時停止中のカードがありません。")})
        return services.card_report_found(card=card, actor=request.user, reason=form.cleaned_data["reason"])


class BasicInfoWorkflow(Workflow):
    slug = "basic-info"
    title = _("基本4情報の変更（住所・氏名など）")
    form_class = wf_forms.BasicInfoForm
    permission = "residents.change_resident"
    intro = _(
        "氏名・生年月日・性別・住所のいずれかが変わると、署名用電子証明書は失効します。利用者証明用電子証明書は引き続き有効です。"
    )

    def preview(self, request, form, resident, application):
        changes = form.changes()
        preview = Preview()
        changed = {k: v for k, v in changes.items() if getattr(resident, k) != v}
        if not changed:
            raise ValidationError({"__all__": _t("変更された項目がありません。")})
        for key, value in changed.items():
            label = form.fields[key].label
            preview.rows.append((str(label), f"{getattr(resident, key) or '—'} → {value or '—'}"))
        if set(changed) & set(resident_services.BASIC_INFO_FIELDS):
            _card, valid = _current(resident)
            if Certificate.Kind.SIGNING in valid:
                preview.revokes.append(_cert_line(valid[Certificate.Kind.SIGNING]) + "（基本4情報の変更）")
            preview.notes.append(_t("署名用電子証明書は同じ日に新規発行できます（利用者証明用の有効期限が上限）。"))
        new_address = "".join(p for p in (changes["address_town"], changes["address_block"]) if p)
        for label, text in ((_t("氏名"), changes["name"]), (_t("住所"), new_address)):
            for issue in charset.check_text(text):
                sub = issue["substitute"]
                preview.warnings.append(
                    f"{label}の{issue['position'] + 1}文字目「{issue['char']}」({issue['codepoint']})"
                    "は電子証明書に使用できません。"
                    + (f"代替文字: {sub}" if sub else "代替文字がないため、かな表記になります。")
                )
        return preview

    def perform(self, request, form, resident, application, dry=False):
        return services.resident_change_basic_info(
            resident=resident, actor=request.user, reason=form.cleaned_data["reason"], **form.changes()
        )

    def result(self, request, outcome, resident, application):
        rows = [(_t("氏名"), resident.name), (_t("住所"), resident.address)]
        for cert in outcome:
            rows.append((_t("失効した証明書"), _cert_line(cert)))
        return {"rows": rows}


class DepartureWorkflow(Workflow):
    slug = "departure"
    title = _("転出・死亡など（住民記録の消除）")
    form_class = wf_forms.DepartureForm
    permission = "residents.change_resident"

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        card, valid = _current(resident)
        ends_card = cd["status"] in (Resident.Status.DECEASED, Resident.Status.MOVED_ABROAD, Resident.Status.REMOVED)
        preview = Preview(
            rows=[(_t("異動の種類"), dict(Resident.Status.choices)[cd["status"]]), (_t("異動日"), _d(cd["on"]))]
        )
        for cert in valid.values():
            if cert.kind == Certificate.Kind.SIGNING or ends_card:
                preview.revokes.append(_cert_line(cert))
        if ends_card and card is not None:
            preview.revokes.append(f"カード {card}（廃止）")
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.resident_record_departure(
            resident=resident, status=cd["status"], on=cd["on"], actor=request.user, reason=cd["reason"]
        )

    def result(self, request, outcome, resident, application):
        rows = [(_t("住民登録の状態"), resident.get_status_display())]
        for cert in outcome:
            rows.append((_t("失効した証明書"), _cert_line(cert)))
        return {"rows": rows}


# --- the appointed proxy (任意代理人) -----------------------------------------------------------------


WORKFLOWS: dict[str, Workflow] = {
    wf.slug: wf
    for wf in (
        IssueWorkflow(),
        RevokeWorkflow(),
        PasswordInitWorkflow(),
        ReissueWorkflow(),
        CardIssueWorkflow(),
        CardLostWorkflow(),
        CardFoundWorkflow(),
        BasicInfoWorkflow(),
        DepartureWorkflow(),
        ProxyVisit1Workflow(),
        ProxyLetterSentWorkflow(),
        ProxyReplyWorkflow(),
        ProxyReturnedWorkflow(),
        ProxyVisit2Workflow(),
        WithdrawWorkflow(),
    )
}
RESIDENT_BUTTONS = (
    "issue",
    "revoke",
    "password-init",
    "reissue",
    "card-issue",
    "card-lost",
    "card-found",
    "proxy-visit1",
    "basic-info",
    "departure",
)
PROXY_STEPS = ("proxy-letter-sent", "proxy-reply", "proxy-returned", "proxy-visit2", "application-withdraw")


def proxy_steps_for(application: Application) -> list[tuple[str, str]]:
    """(slug, title) of the steps open for this application: the proxy's next steps, and 取下げ for
    every open application."""
    return [(slug, str(WORKFLOWS[slug].title)) for slug in PROXY_STEPS if WORKFLOWS[slug].step_available(application)]


def application_steps(application: Application, user) -> list[dict]:
    """The steps of an open application for the page: offered ones with their URL, refused ones greyed
    with the reason (e.g. visit 2 on the day of visit 1)."""
    steps = []
    for slug in PROXY_STEPS:
        wf = WORKFLOWS[slug]
        if not user.has_perm(wf.permission):
            continue
        if wf.step_available(application):
            url = workflow_url(application.resident_id, slug, application.pk)
            steps.append({"slug": slug, "title": str(wf.title), "url": url, "reason": ""})
        elif wf.step_refusal(application):
            steps.append({"slug": slug, "title": str(wf.title), "url": None, "reason": wf.step_refusal(application)})
    return steps


def workflow_url(resident_id, slug, application_id=None) -> str:
    url = reverse("admin:residents_resident_workflow", args=[resident_id, slug])
    return f"{url}?application={application_id}" if application_id else url
