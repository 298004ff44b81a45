"""The appointed proxy's procedures as workflows (任意代理人): visit 1 (the request for the 照会書), the
letter sent, the reply or the return, and visit 2 (the issuance to the proxy)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki import security, services
from jpki.models import Application, Card, Certificate, ProxyAuthorization
from jpki.readlog import record_read
from jpki.services.proxy import withdrawal_note

from . import forms as wf_forms
from . import letters_bridge, offers
from .workflow_base import Preview, Workflow, _cert_line, _current, _today

PICKER_LIMIT = 10


class ProxyVisit1Workflow(Workflow):
    slug = "proxy-visit1"
    title = _("任意代理人による申請（1回目来庁・照会書送付依頼）")
    form_class = wf_forms.ProxyVisit1Form
    intro = _(
        "任意代理人の申請は即日処理できません。照会書兼回答書を本人の住民登録地へ転送不要の簡易書留で送付し、2回目の来庁で発行します。代理人の本人確認書類は1回目は任意です。"
    )

    def available(self, resident, card, valid):
        if not resident.is_registered:
            return offers.refused(offers.MSG_NOT_REGISTERED)
        if card is None:
            return offers.refused(offers.MSG_NO_CARD)
        if card.status == Card.Status.SUSPENDED:
            return offers.refused(offers.MSG_SUSPENDED)
        if offers.needs_legal_representative(resident):
            return offers.refused(
                _t(
                    "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。"
                )
            )
        return offers.OK

    def picker(self, request, resident) -> dict:
        """The proxy picker: a proxy who is a registered resident is found by the resident search (kana,
        name, birth date) and chosen; their name, kana, address and birth date fill the form. Every
        resident shown is in the read log. A non-resident is typed in as before."""
        from residents.models import Resident

        from .residents import resident_search

        term = (request.GET.get("proxy_q") or "").strip()[:100]
        chosen_id = request.GET.get("proxy")
        registered = Resident.objects.filter(status=Resident.Status.REGISTERED).exclude(pk=resident.pk)
        chosen = None
        if chosen_id and security.is_valid_pk(Resident, chosen_id):
            chosen = registered.filter(pk=chosen_id).first()
        results = list(resident_search(registered, term).order_by("kana_search", "id")[:PICKER_LIMIT]) if term else []
        shown = [*results, *([chosen] if chosen else [])]
        if shown:
            record_read(request, screen="proxy_picker", residents=shown, query=term or f"proxy={chosen.pk}")
        picked = {}
        if chosen is not None:
            picked = {
                "proxy_name": chosen.name,
                "proxy_kana": chosen.name_kana,
                "proxy_birth_date": chosen.birth_date,
                "proxy_postal_code": chosen.postal_code,
                "proxy_address": chosen.address,
            }
        return {"term": term, "results": results, "chosen": chosen, "initial": picked, "limit": PICKER_LIMIT}

    def preview(self, request, form, resident, application):
        cd = form.cleaned_data
        preview = Preview(
            rows=[
                (_t("手続"), dict(form.fields["kind"].choices)[cd["kind"]]),
                (_t("代理人"), f"{cd['proxy_name']}（{cd['proxy_kana']}）・{cd['relation']}"),
                (_t("照会書の送付先"), f"〒{resident.postal_code} {resident.address}（本人の住民登録地・転送不要）"),
            ]
        )
        if cd["kind"] == Application.Kind.NEW:
            plan = services.issuance_plan(
                resident=resident,
                signing=cd["signing"],
                user=cd["user"],
                on=_today(),
                applicant_type=Application.ApplicantType.PROXY,
            )
            plan.raise_if_refused()
            self.plan_preview(plan, preview, resident=resident)
            preview.notes.append(
                _t("有効期限は2回目の来庁日（発行日）で決まります。上記は本日発行した場合の目安です。")
            )
        preview.notes.append(_t("本日は電子証明書を発行しません。"))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.proxy_visit1(
            resident=resident,
            actor=request.user,
            reason=cd["reason"],
            kind=cd["kind"],
            signing=cd["signing"],
            user=cd["user"],
            proxy_name=cd["proxy_name"],
            proxy_kana=cd["proxy_kana"],
            proxy_address=cd["proxy_address"],
            proxy_birth_date=cd["proxy_birth_date"],
            relation=cd["relation"],
            proxy_postal_code=cd["proxy_postal_code"],
            proxy_document=form.proxy_document(),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
        )

    def result(self, request, outcome, resident, application):
        return {
            "rows": [
                (_t("申請番号"), f"#{outcome.pk}"),
                (_t("状態"), outcome.get_status_display()),
                (
                    _t("次の手順"),
                    _t("照会書兼回答書を印刷し、簡易書留（転送不要）で発送して「照会書の発送」を記録してください。"),
                ),
            ],
            "application_id": outcome.pk,
        }


class ProxyStepWorkflow(Workflow):
    needs_application = True
    stages: tuple[str, ...] = ()

    def available(self, resident, card, valid):
        return offers.refused(_t("申請ごとに表示します。"))  # per open application, not a resident-level button

    def step_available(self, application: Application) -> bool:
        proxy = getattr(application, "proxy", None)
        return proxy is not None and application.is_open and proxy.stage in self.stages

    def step_refusal(self, application: Application) -> str:
        """Why this step is shown greyed for ``application`` ("" when it is not shown at all)."""
        return ""

    def base_rows(self, application):
        proxy = application.proxy
        return [
            (_t("申請"), f"#{application.pk} {application.get_kind_display()}（{application.get_status_display()}）"),
            (_t("代理人"), f"{proxy.proxy_name}（{proxy.relation}）"),
            (_t("1回目来庁"), f"{timezone.localtime(proxy.visit1_at):%Y-%m-%d %H:%M}"),
        ]

    def result(self, request, outcome, resident, application):
        application.refresh_from_db()
        return {"rows": self.base_rows(application), "application_id": application.pk}


class ProxyLetterSentWorkflow(ProxyStepWorkflow):
    slug = "proxy-letter-sent"
    title = _("照会書兼回答書の発送")
    form_class = wf_forms.ProxyLetterSentForm
    stages = (ProxyAuthorization.Stage.VISIT1,)
    permission = "jpki.change_proxyauthorization"

    def preview(self, request, form, resident, application):
        rows = self.base_rows(application)
        rows.append((_t("送付先"), f"〒{resident.postal_code} {resident.address}（転送不要・簡易書留）"))
        if letters_bridge.letters_enabled():
            letter = letters_bridge.current_inquiry(application)
            rows.append(
                (_t("照会書兼回答書"), letter.reference if letter else _t("記録時に作成します（照会番号を採番）"))
            )
        tracking = form.cleaned_data.get("tracking_number")
        rows.append((_t("お問い合わせ番号"), tracking or "—"))
        return Preview(rows=rows)

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        reason = cd["reason"]
        if letters_bridge.letters_enabled():
            # The letters app records the posting (the tracking number in its own field, not in the
            # reason, where its digits could pass for a 個人番号) and calls proxy_letter_sent itself.
            return letters_bridge.record_mailing(
                application=application,
                tracking_number=cd["tracking_number"],
                actor=request.user,
                reason=reason,
                render=not dry,
            )
        if cd.get("tracking_number"):
            reason = f"{reason}（お問い合わせ番号 {cd['tracking_number']}）"
        return services.proxy_letter_sent(application=application, actor=request.user, reason=reason)


class ProxyReplyWorkflow(ProxyStepWorkflow):
    slug = "proxy-reply"
    title = _("回答書の受理")
    form_class = wf_forms.ProxyReplyForm
    stages = (ProxyAuthorization.Stage.LETTER_SENT,)
    permission = "jpki.change_proxyauthorization"

    def preview(self, request, form, resident, application):
        return Preview(rows=self.base_rows(application))

    def perform(self, request, form, resident, application, dry=False):
        reason = form.cleaned_data["reason"]
        if letters_bridge.record_reply(application=application, actor=request.user, reason=reason) is None:
            services.proxy_reply_received(application=application, actor=request.user, reason=reason)


class ProxyReturnedWorkflow(ProxyStepWorkflow):
    slug = "proxy-returned"
    title = _("照会書の返戻（転送不要で戻った）")
    form_class = wf_forms.ProxyReturnedForm
    stages = (ProxyAuthorization.Stage.LETTER_SENT,)
    permission = "jpki.change_proxyauthorization"

    def preview(self, request, form, resident, application):
        preview = Preview(rows=self.base_rows(application))
        preview.rows.append((_t("返戻理由"), form.return_reason_text() or "—"))
        preview.warnings.append(_t("この申請は発行せずに終了します。2回目の来庁は受け付けられません。"))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        if not cd.get("return_reason"):
            raise ValidationError({"return_reason": _t("返戻理由を選択してください。")})
        done = letters_bridge.record_return(
            application=application,
            actor=request.user,
            reason=cd["reason"],
            return_reason=cd["return_reason"],
            note=cd.get("return_note") or "",
        )
        if done is None:
            services.proxy_letter_returned(
                application=application,
                actor=request.user,
                reason=cd["reason"],
                return_reason=form.return_reason_text(),
            )


class ProxyVisit2Workflow(ProxyStepWorkflow):
    slug = "proxy-visit2"
    title = _("任意代理人の2回目来庁（確認と発行）")
    form_class = wf_forms.ProxyVisit2Form
    stages = (ProxyAuthorization.Stage.LETTER_SENT, ProxyAuthorization.Stage.REPLY_RECEIVED)
    intro = _(
        "すべての項目を確認してください。代理人の本人確認書類は官公署発行の顔写真付きのもの（運転免許証、パスポートなど）に限ります。"
    )

    def step_available(self, application: Application) -> bool:
        return super().step_available(application) and not self.step_refusal(application)

    def step_refusal(self, application: Application) -> str:
        """The service's refusals that the page can know beforehand: no letter sent yet, the day of visit 1."""
        proxy = getattr(application, "proxy", None)
        if proxy is None or not application.is_open:
            return ""
        if proxy.stage == ProxyAuthorization.Stage.VISIT1:
            return _t("照会書がまだ発送されていません。発送後、回答書を持参のうえ来庁してください。")
        visit1_on = timezone.localdate(proxy.visit1_at)
        if timezone.localdate() <= visit1_on:
            message = _t("任意代理人による申請は即日処理できません（1回目来庁: %(day)s）。")
            return message % {"day": f"{visit1_on:%Y-%m-%d}"}
        return ""

    def preview(self, request, form, resident, application):
        preview = Preview(rows=self.base_rows(application))
        if application.kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
            plan = services.issuance_plan(
                resident=resident,
                signing=application.signing_requested,
                user=application.user_requested,
                on=_today(),
                applicant_type=Application.ApplicantType.PROXY,
            )
            plan.raise_if_refused()
            self.plan_preview(plan, preview, resident=resident)
            self.certificate_text_preview(resident, preview, form)
        elif application.kind == Application.Kind.REVOCATION:
            _card, valid = _current(resident)
            for kind, wanted in (
                (Certificate.Kind.SIGNING, application.signing_requested),
                (Certificate.Kind.USER, application.user_requested),
            ):
                if wanted and kind in valid:
                    preview.revokes.append(_cert_line(valid[kind]))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.proxy_visit2(
            application=application,
            actor=request.user,
            reason=cd["reason"],
            checklist=form.checklist(),
            proxy_document=form.proxy_document(),
            outside_hours_confirmed=cd["outside_hours_confirmed"],
            certificate_name=cd.get("certificate_name") or None,
            certificate_address=cd.get("certificate_address") or None,
        )

    def result(self, request, outcome, resident, application):
        return {"rows": self.issued_rows(outcome), "application_id": outcome.pk}


class WithdrawWorkflow(Workflow):
    """取下げ of any open application: it ends without issuance; a proxy case closes."""

    slug = "application-withdraw"
    title = _("申請の取下げ")
    form_class = wf_forms.WithdrawForm
    permission = "jpki.change_application"
    needs_application = True
    submit_label = _("取下げを記録する")
    intro = _(
        "申請者から取下げの申出があった申請を、発行せずに終了します。送付済みの照会書などの帳票は記録として残ります。"
    )

    def available(self, resident, card, valid):
        return offers.refused(_t("申請ごとに表示します。"))  # per open application, not a resident-level button

    def step_available(self, application: Application) -> bool:
        return application.is_open

    def step_refusal(self, application: Application) -> str:
        return ""

    def preview(self, request, form, resident, application):
        rows = [
            (_t("申請"), str(application)),
            (_t("現在の状態"), application.get_status_display()),
            (_t("受付日時"), f"{timezone.localtime(application.received_at):%Y-%m-%d %H:%M}"),
            (_t("取下げ後の状態"), str(Application.Status.CANCELLED.label)),
        ]
        proxy = getattr(application, "proxy", None)
        preview = Preview(rows=rows)
        if proxy is not None:
            rows.insert(1, (_t("代理人"), f"{proxy.proxy_name}（{proxy.relation}）"))
            preview.warnings.append(_t("2回目の来庁は受け付けられなくなります（取下げの理由を表示して断ります）。"))
        letter = letters_bridge.current_inquiry(application)
        if letter is not None and getattr(letter, "posted_at", None):
            preview.notes.append(
                _t("発送済みの照会書 %(ref)s（%(day)s 差出）は記録として残ります。")
                % {"ref": letter.reference, "day": f"{timezone.localtime(letter.posted_at):%Y-%m-%d}"}
            )
        preview.notes.append(_t("電子証明書は発行しません。手数料はかかりません。"))
        return preview

    def perform(self, request, form, resident, application, dry=False):
        cd = form.cleaned_data
        return services.application_cancel(
            application=application,
            actor=request.user,
            reason=cd["reason"],
            outside_hours_confirmed=cd["outside_hours_confirmed"],
        )

    def result(self, request, outcome, resident, application):
        rows = [
            (_t("申請番号"), f"#{outcome.pk}"),
            (_t("手続の種類"), outcome.get_kind_display()),
            (_t("状態"), outcome.get_status_display()),
            (_t("取下げの理由"), withdrawal_note(outcome) or "—"),
        ]
        return {"rows": rows, "application_id": outcome.pk}
