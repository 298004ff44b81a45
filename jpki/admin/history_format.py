"""History values as staff know them (履歴の表示): field names in the domain's words and values formatted
for people, shared by the history pages (``SafeHistoryIdsMixin``) and the resident's timeline.

- a field's name is its ``verbose_name`` (Japanese in the models), or :data:`FIELD_LABELS` for the few
  fields without one (``created_at``, ``user``);
- choices by their label (有効, 署名用電子証明書), booleans as はい / いいえ, dates and times in the
  active language's admin format (2026年12月2日, 2026年12月2日 10:05), empty as 「—」;
- the positions of substituted characters (0-based in the data) as 「3文字目」;
- a foreign key as the related record's text when it was given, else as 「#12」.

:class:`JapaneseHistoryContextHelper` plugs this into django-simple-history's public extension point
(``SimpleHistoryAdmin.get_historical_record_context_helper``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

EMPTY = "—"
# Fields of tracked models that have no verbose_name of their own.
FIELD_LABELS = {
    "created_at": _("作成日時"),
    "updated_at": _("更新日時"),
    "user": _("職員"),
}
# Fields that are not shown in a diff (bookkeeping, not something that happened to the record).
HIDDEN_FIELDS = {"created_at", "updated_at"}
POSITION_SUFFIX = "_positions"


def field_of(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a field removed since the row was written: shown by its name)
        return None


def field_label(model, name: str) -> str:
    """The field's name in the domain's words."""
    field = field_of(model, name)
    if field is None:
        return str(FIELD_LABELS.get(name, name))
    verbose = str(getattr(field, "verbose_name", "") or "")
    if not verbose or verbose == name.replace("_", " "):
        return str(FIELD_LABELS.get(name, verbose or name))
    return capfirst(verbose)


def format_date(value) -> str:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def format_positions(value) -> str:
    """0-based positions of substituted characters as 「1文字目、3文字目」."""
    if not value:
        return EMPTY
    items = value if isinstance(value, (list, tuple)) else [value]
    parts = []
    for item in items:
        position = item.get("position") if isinstance(item, dict) else item
        try:
            parts.append(gettext("%(n)s文字目") % {"n": int(position) + 1})
        except (TypeError, ValueError):
            parts.append(str(item))
    return "、".join(parts)


def format_value(model, name: str, value) -> str:
    """One value of one field as staff read it."""
    field = field_of(model, name)
    if name.endswith(POSITION_SUFFIX):
        return format_positions(value)
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return str(_("はい") if value else _("いいえ"))
    if field is not None and getattr(field, "choices", None) and not isinstance(field, models.ForeignKey):
        labels = {str(k): v for k, v in field.flatchoices}
        label = labels.get(str(value))
        if label is not None:
            return str(label)
    if isinstance(value, (dt.date, dt.datetime)):
        return format_date(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(field, models.ForeignKey):
        return f"#{value}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or EMPTY
    return str(value)


class JapaneseHistoryContextHelper(HistoricalRecordContextHelper):
    """simple-history's diff column with the field names and values of :func:`field_label` /
    :func:`format_value` (escaped by the base class after shortening)."""

    def prepare_delta_change_value(self, change, value):
        prepared = super().prepare_delta_change_value(change, value)
        if isinstance(prepared, list) and not change.field.endswith(POSITION_SUFFIX):
            return "、".join(format_value(self.model, change.field, v) for v in prepared) or EMPTY
        return format_value(self.model, change.field, prepared)

    def format_delta_change(self, change):
        formatted = super().format_delta_change(change)
        return dataclasses.replace(formatted, field=field_label(self.model, change.field))


def diff_rows(model, new_record, old_record) -> list[dict]:
    """Field changes between two history rows of ``model`` (old → new), formatted; for a creation
    (``old_record`` None) the fields that were set. Foreign keys stay ids here
    (no query per row); :func:`render_diff` shows them with the labels the caller fetched at once."""
    rows = []
    if old_record is None:
        for field in model._meta.concrete_fields:
            name = field.attname if isinstance(field, models.ForeignKey) else field.name
            if field.name in HIDDEN_FIELDS or field.primary_key or not getattr(field, "editable", True):
                continue
            value = getattr(new_record, name, None)
            if value in (None, "", []) or (isinstance(field, models.BooleanField) and not value):
                continue
            rows.append({"field": field.name, "old": None, "new": value, "created": True})
        return rows
    delta = new_record.diff_against(old_record, foreign_keys_are_objs=False)
    for change in delta.changes:
        if change.field in HIDDEN_FIELDS:
            continue
        rows.append({"field": change.field, "old": change.old, "new": change.new, "created": False})
    return rows


def render_diff(model, rows: list[dict], fk_labels: dict) -> list[dict]:
    """Label and format the rows of :func:`diff_rows`; ``fk_labels`` maps (related model, pk) → text."""
    out = []
    for row in rows:
        field = field_of(model, row["field"])
        related = field.related_model if isinstance(field, models.ForeignKey) else None

        def show(value, field=field, related=related, name=row["field"]):
            if related is not None and value is not None:
                return fk_labels.get((related, value)) or f"#{value}"
            return format_value(model, name, value)

        out.append(
            {
                "field": field_label(model, row["field"]),
                "old": None if row["created"] else show(row["old"]),
                "new": show(row["new"]),
            }
        )
    return out
