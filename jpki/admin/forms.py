"""Forms of the counter workflows (窓口の手続画面). Each maps onto one service call.

Field names match the keys of the services' ``ValidationError.message_dict`` so that a refusal
lands on the field it belongs to (see :func:`apply_service_errors`). Every text field refuses a
個人番号 at the field (:class:`NoIndividualNumberForm`); the services refuse it too, as a backstop.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jpki.models import Application, Card, IdentityDocument
from residents import address, safety
from residents.models import CharacterSubstitution, Resident

from . import form_layout

OUTSIDE_HOURS_LABEL = _("時間外処理として記録する")
OUTSIDE_HOURS_HELP = _(
    "取扱時間外（平日9:00〜17:30以外・土日祝・年末年始）にやむを得ず記録する場合に選びます。監督者の確認対象になります。"
)

DOC_CHOICES = [("", "---------")] + list(IdentityDocument.Kind.choices)
MSG_LOST_CARD_AS_ID = _(
    "再交付するカード（紛失・返納するカード）は本人確認書類になりません。運転免許証など他の書類を確認してください。"
)
MSG_REISSUE_DOCUMENTS = _("紛失・返納するマイナンバーカードは使えません。運転免許証・パスポートなどで確認します。")
APPLICANT_CHOICES = [
    (Application.ApplicantType.SELF, _("本人")),
    (Application.ApplicantType.LEGAL, _("法定代理人")),
]
# Same codes as letters.models.ReturnReason (used directly when the letters app records the return).
RETURN_REASONS = [
    ("address_unknown", _("あて所に尋ねあたりません")),
    ("forward_unknown", _("転居先不明")),
    ("refused", _("受取拒否")),
    ("unclaimed", _("保管期間経過")),
    ("other", _("その他")),
]

# Service error keys that are not form fields but belong to one.
ERROR_FIELD_ALIASES = {"documents": "document_kind", "proxy_document": "proxy_document_kind", "note": "return_note"}


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal onto the form: at the field it names, else at the top of the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            field = ERROR_FIELD_ALIASES.get(key, key)
            for message in errors:
                if field in form.fields:
                    if field in form.errors and message in form.errors[field]:
                        continue
                    form.add_error(field, message)
                else:
                    form.add_error(None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def clean_address_block(value):
    """The 番地 as the register writes it (``residents.address``), or the expected form at the field."""
    if safety.looks_like_individual_number(value or ""):
        raise ValidationError(_(safety.MSG_INDIVIDUAL_NUMBER))
    block = address.normalize_block(value or "")
    if block is None:
        raise ValidationError(_(address.MSG_UNREADABLE))
    return block


def _check_card_issue_date(form, value):
    """A card is delivered today or earlier, and never before the resident was born (else the rules cannot compute)."""
    if value is None:
        return value
    if value > timezone.localdate():
        raise ValidationError(_("交付日が未来の日付になっています。"))
    resident = getattr(form, "resident", None)
    if resident is not None and value < resident.birth_date:
        raise ValidationError(_("交付日が生年月日より前になっています。"))
    if value.year < 2015:
        raise ValidationError(_("マイナンバーカードの交付は2016年1月からです。交付日を確認してください。"))
    return value


class NoIndividualNumberForm:
    """Mixin for a form (before ``forms.Form``/``ModelForm`` in the bases): no text field may hold a
    個人番号 (12 digits with its check digit, full-width, spaced or hyphenated alike). The message
    sits at the field the clerk typed it into.

    Every ``CharField`` (and subclass) is checked except hidden ones (nobody types into them) and
    :attr:`number_fields`: numbers that have their own validation and are not stored as typed
    (a tracking number; an identity document's number, of which only the last 4 characters are
    ever stored, and which is a 12-digit driving licence number as often as not).
    """

    number_fields: frozenset[str] = frozenset()

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if name in self.number_fields or field.widget.is_hidden or not isinstance(field, forms.CharField):
                continue
            if name in self.cleaned_data and safety.looks_like_individual_number(self.cleaned_data[name]):
                self.add_error(name, _(safety.MSG_INDIVIDUAL_NUMBER))
        return cleaned


class WorkflowForm(form_layout.QueueLayoutMixin, NoIndividualNumberForm, forms.Form):
    """The base of every procedure's form: the reason (into the history rows) and the counter-hours
    box, which every procedure's service checks (``jpki.services.counter_hours``): outside the hours
    it is refused at this box unless ticked, and recorded for the supervisors when ticked."""

    outside_hours_confirmed = forms.BooleanField(
        label=OUTSIDE_HOURS_LABEL, required=False, help_text=OUTSIDE_HOURS_HELP
    )
    reason = forms.CharField(
        label=_("理由・備考（履歴に記録）"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
    )

    default_reason = ""
    number_fields = frozenset({"document_number", "document2_number", "proxy_document_number", "tracking_number"})
    # Fields a clerk fills every time come first (``field_order``); rarely needed ones are grouped
    # at the end in a collapsed <details> (``rare_groups``), open when they apply or hold an error.
    rare_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, *args, resident: Resident | None = None, application: Application | None = None, **kwargs):
        self.resident = resident
        self.application = application
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.default_reason:
            self.fields["reason"].initial = self.default_reason
        # The common fields first, then the rare ones, the reason last on the screen.
        rare = [name for _title, names in self.rare_fields for name in names]
        self.order_fields(
            [n for n in self.fields if n not in ("outside_hours_confirmed", "reason", *rare)]
            + rare
            + ["outside_hours_confirmed", "reason"]
        )


class OutsideHoursMixin(forms.Form):
    """Kept for the forms that name it; :class:`WorkflowForm` carries the box for every procedure."""

    outside_hours_confirmed = WorkflowForm.base_fields["outside_hours_confirmed"]


class CertificateTextMixin(forms.Form):
    """When a character of the name or address has no 代替文字, the clerk enters that part in kana."""

    certificate_name = forms.CharField(
        label=_("証明書に記録する氏名（代替文字がない場合のみ）"),
        required=False,
        max_length=200,
        help_text=_("代替文字のない文字を含む場合に、その部分をかなにして氏名全体を入力します。"),
    )
    certificate_address = forms.CharField(
        label=_("証明書に記録する住所（代替文字がない場合のみ）"),
        required=False,
        max_length=300,
        help_text=_("代替文字のない文字を含む場合に、その部分をかなにして住所全体を入力します。"),
    )


class CertificatesMixin(forms.Form):
    signing = forms.BooleanField(label=_("署名用電子証明書"), required=False, initial=True)
    user = forms.BooleanField(label=_("利用者証明用電子証明書"), required=False, initial=True)

    def default_certificates(self, applicant_type=None) -> None:
        """Tick only what can be issued today; a box that cannot says why (``offers.issuable``)."""
        form_layout.default_certificates(self, applicant_type)


class DocumentsMixin(forms.Form):
    """The applicant's identity documents: one official photo ID, or two (B-1 + B-1 / B-1 + B-2)."""

    applicant_type = forms.ChoiceField(label=_("申請者"), choices=APPLICANT_CHOICES, initial="self")
    document_kind = forms.ChoiceField(
        label=_("本人確認書類"), choices=DOC_CHOICES, required=False, initial=IdentityDocument.Kind.MYNUMBER_CARD
    )
    document_issuer = forms.CharField(label=_("発行者"), required=False, max_length=60)
    document_number = forms.CharField(
        label=_("番号"), required=False, max_length=40, help_text=_("末尾4桁のみ記録されます。")
    )
    document2_kind = forms.ChoiceField(label=_("本人確認書類（2点目）"), choices=DOC_CHOICES, required=False)
    document2_issuer = forms.CharField(label=_("発行者（2点目）"), required=False, max_length=60)
    document2_number = forms.CharField(label=_("番号（2点目）"), required=False, max_length=40)

    def documents(self):
        from jpki.services import DocumentShown

        holder = (
            IdentityDocument.Holder.LEGAL
            if self.cleaned_data.get("applicant_type") == "legal"
            else IdentityDocument.Holder.RESIDENT
        )
        docs = []
        for prefix in ("document", "document2"):
            kind = self.cleaned_data.get(f"{prefix}_kind")
            if kind:
                docs.append(
                    DocumentShown(
                        holder,
                        kind,
                        self.cleaned_data.get(f"{prefix}_issuer", ""),
                        self.cleaned_data.get(f"{prefix}_number", ""),
                    )
                )
        return docs


class LegalAuthorityMixin(forms.Form):
    legal_authority_document = forms.CharField(
        label=_("法定代理権の確認書類"),
        required=False,
        max_length=60,
        help_text=_("戸籍謄本・登記事項証明書など（発行から3か月以内）"),
    )
    legal_authority_issued_on = forms.DateField(
        label=_("確認書類の発行日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_legal_authority_issued_on(self):
        """Issued on or before today, and not in another century (the service checks the 3 months)."""
        value = self.cleaned_data.get("legal_authority_issued_on")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("確認書類の発行日が未来の日付になっています。"))
        if value is not None and value.year < 2000:
            raise ValidationError(_("確認書類の発行日を確認してください（発行から3か月以内の書類が必要です）。"))
        return value


class IssueForm(
    WorkflowForm, CertificatesMixin, DocumentsMixin, LegalAuthorityMixin, CertificateTextMixin, OutsideHoursMixin
):
    """新規発行・更新 (same day: the resident themself or a legal representative)."""

    default_reason = _("窓口申請による発行")
    field_order = ["applicant_type", "signing", "user", "document_kind"]
    rare_fields = (
        (_("法定代理人の場合"), ("legal_authority_document", "legal_authority_issued_on")),
        (_("代替文字がない文字を含む場合（かな表記）"), ("certificate_name", "certificate_address")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_applicant(self)
        self.default_certificates()


default_applicant = form_layout.default_applicant


class RevokeForm(WorkflowForm, CertificatesMixin, DocumentsMixin, OutsideHoursMixin):
    default_reason = _("本人からの失効申請")
    field_order = ["applicant_type", "signing", "user", "document_kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_applicant(self)


class PasswordInitForm(WorkflowForm, CertificatesMixin, DocumentsMixin, OutsideHoursMixin):
    default_reason = _("暗証番号の初期化（失念・ロック）")
    field_order = ["applicant_type", "signing", "user", "document_kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_applicant(self)


class ReissueForm(WorkflowForm, CertificatesMixin, DocumentsMixin, LegalAuthorityMixin, OutsideHoursMixin):
    issued_on = forms.DateField(label=_("新しいカードの交付日"), widget=forms.DateInput(attrs={"type": "date"}))
    old_card_status = forms.ChoiceField(
        label=_("旧カードの扱い"),
        choices=[
            (Card.Status.LOST, _("紛失")),
            (Card.Status.RETURNED, _("返納（毀損など）")),
            (Card.Status.REVOKED, _("廃止")),
        ],
        initial=Card.Status.LOST,
    )
    fee_paid = forms.BooleanField(label=_("手数料を収納した"), required=False)
    fee_receipt_number = forms.CharField(label=_("領収番号"), required=False, max_length=40)

    default_reason = _("カード再交付に伴う電子証明書の再発行")
    # then the other document fields, the fee (declared here, so after the mixins' fields), the rare ones
    field_order = ["applicant_type", "signing", "user", "issued_on", "old_card_status", "document_kind"]
    rare_fields = ((_("法定代理人の場合"), ("legal_authority_document", "legal_authority_issued_on")),)

    def clean_issued_on(self):
        return _check_card_issue_date(self, self.cleaned_data.get("issued_on"))

    def clean(self):
        """The card that was lost is not an identity document of its own reissue (nor the old card at all)."""
        cleaned = super().clean()
        for name in ("document_kind", "document2_kind"):
            if cleaned.get(name) == IdentityDocument.Kind.MYNUMBER_CARD:
                self.add_error(name, MSG_LOST_CARD_AS_ID)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No default document: the card on file is the one being replaced (lost or damaged).
        for name in ("document_kind", "document2_kind"):
            self.fields[name].initial = ""
        self.fields["document_kind"].help_text = MSG_REISSUE_DOCUMENTS
        default_applicant(self)
        if not self.is_bound:
            self.fields["issued_on"].initial = timezone.localdate()


class CardIssueForm(WorkflowForm):
    issued_on = forms.DateField(label=_("交付日"), widget=forms.DateInput(attrs={"type": "date"}))
    face_authentication_only = forms.BooleanField(label=_("顔認証マイナンバーカード（暗証番号なし）"), required=False)
    default_reason = _("マイナンバーカードの交付")

    def clean_issued_on(self):
        return _check_card_issue_date(self, self.cleaned_data.get("issued_on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["issued_on"].initial = timezone.localdate()


class CardLostForm(WorkflowForm):
    default_reason = _("紛失届（一時停止）")


class CardFoundForm(WorkflowForm):
    default_reason = _("発見届（一時停止の解除）")


class BasicInfoForm(WorkflowForm):
    name = forms.CharField(label=_("氏名"), max_length=100)
    name_kana = forms.CharField(label=_("氏名（カナ）"), max_length=200)
    alias_name = forms.CharField(label=_("通称"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("生年月日"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("性別"), choices=Resident.Sex.choices)
    postal_code = forms.CharField(label=_("郵便番号"), max_length=8)
    address_town = forms.CharField(label=_("住所（町域まで）"), max_length=100)
    address_block = forms.CharField(label=_("住所（番地）"), max_length=60, required=False)
    address_building = forms.CharField(label=_("方書"), max_length=100, required=False)

    default_reason = _("基本4情報の変更（住民記録の異動）")
    FIELDS = (
        "name",
        "name_kana",
        "alias_name",
        "birth_date",
        "sex",
        "postal_code",
        "address_town",
        "address_block",
        "address_building",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.resident is not None:
            for name in self.FIELDS:
                self.fields[name].initial = getattr(self.resident, name)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def clean_address_block(self):
        """As the register writes it: a typed １－２－３ becomes 1丁目2番3号, else refused here."""
        return clean_address_block(self.cleaned_data.get("address_block"))

    def clean_birth_date(self):
        """A living resident's birth date: from 1900 to today."""
        value = self.cleaned_data.get("birth_date")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("生年月日が未来の日付になっています。"))
        if value is not None and value.year < 1900:
            raise ValidationError(_("生年月日は1900年以降の日付を入力してください。"))
        return value


class MoveInForm(BasicInfoForm):
    """転入（手入力）: a new person registered by hand when the feed is late. The register's fields,
    the 宛名番号 (never a 個人番号) and, for foreign residents, the status and period of stay."""

    resident_key = forms.CharField(
        label=_("宛名番号"), max_length=20, help_text=_("住民記録システムの宛名番号（個人番号ではありません）。")
    )
    on = forms.DateField(label=_("転入日（異動日）"), widget=forms.DateInput(attrs={"type": "date"}))
    residence_status = forms.CharField(
        label=_("在留資格"), max_length=40, required=False, help_text=_("外国人住民のみ。日本人は空欄。")
    )
    period_of_stay_ends_on = forms.DateField(
        label=_("在留期間の満了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    default_reason = _("転入（住民記録の連携前に窓口で登録）")
    FIELDS = ("resident_key", "on") + BasicInfoForm.FIELDS + ("residence_status", "period_of_stay_ends_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.FIELDS)  # the key first; the box and the reason stay last
        if not self.is_bound:
            self.fields["on"].initial = timezone.localdate()

    def clean_resident_key(self):
        from residents.services import clean_resident_key

        try:
            return clean_resident_key(self.cleaned_data.get("resident_key"))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_postal_code(self):
        from jpki.services.proxy import MSG_POSTAL_CODE, normalize_postal_code

        value = normalize_postal_code(self.cleaned_data.get("postal_code") or "")
        if not value:
            raise ValidationError(MSG_POSTAL_CODE)
        return value

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("転入日が未来の日付になっています。"))
        return value

    def clean(self):
        cleaned = super().clean()
        for name in ("name", "name_kana", "alias_name", "address_town", "address_building"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = unicodedata.normalize("NFC", cleaned[name].strip())
        born, on = cleaned.get("birth_date"), cleaned.get("on")
        if born and on and on < born:
            self.add_error("on", _("転入日が生年月日より前になっています。"))
        status, stay = cleaned.get("residence_status"), cleaned.get("period_of_stay_ends_on")
        if stay and not status:
            self.add_error("residence_status", _("在留期間の満了日を入力した場合は在留資格も入力してください。"))
        if status and not stay and status not in Resident.PERMANENT_STATUSES:
            self.add_error("period_of_stay_ends_on", _("在留期間の満了日を入力してください（永住者などを除く）。"))
        if stay and on and stay < on:
            self.add_error("period_of_stay_ends_on", _("在留期間の満了日が転入日より前になっています。"))
        return cleaned

    def fields_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name not in ("resident_key", "on")}


class CardValidityForm(WorkflowForm):
    """有効期間の変更: nothing to enter but the reason; the new expiry comes from the rules."""

    default_reason = _("在留期間の更新に伴うカードの有効期間の変更")


class DepartureForm(WorkflowForm):
    status = forms.ChoiceField(
        label=_("異動の種類"),
        choices=[(s, label) for s, label in Resident.Status.choices if s != Resident.Status.REGISTERED],
    )
    on = forms.DateField(label=_("異動日"), widget=forms.DateInput(attrs={"type": "date"}))
    default_reason = _("住民記録の消除（転出・死亡など）")

    def clean_on(self):
        """Not after today and not before the resident was born (the service checks the same)."""
        value = self.cleaned_data.get("on")
        if value is None:
            return value
        if value > timezone.localdate():
            raise ValidationError(_("異動日が未来の日付になっています。"))
        resident = getattr(self, "resident", None)
        if (resident is not None and resident.birth_date and value < resident.birth_date) or value.year < 1900:
            raise ValidationError(_("異動日が生年月日より前になっています。"))
        return value


class CharacterSubstitutionForm(NoIndividualNumberForm, forms.ModelForm):
    change_reason = forms.CharField(label=_("追加・変更の理由（履歴に記録）"), max_length=200)

    class Meta:
        model = CharacterSubstitution
        fields = ["original", "substitute", "note"]

    def clean_substitute(self):
        from residents import charset

        value = self.cleaned_data["substitute"]
        bad = charset.unsupported_characters(value)
        if bad:
            raise ValidationError(
                _("代替文字も電子証明書に使用できない文字です: %(chars)s") % {"chars": _("、").join(c for _i, c in bad)}
            )
        return value


# The proxy procedures' forms live in their own module (this one would pass 600 lines); the
# workflows find every form here.
from .proxy_forms import (  # noqa: E402, F401  (re-exported)
    ProxyLetterSentForm,
    ProxyReplyForm,
    ProxyReturnedForm,
    ProxyVisit1Form,
    ProxyVisit2Form,
    WithdrawForm,
)
