"""The resident register as far as this counter needs it (住民基本台帳の写し).

Never holds the 12-digit individual number (個人番号).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .normalize import given_part, search_key


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("住民登録あり")
        MOVED_OUT = "moved_out", _("転出")
        MOVED_ABROAD = "moved_abroad", _("国外転出")
        DECEASED = "deceased", _("死亡")
        REMOVED = "removed", _("職権消除")

    resident_key = models.CharField(
        _("宛名番号"),
        max_length=15,
        unique=True,
        null=True,
        blank=True,
        help_text=_("住民記録システムの宛名番号（個人番号ではありません）。"),
    )
    name = models.CharField(_("氏名"), max_length=100, help_text=_("住民票の文字のまま。姓と名の間は全角スペース。"))
    name_kana = models.CharField(_("氏名（カナ）"), max_length=200)
    alias_name = models.CharField(_("通称"), max_length=100, blank=True)
    alias_kana = models.CharField(_("通称（カナ）"), max_length=200, blank=True)
    birth_date = models.DateField(_("生年月日"))
    sex = models.CharField(_("性別"), max_length=8, choices=Sex.choices)
    postal_code = models.CharField(_("郵便番号"), max_length=8, help_text=_("例: 564-8550"))
    address_town = models.CharField(_("住所（町域まで）"), max_length=100, help_text=_("例: 大阪府吹田市泉町"))
    address_block = models.CharField(_("住所（番地）"), max_length=60, blank=True, help_text=_("例: 1丁目3番40号"))
    address_building = models.CharField(_("方書"), max_length=100, blank=True)
    status = models.CharField(_("住民登録の状態"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    status_changed_on = models.DateField(_("異動日"), null=True, blank=True)
    residence_status = models.CharField(
        _("在留資格"), max_length=40, blank=True, help_text=_("外国人住民のみ。日本人は空欄。")
    )
    period_of_stay_ends_on = models.DateField(_("在留期間の満了日"), null=True, blank=True)
    is_adult_ward = models.BooleanField(_("成年被後見人"), default=False)

    # Search keys (kana-insensitive, width-insensitive), maintained on save.
    name_search = models.CharField(max_length=100, editable=False, db_index=True)
    kana_search = models.CharField(max_length=200, editable=False, db_index=True)
    given_name_search = models.CharField(max_length=100, editable=False, default="")
    given_kana_search = models.CharField(max_length=200, editable=False, default="")

    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["name_search", "kana_search", "given_name_search", "given_kana_search", "updated_at"]
    )

    # Statuses with a period of stay that does not end the card (permanent residents etc.).
    PERMANENT_STATUSES = ("永住者", "特別永住者", "高度専門職2号")

    class Meta:
        verbose_name = _("住民")
        verbose_name_plural = _("住民")
        ordering = ["kana_search", "id"]
        indexes = [
            models.Index(fields=["birth_date"], name="resident_birth_idx"),
            models.Index(fields=["address_town", "address_block"], name="resident_address_idx"),
            models.Index(fields=["status"], name="resident_status_idx"),
            # LIKE 'prefix%' on PostgreSQL with a non-C collation needs the pattern operator class
            # (ignored on SQLite, where residents.search uses an index range instead). name_search and
            # kana_search have db_index=True, for which PostgreSQL already gets a *_like pattern index.
            models.Index(
                fields=["given_kana_search"], name="resident_gkana_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["given_name_search"], name="resident_gname_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["address_town"], name="resident_town_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="resident_name_not_empty", violation_error_message=_("氏名は必須です。")
            ),
            models.CheckConstraint(
                condition=Q(postal_code__regex=r"^[0-9]{3}-[0-9]{4}$"),
                name="resident_postal_code_format",
                violation_error_message=_("郵便番号は 564-8550 の形式で入力してください。"),
            ),
        ]

    def __str__(self):
        return gettext("%(name)s（%(kana)s）") % {"name": self.name, "kana": self.name_kana}

    SEARCH_FIELDS = ("name_search", "kana_search", "given_name_search", "given_kana_search")

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | set(self.SEARCH_FIELDS)
        super().save(*args, **kwargs)

    def fill_search_keys(self) -> None:
        """Compute the normalized search keys (also called by bulk loaders, which skip save())."""
        self.name_search = search_key(self.name)
        self.kana_search = search_key(self.name_kana)
        self.given_name_search = search_key(given_part(self.name))
        self.given_kana_search = search_key(given_part(self.name_kana))

    @property
    def address(self) -> str:
        """The full address: town + block number + building (方書)."""
        parts = [self.address_town, self.address_block]
        full = "".join(p for p in parts if p)
        if self.address_building:
            full = f"{full}　{self.address_building}"
        return full

    @property
    def is_registered(self) -> bool:
        return self.status == self.Status.REGISTERED

    @property
    def stay_limits_card(self) -> bool:
        return bool(self.period_of_stay_ends_on) and self.residence_status not in self.PERMANENT_STATUSES


class CharacterSubstitution(models.Model):
    """A substitute (代替文字) for a character that a certificate cannot hold. Staff extend this table."""

    original = models.CharField(_("文字"), max_length=4, unique=True)
    substitute = models.CharField(_("代替文字"), max_length=8)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("代替文字")
        verbose_name_plural = _("代替文字")
        ordering = ["original"]

    def __str__(self):
        return f"{self.original} → {self.substitute}"
