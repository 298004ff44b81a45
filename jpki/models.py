"""The certificate domain: offices, cards, certificates, applications, proxy authorizations.

No model here ever holds a password (暗証番号) or the individual number (個人番号). Identity
documents are recorded by kind, issuer and the last 4 characters of their number only.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Office(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("本庁")
        BRANCH = "branch", _("出張所")

    code = models.CharField(_("所属コード"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("種別"), max_length=8, choices=Kind.choices, default=Kind.BRANCH)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("所在地"), max_length=120, blank=True)
    phone = models.CharField(_("電話番号"), max_length=40, blank=True)
    is_active = models.BooleanField(_("使用中"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窓口")
        verbose_name_plural = _("窓口")
        ordering = ["kind", "code"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Which office a staff account works at (used to record the office of every procedure)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, verbose_name=_("所属窓口"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("職員の所属")
        verbose_name_plural = _("職員の所属")

    def __str__(self):
        return f"{self.user} ({self.office})"


class Card(models.Model):
    class Kind(models.TextChoices):
        MYNUMBER = "mynumber", _("マイナンバーカード")
        JUKI = "juki", _("住基カード")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有効")
        SUSPENDED = "suspended", _("一時停止")
        LOST = "lost", _("紛失")
        RETURNED = "returned", _("返納")
        EXPIRED = "expired", _("有効期限切れ")
        REVOKED = "revoked", _("廃止")

    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="cards", verbose_name=_("住民")
    )
    kind = models.CharField(_("カードの種類"), max_length=10, choices=Kind.choices, default=Kind.MYNUMBER)
    issued_on = models.DateField(_("交付日"))
    expires_on = models.DateField(_("有効期限"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_changed_at = models.DateTimeField(_("状態の変更日時"), null=True, blank=True)
    face_authentication_only = models.BooleanField(
        _("顔認証マイナンバーカード"), default=False, help_text=_("暗証番号を設定しない顔認証のみのカード")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("交付窓口"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("カード")
        verbose_name_plural = _("カード")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")),
                name="card_expiry_after_issue",
                violation_error_message=_("有効期限は交付日より後の日付にしてください。"),
            ),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=["active", "suspended"]),
                name="card_one_active_per_resident",
                violation_error_message=_("この住民には既に有効なカードがあります。"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="card_status_expiry_idx"),
            # the renewal forecast (jpki.statistics) reads these columns from the index alone
            models.Index(fields=["status", "expires_on", "office"], name="card_forecast_idx"),
        ]

    def __str__(self):
        return gettext("%(kind)s %(start)s〜%(end)s（%(status)s）") % {
            "kind": self.get_kind_display(),
            "start": f"{self.issued_on:%Y-%m-%d}",
            "end": f"{self.expires_on:%Y-%m-%d}",
            "status": self.get_status_display(),
        }


class Certificate(models.Model):
    class Kind(models.TextChoices):
        SIGNING = "signing", _("署名用電子証明書")
        USER = "user", _("利用者証明用電子証明書")

    class Status(models.TextChoices):
        VALID = "valid", _("有効")
        REVOKED = "revoked", _("失効")
        EXPIRED = "expired", _("有効期限切れ")

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("カード"))
    kind = models.CharField(_("種類"), max_length=8, choices=Kind.choices)
    serial = models.CharField(_("シリアル番号"), max_length=32, unique=True)
    issued_on = models.DateField(_("発行日"))
    expires_on = models.DateField(_("有効期限"))
    status = models.CharField(_("状態"), max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    revocation_reason = models.CharField(_("失効理由"), max_length=200, blank=True)
    name_in_certificate = models.CharField(_("証明書記録氏名"), max_length=200, blank=True)
    address_in_certificate = models.CharField(_("証明書記録住所"), max_length=300, blank=True)
    substituted_name_positions = models.JSONField(_("氏名の代替文字の位置"), default=list, blank=True)
    substituted_address_positions = models.JSONField(_("住所の代替文字の位置"), default=list, blank=True)
    application = models.ForeignKey(
        "Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("申請"),
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("発行窓口"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("電子証明書")
        verbose_name_plural = _("電子証明書")
        ordering = ["-issued_on", "kind", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "kind"],
                condition=Q(status="valid"),
                name="certificate_one_valid_per_kind",
                violation_error_message=_("このカードには同じ種類の有効な電子証明書が既にあります。"),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")),
                name="certificate_expiry_after_issue",
                violation_error_message=_("有効期限は発行日より後の日付にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(status="revoked", revoked_at__isnull=False)
                | (~Q(status="revoked") & Q(revoked_at__isnull=True)),
                name="certificate_revoked_has_time",
                violation_error_message=_("失効した証明書には失効日時が必要です（有効な証明書には不要です）。"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["signing", "user"]),
                name="certificate_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="cert_status_expiry_idx"),
            models.Index(fields=["issued_on", "office"], name="cert_issued_office_idx"),
            models.Index(fields=["status", "revoked_at"], name="cert_status_revoked_idx"),
            # the renewal forecast (jpki.statistics) reads these columns from the index alone
            models.Index(fields=["status", "expires_on", "office", "kind"], name="cert_forecast_idx"),
            models.Index(  # jpki.review: the kana overrides compare these texts without the table row
                fields=["application", "name_in_certificate", "address_in_certificate"],
                name="cert_review_texts_idx",
                condition=models.Q(application__isnull=False),
            ),
        ]

    def __str__(self):
        return gettext("%(kind)s %(serial)s（%(status)s）") % {
            "kind": self.get_kind_display(),
            "serial": self.serial,
            "status": self.get_status_display(),
        }


class Application(models.Model):
    """An application at the counter (申請). Every procedure is one."""

    class Kind(models.TextChoices):
        NEW = "new", _("新規発行")
        RENEWAL = "renewal", _("更新")
        REVOCATION = "revocation", _("失効申請")
        PASSWORD_INIT = "password_init", _("暗証番号初期化")
        REISSUE = "reissue", _("カード再交付に伴う再発行")

    class ApplicantType(models.TextChoices):
        SELF = "self", _("本人")
        LEGAL = "legal", _("法定代理人")
        PROXY = "proxy", _("任意代理人")

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        AWAITING_LETTER = "awaiting_letter", _("照会書送付待ち")
        LETTER_SENT = "letter_sent", _("照会書送付済（回答待ち）")
        REPLY_RECEIVED = "reply_received", _("回答書受理")
        COMPLETED = "completed", _("完了")
        RETURNED = "returned", _("照会書返戻により終了")
        REFUSED = "refused", _("不受理")
        CANCELLED = "cancelled", _("取下げ")

    OPEN_STATUSES = ("received", "awaiting_letter", "letter_sent", "reply_received")

    kind = models.CharField(_("申請の種類"), max_length=16, choices=Kind.choices)
    applicant_type = models.CharField(_("申請者"), max_length=8, choices=ApplicantType.choices)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="applications", verbose_name=_("住民")
    )
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, null=True, blank=True, related_name="applications", verbose_name=_("カード")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, verbose_name=_("受付窓口"))
    received_at = models.DateTimeField(_("受付日時"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("受付者")
    )
    status = models.CharField(_("状態"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    signing_requested = models.BooleanField(_("署名用電子証明書"), default=False)
    user_requested = models.BooleanField(_("利用者証明用電子証明書"), default=False)
    fee_due = models.PositiveIntegerField(_("手数料（円）"), default=0)
    fee_paid = models.BooleanField(_("手数料収納済"), default=False)
    fee_receipt_number = models.CharField(_("領収番号"), max_length=40, blank=True)
    outside_counter_hours = models.BooleanField(_("取扱時間外の処理"), default=False)
    legal_authority_document = models.CharField(
        _("法定代理権の確認書類"), max_length=60, blank=True, help_text=_("戸籍謄本・登記事項証明書など（3か月以内）")
    )
    legal_authority_issued_on = models.DateField(_("確認書類の発行日"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    notes = models.TextField(_("備考"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申請")
        verbose_name_plural = _("申請")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_due__in=[0, 200]),
                name="application_fee_amount",
                violation_error_message=_("手数料は0円または200円です。"),
            ),
            models.CheckConstraint(
                condition=~Q(applicant_type="proxy") | Q(kind__in=["new", "renewal", "revocation", "password_init"]),
                name="application_proxy_kinds",
            ),
        ]
        indexes = [
            models.Index(fields=["received_at", "office"], name="app_received_office_idx"),
            models.Index(fields=["status", "received_at"], name="app_status_received_idx"),
            # the statistics (jpki.statistics) read these columns from the index alone
            models.Index(
                fields=["status", "completed_at", "office", "kind", "applicant_type"], name="app_stats_completed_idx"
            ),
            models.Index(
                fields=["received_at", "office", "received_by", "kind", "outside_counter_hours", "fee_paid", "fee_due"],
                name="app_stats_received_idx",
            ),
            models.Index(fields=["received_at", "resident"], name="app_received_resident_idx"),  # jpki.review
        ]

    def __str__(self):
        return gettext("%(kind)s（%(applicant_type)s） #%(number)s") % {
            "kind": self.get_kind_display(),
            "applicant_type": self.get_applicant_type_display(),
            "number": self.pk,
        }

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class IdentityDocument(models.Model):
    """An identity document shown at the counter: kind, issuer and the last 4 characters only."""

    class Holder(models.TextChoices):
        RESIDENT = "resident", _("本人")
        LEGAL = "legal", _("法定代理人")
        PROXY = "proxy", _("任意代理人")

    class Kind(models.TextChoices):
        MYNUMBER_CARD = "mynumber_card", _("マイナンバーカード")
        DRIVING_LICENCE = "driving_licence", _("運転免許証")
        PASSPORT = "passport", _("旅券（パスポート）")
        RESIDENCE_CARD = "residence_card", _("在留カード")
        SPECIAL_PERMANENT = "special_permanent_resident_certificate", _("特別永住者証明書")
        DISABILITY_PHOTO = "disability_certificate_photo", _("身体障害者手帳（写真付き）")
        DRIVING_HISTORY = "driving_history_certificate", _("運転経歴証明書")
        HEALTH_INSURANCE = "health_insurance_card", _("健康保険証・資格確認書")
        PENSION_BOOK = "pension_book", _("年金手帳")
        CARE_INSURANCE = "care_insurance_card", _("介護保険証")
        STUDENT_ID = "student_id", _("学生証")
        EMPLOYEE_ID = "employee_id", _("社員証")
        BANK_CARD = "bank_card", _("キャッシュカード")
        PATIENT_CARD = "patient_card", _("診察券")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="identity_documents", verbose_name=_("申請")
    )
    holder = models.CharField(_("提示者"), max_length=8, choices=Holder.choices)
    visit = models.PositiveSmallIntegerField(_("来庁回"), default=1)
    kind = models.CharField(_("書類の種類"), max_length=40, choices=Kind.choices)
    issuer = models.CharField(_("発行者"), max_length=60, blank=True)
    number_last4 = models.CharField(_("番号（末尾4桁）"), max_length=4, blank=True)
    checked_at = models.DateTimeField(_("確認日時"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("本人確認書類")
        verbose_name_plural = _("本人確認書類")
        ordering = ["application", "visit", "id"]

    def __str__(self):
        tail = f" …{self.number_last4}" if self.number_last4 else ""
        return f"{self.get_kind_display()}{tail}"


class ProxyAuthorization(models.Model):
    """The appointed proxy's two-visit flow (任意代理人). Checks only: never a password."""

    class Stage(models.TextChoices):
        VISIT1 = "visit1", _("1回目来庁（照会書送付依頼）")
        LETTER_SENT = "letter_sent", _("照会書送付済")
        REPLY_RECEIVED = "reply_received", _("回答書受理")
        RETURNED = "returned", _("照会書返戻")
        VISIT2 = "visit2", _("2回目来庁・発行済")
        WITHDRAWN = "withdrawn", _("取下げ")

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="proxy", verbose_name=_("申請")
    )
    proxy_name = models.CharField(_("代理人氏名"), max_length=100)
    proxy_kana = models.CharField(_("代理人氏名（カナ）"), max_length=200)
    proxy_postal_code = models.CharField(_("代理人郵便番号"), max_length=8, blank=True)
    proxy_address = models.CharField(_("代理人住所"), max_length=200)
    proxy_birth_date = models.DateField(_("代理人生年月日"))
    relation = models.CharField(_("本人との関係"), max_length=40)
    stage = models.CharField(_("段階"), max_length=16, choices=Stage.choices, default=Stage.VISIT1)

    visit1_at = models.DateTimeField(_("1回目来庁日時"))
    visit1_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("1回目窓口"))
    inquiry_requested = models.BooleanField(_("照会書送付依頼書受理"), default=True)
    letter_sent_at = models.DateTimeField(_("照会書発送日時"), null=True, blank=True)
    reply_received_at = models.DateTimeField(_("回答書受理日時"), null=True, blank=True)
    returned_at = models.DateTimeField(_("返戻日時"), null=True, blank=True)
    return_reason = models.CharField(_("返戻理由"), max_length=60, blank=True)

    visit2_at = models.DateTimeField(_("2回目来庁日時"), null=True, blank=True)
    visit2_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("2回目窓口")
    )
    resident_card_checked = models.BooleanField(_("本人のマイナンバーカード確認"), default=False)
    proxy_photo_id_checked = models.BooleanField(_("代理人の顔写真付き本人確認書類確認"), default=False)
    reply_complete = models.BooleanField(_("回答書欄記入済"), default=False)
    power_of_attorney_complete = models.BooleanField(_("委任状欄記入済"), default=False)
    envelope_sealed = models.BooleanField(_("封筒に封入・割印あり"), default=False)
    application_form_checked = models.BooleanField(_("新規発行申請書あり"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("代理人による申請")
        verbose_name_plural = _("代理人による申請")
        ordering = ["-visit1_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit2_at__isnull=True) | Q(visit2_at__gt=F("visit1_at")),
                name="proxy_visit2_after_visit1",
            ),
            models.CheckConstraint(
                condition=~Q(stage="visit2")
                | Q(
                    resident_card_checked=True,
                    proxy_photo_id_checked=True,
                    reply_complete=True,
                    power_of_attorney_complete=True,
                    envelope_sealed=True,
                    application_form_checked=True,
                ),
                name="proxy_visit2_checklist_complete",
            ),
        ]
        indexes = [models.Index(fields=["stage", "letter_sent_at"], name="proxy_stage_sent_idx")]

    def __str__(self):
        return gettext("%(name)s（%(relation)s）") % {"name": self.proxy_name, "relation": self.relation}


class RecordView(models.Model):
    """Who opened which resident's record, and when (閲覧記録). Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("職員")
    )
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("住民")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("窓口"))
    viewed_at = models.DateTimeField(_("閲覧日時"), auto_now_add=True, db_index=True)
    path = models.CharField(_("画面"), max_length=200)

    class Meta:
        verbose_name = _("閲覧記録")
        verbose_name_plural = _("閲覧記録")
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["user", "viewed_at"], name="recordview_user_idx")]

    def __str__(self):
        return f"{self.user} → {self.resident_id} {self.viewed_at:%Y-%m-%d %H:%M}"


class ReadLog(models.Model):
    """One read of personal data (閲覧ログ): who, when, from where, through which screen, and which
    residents were shown. A search result page is one row with the residents it listed. Append-only;
    written by ``jpki.readlog.record_read``, never edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("職員")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("窓口"))
    read_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("接続元"), null=True, blank=True)
    screen = models.CharField(_("画面"), max_length=60)
    path = models.CharField(_("URL"), max_length=300)
    query = models.CharField(_("検索条件"), max_length=300, blank=True)
    resident_count = models.PositiveIntegerField(_("表示した住民の数"), default=0)
    residents = models.ManyToManyField(
        "residents.Resident", through="ReadLogResident", related_name="+", verbose_name=_("住民")
    )

    class Meta:
        verbose_name = _("閲覧ログ")
        verbose_name_plural = _("閲覧ログ")
        ordering = ["-read_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="readlog_user_idx")]

    def __str__(self):
        return f"{self.user} {self.screen} {self.read_at:%Y-%m-%d %H:%M}"


class ReadLogResident(models.Model):
    """A resident shown by one read (the through table of :class:`ReadLog`)."""

    log = models.ForeignKey(ReadLog, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("閲覧ログの住民")
        verbose_name_plural = _("閲覧ログの住民")
        constraints = [models.UniqueConstraint(fields=["log", "resident"], name="readlog_resident_unique")]
        indexes = [models.Index(fields=["resident", "log"], name="readlog_resident_idx")]

    def __str__(self):
        return f"{self.log_id} → {self.resident_id}"


class ProcedureSubmission(models.Model):
    """A confirm step that was submitted (single-use token): the unique token makes a repeated,
    back-button or concurrent submit of the same confirm page record nothing a second time."""

    token = models.CharField(_("受付トークン"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("職員")
    )
    procedure = models.CharField(_("手続"), max_length=40)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("住民")
    )
    submitted_at = models.DateTimeField(_("日時"), auto_now_add=True)
    result_url = models.CharField(_("記録へのリンク"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("手続の送信")
        verbose_name_plural = _("手続の送信")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.procedure} {self.submitted_at:%Y-%m-%d %H:%M}"


class OutsideHoursRecord(models.Model):
    """A write a clerk recorded outside the counter hours, with the clerk's confirmation.

    Applications carry their own flag (``Application.outside_counter_hours``); every other
    procedure a clerk records (a register change, a card issued, lost or found, a departure, a
    withdrawal ...) leaves one of these rows, so that the supervisors' review queue sees them all.
    """

    procedure = models.CharField(_("手続"), max_length=40)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("住民")
    )
    recorded_at = models.DateTimeField(_("処理日時"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("処理者")
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("窓口"))
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("取扱時間外の処理")
        verbose_name_plural = _("取扱時間外の処理")
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.procedure} {self.recorded_at:%Y-%m-%d %H:%M}"


class ReviewSignOff(models.Model):
    """A supervisor's 確認済み on one item of the review queue (確認待ち, ``jpki.review``): which item
    (its kind and key), who checked it, when, with what comment. One per item; never deleted."""

    kind = models.CharField(_("確認の種類"), max_length=40)
    item_key = models.CharField(_("対象の番号"), max_length=64)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("確認者")
    )
    comment = models.TextField(_("確認のコメント"))
    signed_at = models.DateTimeField(_("確認日時"), db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("確認済みの記録")
        verbose_name_plural = _("確認済みの記録")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "item_key"],
                name="reviewsignoff_one_per_item",
                violation_error_message=_("この項目は既に確認済みです。"),
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.item_key} {self.signed_at:%Y-%m-%d %H:%M}"


class FeedRun(models.Model):
    """One run of the register feed (住民記録システムからの異動連携): a dry run or an apply, with its
    counts, outcome and the report the screen shows. Written by ``jpki.services.feed`` only."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("反映済み")
        REFUSED = "refused", _("拒否（何も反映していません）")
        DRY_RUN_CLEAN = "dry_run_clean", _("試行（問題なし）")
        DRY_RUN_REFUSED = "dry_run_refused", _("試行（拒否される行あり）")

    file_name = models.CharField(_("ファイル名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    encoding = models.CharField(_("文字コード"), max_length=16, default="utf-8")
    stored_file = models.CharField(_("保管ファイル"), max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("実行者")
    )
    started_at = models.DateTimeField(_("開始日時"), db_index=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    dry_run = models.BooleanField(_("試行"), default=True)
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    counts = models.JSONField(_("異動の種類ごとの件数"), default=dict, blank=True)
    certificates_revoked = models.PositiveIntegerField(_("失効する電子証明書"), default=0)
    skipped = models.PositiveIntegerField(_("反映済みのため省略"), default=0)
    refused_rows = models.PositiveIntegerField(_("拒否した行"), default=0)
    report = models.JSONField(_("報告"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("異動連携の実行")
        verbose_name_plural = _("異動連携の実行")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.file_name} {self.get_outcome_display()}"


class AppliedFeedEvent(models.Model):
    """An event of the register feed that was applied (the idempotency key is ``event_id``)."""

    event_id = models.CharField(_("異動の識別子"), max_length=40, unique=True)
    run = models.ForeignKey(FeedRun, on_delete=models.PROTECT, related_name="applied_events", verbose_name=_("実行"))
    line = models.PositiveIntegerField(_("行"))
    kind = models.CharField(_("異動の種類"), max_length=20)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("住民")
    )

    class Meta:
        verbose_name = _("反映済みの異動")
        verbose_name_plural = _("反映済みの異動")
        ordering = ["run", "line"]

    def __str__(self):
        return f"{self.event_id} ({self.kind})"
