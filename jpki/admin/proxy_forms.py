"""Forms of the proxy procedures (代理人による申請): visit 1, the letter sent, the reply, a returned
letter, visit 2, and the withdrawal of an application. Re-exported by :mod:`jpki.admin.forms`, where
the base form and the mixins they share live.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jpki.models import Application, IdentityDocument

from .forms import (
    DOC_CHOICES,
    RETURN_REASONS,
    CertificatesMixin,
    CertificateTextMixin,
    OutsideHoursMixin,
    WorkflowForm,
)


class ProxyVisit1Form(WorkflowForm, CertificatesMixin, OutsideHoursMixin):
    kind = forms.ChoiceField(
        label=_("手続"),
        choices=[
            (Application.Kind.NEW, _("新規発行・更新")),
            (Application.Kind.PASSWORD_INIT, _("暗証番号初期化")),
            (Application.Kind.REVOCATION, _("失効申請")),
        ],
        initial=Application.Kind.NEW,
    )
    proxy_name = forms.CharField(label=_("代理人氏名"), max_length=100)
    proxy_kana = forms.CharField(label=_("代理人氏名（カナ）"), max_length=200)
    proxy_birth_date = forms.DateField(label=_("代理人生年月日"), widget=forms.DateInput(attrs={"type": "date"}))
    proxy_postal_code = forms.CharField(label=_("代理人郵便番号"), max_length=8, required=False)
    proxy_address = forms.CharField(label=_("代理人住所"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    relation = forms.CharField(label=_("本人との関係"), max_length=40)
    proxy_document_kind = forms.ChoiceField(
        label=_("代理人の本人確認書類（任意）"),
        choices=DOC_CHOICES,
        required=False,
        help_text=_("1回目の来庁では任意です。"),
    )
    proxy_document_issuer = forms.CharField(label=_("発行者"), required=False, max_length=60)
    proxy_document_number = forms.CharField(
        label=_("番号"), required=False, max_length=40, help_text=_("末尾4桁のみ記録されます。")
    )
    default_reason = _("任意代理人による申請（照会書送付依頼）")
    field_order = ["kind", "signing", "user", "proxy_name", "proxy_kana", "proxy_birth_date", "proxy_postal_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_certificates(applicant_type=Application.ApplicantType.PROXY)

    def clean_proxy_birth_date(self):
        """Born in 1900 or later and at least 15 years ago (the service checks the same)."""
        from jpki.services.proxy import proxy_birth_date_problem

        value = self.cleaned_data.get("proxy_birth_date")
        problem = proxy_birth_date_problem(value, timezone.localdate()) if value is not None else None
        if problem:
            raise ValidationError(problem)
        return value

    def clean_proxy_postal_code(self):
        """7 digits, full-width or with a hyphen alike, kept as NNN-NNNN (``=1+1`` is refused)."""
        from jpki.services.proxy import MSG_POSTAL_CODE, normalize_postal_code

        value = normalize_postal_code(self.cleaned_data.get("proxy_postal_code") or "")
        if value is None:
            raise ValidationError(MSG_POSTAL_CODE)
        return value

    def proxy_document(self):
        from jpki.services import DocumentShown

        kind = self.cleaned_data.get("proxy_document_kind")
        if not kind:
            return None
        return DocumentShown(
            IdentityDocument.Holder.PROXY,
            kind,
            self.cleaned_data.get("proxy_document_issuer", ""),
            self.cleaned_data.get("proxy_document_number", ""),
        )


_TRACKING_CLEAN = re.compile(r"[\s\-‐－ー]")


class ProxyLetterSentForm(WorkflowForm):
    tracking_number = forms.CharField(
        label=_("お問い合わせ番号（簡易書留）"),
        required=False,
        max_length=20,
        help_text=_("例: 1234-5678-9013（11〜13桁の数字）"),
    )
    default_reason = _("照会書兼回答書を発送（簡易書留・転送不要）")

    def clean_tracking_number(self):
        value = _TRACKING_CLEAN.sub("", self.cleaned_data.get("tracking_number") or "")
        value = value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if value and not re.fullmatch(r"[0-9]{11,13}", value):
            raise ValidationError(_("お問い合わせ番号は11〜13桁の数字です。"))
        return value


class ProxyReplyForm(WorkflowForm):
    default_reason = _("回答書の受理")


class ProxyReturnedForm(WorkflowForm):
    return_reason = forms.ChoiceField(label=_("返戻理由"), choices=[("", "---------")] + RETURN_REASONS, required=False)
    return_note = forms.CharField(label=_("備考（その後の対応など）"), required=False, max_length=200)
    default_reason = _("照会書の返戻（転送不要）")

    def return_reason_text(self) -> str:
        code = self.cleaned_data.get("return_reason") or ""
        reason = str(dict(RETURN_REASONS).get(code, code))
        note = (self.cleaned_data.get("return_note") or "").strip()
        if reason and note:
            return f"{reason}（{note}）"[:60]
        return reason


class WithdrawForm(WorkflowForm, OutsideHoursMixin):
    """取下げ: the reason is typed by the clerk (no default), it is shown when a later step is refused."""

    default_reason = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("取下げの理由（必須・履歴と申請に記録）")
        self.fields["reason"].help_text = _("例: 本人から電話で取下げの申出（代理人の来庁が困難なため）")


class ProxyVisit2Form(WorkflowForm, CertificateTextMixin, OutsideHoursMixin):
    rare_fields = ((_("代替文字がない文字を含む場合（かな表記）"), ("certificate_name", "certificate_address")),)
    resident_card_checked = forms.BooleanField(label=_("本人のマイナンバーカード"), required=False)
    proxy_photo_id_checked = forms.BooleanField(label=_("代理人の官公署発行の顔写真付き本人確認書類"), required=False)
    reply_complete = forms.BooleanField(label=_("照会書兼回答書の回答書欄が記入済み"), required=False)
    power_of_attorney_complete = forms.BooleanField(label=_("委任状欄が記入済み"), required=False)
    envelope_sealed = forms.BooleanField(label=_("回答書が封筒に封入され割印あり"), required=False)
    application_form_checked = forms.BooleanField(label=_("電子証明書新規発行申請書"), required=False)
    proxy_document_kind = forms.ChoiceField(label=_("代理人の本人確認書類"), choices=DOC_CHOICES, required=False)
    proxy_document_issuer = forms.CharField(label=_("発行者"), required=False, max_length=60)
    proxy_document_number = forms.CharField(
        label=_("番号"), required=False, max_length=40, help_text=_("末尾4桁のみ記録されます。")
    )
    default_reason = _("任意代理人の2回目来庁（回答書持参）")
    APPLICATION_FORM_LABELS = {
        Application.Kind.PASSWORD_INIT: _("暗証番号初期化の申請書"),
        Application.Kind.REVOCATION: _("電子証明書失効申請書"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.application.kind if self.application is not None else None
        if kind in self.APPLICATION_FORM_LABELS:
            # Nothing is issued: the certificate's name and address do not apply; the form is that procedure's.
            del self.fields["certificate_name"]
            del self.fields["certificate_address"]
            self.fields["application_form_checked"].label = self.APPLICATION_FORM_LABELS[kind]

    CHECKLIST = (
        "resident_card_checked",
        "proxy_photo_id_checked",
        "reply_complete",
        "power_of_attorney_complete",
        "envelope_sealed",
        "application_form_checked",
    )

    def checklist(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in self.CHECKLIST}

    proxy_document = ProxyVisit1Form.proxy_document
