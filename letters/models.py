"""Letters: paper that leaves the building with a resident's name on it (郵送・帳票).

A :class:`Letter` is one rendered document about one application (照会書兼回答書, 申請書, ...).
Its PDF is stored once under ``settings.PRIVATE_STORAGE_ROOT`` and never overwritten: a re-print
is a new :class:`Letter` with the same reference root, ``version + 1`` and a reason.
A :class:`MailingBatch` is one day's registered letters of one office, printed in one pass
together with the mailing list (差出票). :class:`LetterAccess` records who previewed,
downloaded or printed which letter.

No model here ever holds a password (暗証番号) or the individual number (個人番号).
"""

from __future__ import annotations

import os
import re

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PrivateStorage(FileSystemStorage):
    """Storage for rendered letters: outside any public path, no URL, files never overwritten."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o640)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        self.fixed_location = kwargs.pop("location", None)
        super().__init__(**kwargs)

    # Read the setting at use time (not import time), so tests and deployments can move it.
    @property
    def base_location(self):
        return self.fixed_location if self.fixed_location is not None else settings.PRIVATE_STORAGE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):  # pragma: no cover - there is deliberately no public URL
        raise ValueError("Rendered letters have no URL: they are only served by permission-checked views.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


def letter_upload_to(instance: Letter, filename: str) -> str:
    return f"letters/{instance.rendered_at:%Y/%m/%d}/{filename}"


def batch_upload_to(instance: MailingBatch, filename: str) -> str:
    return f"batches/{instance.date:%Y/%m/%d}/{filename}"


TRACKING_NUMBER_RE = re.compile(r"^[0-9]{11,13}$")


class MailClass(models.TextChoices):
    REGISTERED = "registered", _("簡易書留")
    RECORDED = "recorded", _("特定記録")
    ORDINARY = "ordinary", _("普通")


TRACKED_MAIL_CLASSES = (MailClass.REGISTERED, MailClass.RECORDED)


class ReturnReason(models.TextChoices):
    ADDRESS_UNKNOWN = "address_unknown", _("あて所に尋ねあたりません")
    FORWARD_UNKNOWN = "forward_unknown", _("転居先不明")
    REFUSED = "refused", _("受取拒否")
    UNCLAIMED = "unclaimed", _("保管期間経過")
    OTHER = "other", _("その他")


class MailingBatch(models.Model):
    """One day's registered letters of one office (差出票ごとの一括差出).

    Its PDF is rendered outside the web request, by a worker (``letters.batches``): ``render_state``
    says where that stands. A batch whose worker died stays ``rendering`` (or ``queued``) in the
    database; :func:`letters.batches.batch_status` shows it as interrupted once its deadline has
    passed or its task failed, and it can be rendered again. Its letters never leave it.
    """

    class RenderState(models.TextChoices):
        QUEUED = "queued", _("印刷待ち")
        RENDERING = "rendering", _("印刷中")
        DONE = "done", _("印刷済み")
        FAILED = "failed", _("印刷できませんでした")

    office = models.ForeignKey("jpki.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("窓口"))
    date = models.DateField(_("差出日"))
    number = models.PositiveSmallIntegerField(_("同日内の番号"), default=1)
    created_at = models.DateTimeField(_("作成日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("作成者")
    )
    printed_at = models.DateTimeField(_("印刷日時"), null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("印刷者"),
    )
    pdf = models.FileField(
        _("一括印刷PDF"), storage=private_storage, upload_to=batch_upload_to, blank=True, max_length=255
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("ページ数"), default=0)
    note = models.TextField(_("備考"), blank=True)

    render_state = models.CharField(
        _("印刷の状態"), max_length=10, choices=RenderState.choices, default=RenderState.QUEUED
    )
    render_error = models.TextField(_("印刷できなかった理由"), blank=True)
    render_attempts = models.PositiveSmallIntegerField(_("印刷の試行回数"), default=0)
    render_queued_at = models.DateTimeField(_("印刷の受付日時"), null=True, blank=True)
    render_started_at = models.DateTimeField(_("印刷の開始日時"), null=True, blank=True)
    render_finished_at = models.DateTimeField(_("印刷の終了日時"), null=True, blank=True)
    # Which request to render is the current one: a task carrying another token does nothing.
    render_token = models.UUIDField(_("印刷の受付番号"), null=True, blank=True, editable=False)
    render_task_id = models.UUIDField(_("印刷タスクのID"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("差出（一括郵送）")
        verbose_name_plural = _("差出（一括郵送）")
        ordering = ["-date", "office", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date", "number"], name="mailingbatch_office_date_number"),
            models.CheckConstraint(
                condition=Q(render_state__in=["queued", "rendering", "done", "failed"]),
                name="mailingbatch_render_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(render_state="done") | ~Q(pdf=""),
                name="mailingbatch_done_has_pdf",
                violation_error_message=_("印刷済みの差出にはPDFが必要です。"),
            ),
        ]
        indexes = [models.Index(fields=["render_state", "date"], name="mailingbatch_state_idx")]

    def __str__(self):
        return _t("%(date)s %(office)s 第%(number)s便") % {
            "date": f"{self.date:%Y-%m-%d}",
            "office": self.office,
            "number": self.number,
        }


class Letter(models.Model):
    """One rendered letter or form about one application (帳票)."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", _("照会書兼回答書")
        APPLICATION_FORM = "application_form", _("電子証明書新規発行申請書")
        INQUIRY_REQUEST = "inquiry_request", _("電子証明書照会書送付依頼書")
        VALIDITY_SLIP = "validity_slip", _("電子証明書の有効期限のお知らせ")

    MAILED_KINDS = (Kind.INQUIRY,)

    kind = models.CharField(_("帳票の種類"), max_length=20, choices=Kind.choices)
    application = models.ForeignKey(
        "jpki.Application", on_delete=models.PROTECT, related_name="letters", verbose_name=_("申請")
    )
    reference_root = models.CharField(_("照会番号（版を除く）"), max_length=24, db_index=True)
    version = models.PositiveSmallIntegerField(_("版"), default=1)
    reference = models.CharField(_("照会番号"), max_length=32, unique=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("前の版"),
    )
    is_current = models.BooleanField(_("最新版"), default=True)
    reason = models.TextField(_("作成・再印刷の理由"), blank=True)
    # A re-print of a letter already mailed: a copy (控え) that never becomes the current version; the
    # mailed version stays the one its mailing record (tracking number, posting) belongs to.
    reprint_after_mailing = models.BooleanField(_("発送後の再印刷（控え）"), default=False)

    rendered_at = models.DateTimeField(_("作成日時"))
    rendered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("作成者")
    )
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to=letter_upload_to, blank=True, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(_("ページ数"), default=0)

    mail_class = models.CharField(
        _("郵便の種類"), max_length=12, choices=MailClass.choices, default=MailClass.REGISTERED
    )
    tracking_number = models.CharField(
        _("お問い合わせ番号"),
        max_length=13,
        blank=True,
        validators=[RegexValidator(TRACKING_NUMBER_RE, _("お問い合わせ番号は11〜13桁の数字です。"))],
        help_text=_("簡易書留・特定記録の引受番号（例: 1234-5678-9013）。ハイフンは自動で除かれます。"),
    )
    batch = models.ForeignKey(
        MailingBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("差出"),
    )
    batch_first_page = models.PositiveIntegerField(_("一括印刷PDFの開始ページ"), null=True, blank=True)
    # Set when the batch could not print this letter (letters.render.letter_refusal): the batch printed
    # the others; this one is left out of the PDF and of the mailing list, the message on the batch page.
    print_refusal = models.TextField(_("印刷できなかった理由"), blank=True)
    posted_at = models.DateTimeField(_("差出日時"), null=True, blank=True)
    returned_at = models.DateTimeField(_("返戻日時"), null=True, blank=True)
    return_reason = models.CharField(_("返戻理由"), max_length=20, choices=ReturnReason.choices, blank=True)
    return_note = models.CharField(_("返戻の備考"), max_length=200, blank=True)
    reply_received_at = models.DateTimeField(_("回答書受理日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帳票（照会書など）")
        verbose_name_plural = _("帳票（照会書など）")
        ordering = ["-rendered_at", "-id"]
        permissions = [
            ("view_ledger", _("電子証明書交付記録簿を閲覧できる")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference_root", "version"], name="letter_reference_version"),
            models.UniqueConstraint(
                fields=["reference_root"], condition=Q(is_current=True), name="letter_one_current_version"
            ),
            models.UniqueConstraint(
                fields=["tracking_number"],
                condition=~Q(tracking_number=""),
                name="letter_tracking_number_unique",
                violation_error_message=_("このお問い合わせ番号は既に別の郵便物に使われています。"),
            ),
            models.CheckConstraint(
                condition=Q(tracking_number="") | Q(tracking_number__regex=r"^[0-9]{11,13}$"),
                name="letter_tracking_number_format",
                violation_error_message=_("お問い合わせ番号は11〜13桁の数字です。"),
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True, return_reason="")
                | Q(returned_at__isnull=False, posted_at__isnull=False) & ~Q(return_reason=""),
                name="letter_return_has_reason",
                violation_error_message=_("返戻には差出日時と返戻理由が必要です。"),
            ),
            models.CheckConstraint(
                condition=Q(reply_received_at__isnull=True) | Q(posted_at__isnull=False, returned_at__isnull=True),
                name="letter_reply_after_posting",
                violation_error_message=_("回答書は差出済みで返戻されていない照会書についてのみ受理できます。"),
            ),
            models.CheckConstraint(
                condition=Q(mail_class__in=["registered", "recorded", "ordinary"]), name="letter_mail_class_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "posted_at"], name="letter_kind_posted_idx"),
            models.Index(fields=["batch", "batch_first_page"], name="letter_batch_page_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def is_mailed_kind(self) -> bool:
        return self.kind in self.MAILED_KINDS

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf) or (self.batch_id is not None and self.batch_first_page is not None)

    @property
    def tracking_number_display(self) -> str:
        return format_tracking_number(self.tracking_number)


def format_tracking_number(digits: str) -> str:
    """1234-5678-9013 style: groups of four from the left, the rest at the end."""
    if not digits:
        return ""
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return "-".join(groups)


class LetterAccess(models.Model):
    """Who previewed, downloaded or printed which letter, and when (帳票の閲覧・出力記録). Append-only."""

    class Action(models.TextChoices):
        RENDER = "render", _("作成")
        PREVIEW = "preview", _("プレビュー")
        DOWNLOAD = "download", _("ダウンロード")
        PRINT = "print", _("一括印刷")

    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="accesses", verbose_name=_("帳票")
    )
    batch = models.ForeignKey(
        MailingBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accesses",
        verbose_name=_("差出"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("職員")
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    path = models.CharField(_("画面"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帳票の出力記録")
        verbose_name_plural = _("帳票の出力記録")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="letteraccess_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(letter__isnull=False) | Q(batch__isnull=False), name="letteraccess_has_target"
            ),
        ]

    def __str__(self):
        target = self.letter.reference if self.letter_id else str(self.batch)
        return f"{self.user} {self.get_action_display()} {target}"


def mailing_list_upload_to(instance: MailingListPrint, filename: str) -> str:
    return f"mailing-lists/{instance.printed_at:%Y/%m/%d}/{filename}"


class MailingListPrint(models.Model):
    """One print of a batch's mailing list (差出票) once its tracking numbers are in. Every print,
    the first and each re-print, is its own stored PDF with who printed it, when and why."""

    batch = models.ForeignKey(
        MailingBatch, on_delete=models.PROTECT, related_name="list_prints", verbose_name=_("差出")
    )
    version = models.PositiveSmallIntegerField(_("版"))
    printed_at = models.DateTimeField(_("印刷日時"))
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("印刷者")
    )
    reason = models.TextField(_("印刷・再印刷の理由"))
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to=mailing_list_upload_to, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveSmallIntegerField(_("ページ数"), default=0)
    letter_count = models.PositiveIntegerField(_("通数"), default=0)
    total_fee = models.PositiveIntegerField(_("料金合計（円）"), default=0)
    # A tracking number corrected after this print (letters.mailing.letter_correct_tracking): the paper
    # no longer matches the records and is to be re-printed.
    stale_at = models.DateTimeField(_("訂正により古くなった日時"), null=True, blank=True)
    stale_reason = models.CharField(_("古くなった理由"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("差出票の印刷")
        verbose_name_plural = _("差出票の印刷")
        ordering = ["batch", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "version"], name="mailinglistprint_batch_version"),
        ]

    def __str__(self):
        return _t("%(batch)s 差出票 第%(version)s版") % {"batch": self.batch, "version": self.version}
