"""Writes to the register (住民記録の異動) and the substitution table, and nothing else.

Consequences for cards and certificates are the certificate domain's: ``jpki.services`` calls
these inside its own transaction and then applies them (arrows only point down).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from . import safety
from .models import Resident
from .recording import MSG_CONCURRENT, now, require_reason, save
from .safety import check_instance_text

BASIC_INFO_FIELDS = ("name", "birth_date", "sex", "address_town", "address_block", "address_building")
EDITABLE_FIELDS = BASIC_INFO_FIELDS + (
    "name_kana",
    "alias_name",
    "alias_kana",
    "postal_code",
    "residence_status",
    "period_of_stay_ends_on",
    "is_adult_ward",
)
REQUIRED_FIELDS = ("name", "name_kana", "birth_date", "sex", "postal_code", "address_town")
DEPARTURE_STATUSES = (
    Resident.Status.MOVED_OUT,
    Resident.Status.MOVED_ABROAD,
    Resident.Status.DECEASED,
    Resident.Status.REMOVED,
)
FIELD_LABELS = {
    "name": _lazy("氏名"),
    "name_kana": _lazy("氏名（カナ）"),
    "birth_date": _lazy("生年月日"),
    "sex": _lazy("性別"),
    "postal_code": _lazy("郵便番号"),
    "address_town": _lazy("住所（町域まで）"),
}
# Text the register keeps in Unicode NFC (カ + U+3099 is stored as ガ, e + U+0301 as é).
NFC_FIELDS = ("name", "name_kana", "alias_name", "alias_kana", "address_town", "address_block", "address_building")
RESIDENT_KEY = re.compile(r"[0-9A-Za-z]{1,15}")
MSG_RESIDENT_KEY = _lazy("宛名番号は1〜15文字の英数字で入力してください（個人番号ではありません）。")
MSG_RESIDENT_KEY_TAKEN = _lazy(
    "宛名番号 %(key)s の住民は既に登録されています（%(name)s）。住民検索から開いてください。"
)


def nfc_fields(fields: dict) -> dict:
    """The register's text fields in Unicode NFC (a canonical equivalent is the same character)."""
    return {
        key: unicodedata.normalize("NFC", value) if key in NFC_FIELDS and isinstance(value, str) else value
        for key, value in fields.items()
    }


def clean_resident_key(value) -> str:
    """The 宛名番号 as stored: 1-15 ASCII letters or digits (full-width typed ones accepted); a
    12-digit 個人番号 (its check digit right) is refused, never stored."""
    key = unicodedata.normalize("NFKC", str(value or "")).strip()
    if safety.looks_like_individual_number(key):
        raise ValidationError({"resident_key": _t(safety.MSG_INDIVIDUAL_NUMBER)})
    if not RESIDENT_KEY.fullmatch(key):
        raise ValidationError({"resident_key": MSG_RESIDENT_KEY})
    return key


def _clean(resident: Resident) -> None:
    """Model validation with the field-level Japanese messages (constraints included)."""
    check_instance_text(resident)  # before full_clean, whose constraint checks query the DB
    blank = {
        f: _t("%(field)sを入力してください。") % {"field": FIELD_LABELS[f]}
        for f in ("name", "name_kana", "address_town")
        if isinstance(getattr(resident, f), str) and not getattr(resident, f).strip(" \u3000\t\r\n")
    }
    if blank:
        raise ValidationError(blank)
    resident.full_clean(exclude=["name_search", "kana_search"])
    if resident.birth_date and resident.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _t("生年月日が未来の日付になっています。")})


def _check_register_fields(fields: dict) -> None:
    """Only the register's editable fields, and every required one filled; else ``ValidationError``."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": _t("登録できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))}}
        )
    missing = {
        f: _t("%(field)sを入力してください。") % {"field": FIELD_LABELS[f]}
        for f in REQUIRED_FIELDS
        if not fields.get(f)
    }
    if missing:
        raise ValidationError(missing)


def resident_register(*, actor, reason: str, **fields) -> Resident:
    """Register a resident (住民登録, as copied from the register)."""
    reason = require_reason(reason)
    _check_register_fields(fields)
    resident = Resident(**nfc_fields(fields))
    _clean(resident)
    with transaction.atomic():
        save(resident, actor, reason)
    return resident


# The creation history row of a resident registered by hand starts with this mark (the review queue's
# 「転入（手入力）」 source selects on it; the feed's rows carry the feed's own reason).
MOVE_IN_BY_HAND_MARK = "転入（手入力）"


def resident_move_in(*, actor, reason: str, resident_key: str, on: date, **fields) -> Resident:
    """A new person registered by hand at the counter (転入 when the feed is late): the 宛名番号 and the
    register's fields, names and address in NFC. A 宛名番号 already in the register is refused at its
    field (the feed's later ``move_in`` row for the key matches this record instead of duplicating it).
    Callers with consequences (counter hours) call this inside their own transaction."""
    reason = require_reason(reason)
    key = clean_resident_key(resident_key)
    _check_register_fields(fields)
    if not isinstance(on, date) or isinstance(on, datetime) or on > timezone.localdate():
        raise ValidationError({"on": _t("異動日が正しくありません（未来の日付は記録できません）。")})
    if isinstance(fields["birth_date"], date) and on < fields["birth_date"]:
        raise ValidationError({"on": _t("異動日が生年月日より前になっています。")})
    resident = Resident(resident_key=key, status=Resident.Status.REGISTERED, status_changed_on=on, **nfc_fields(fields))
    try:
        with transaction.atomic():
            existing = Resident.objects.filter(resident_key=key).first()
            if existing is not None:
                raise ValidationError({"resident_key": MSG_RESIDENT_KEY_TAKEN % {"key": key, "name": existing.name}})
            _clean(resident)
            save(resident, actor, f"{MOVE_IN_BY_HAND_MARK}: {reason}")
    except IntegrityError as exc:
        raise ValidationError({"resident_key": MSG_RESIDENT_KEY_TAKEN % {"key": key, "name": "—"}}) from exc
    return resident


def register_change(*, resident: Resident, actor, reason: str, **changes) -> tuple[Resident, set[str]]:
    """Record a change of the register's fields (address move, name change ...) and nothing else.

    Returns the locked, saved row and the names of the fields whose value really changed. Callers
    that apply consequences (``jpki.services.resident_change_basic_info`` revokes the signing
    certificate on a 基本4情報 change) call this inside their own transaction.
    """
    reason = require_reason(reason)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": _t("変更できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))}}
        )
    try:
        with transaction.atomic():
            current = Resident.objects.select_for_update().get(pk=resident.pk)
            if not current.is_registered:
                raise ValidationError({"__all__": _t("住民登録がない方の異動は記録できません。")})
            changed = {k: v for k, v in nfc_fields(changes).items() if getattr(current, k) != v}
            if not changed:
                raise ValidationError({"__all__": _t("変更された項目がありません。")})
            for key, value in changed.items():
                setattr(current, key, value)
            _clean(current)
            save(current, actor, reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc
    return current, set(changed)


def register_departure(*, resident: Resident, status: str, on: date, actor, reason: str, at: datetime | None = None):
    """Record that a resident left the register (転出, 国外転出, 死亡, 職権消除) and nothing else.

    Returns the locked, saved row; ``jpki.services.resident_record_departure`` ends the
    certificates in the same transaction.
    """
    reason = require_reason(reason)
    at = now(at)
    if status not in DEPARTURE_STATUSES:
        raise ValidationError({"status": _t("異動の種類を選択してください（転出・国外転出・死亡・職権消除）。")})
    if not isinstance(on, date) or isinstance(on, datetime) or on > timezone.localdate(at):
        raise ValidationError({"on": _t("異動日が正しくありません（未来の日付は記録できません）。")})
    try:
        with transaction.atomic():
            current = Resident.objects.select_for_update().get(pk=resident.pk)
            if not current.is_registered:
                raise ValidationError(
                    {
                        "status": _t("既に「%(status)s」として記録されています。")
                        % {"status": current.get_status_display()}
                    }
                )
            if current.birth_date and on < current.birth_date:
                raise ValidationError({"on": _t("異動日が生年月日より前になっています。")})
            current.status = status
            current.status_changed_on = on
            save(current, actor, reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc
    return current


def substitution_check(*, original: str, substitute: str, note: str = "") -> None:
    """Refuse an entry of the substitution table that cannot be stored or makes no sense, all errors
    at once, each at its field (the admin's form calls this in ``clean``, :func:`substitution_save`
    again before writing): a character a certificate can hold needs no substitute (高, A), a control
    character is no character (``\\x07``), and the substitute must itself be one a certificate can hold."""
    from . import charset

    errors: dict[str, list[str]] = {}
    for name, value in (("original", original), ("substitute", substitute), ("note", note)):
        problem = safety.text_problem(value)
        if problem:
            errors.setdefault(name, []).append(problem)
    if not original:
        errors.setdefault("original", []).append(_t("文字を入力してください。"))
    elif "original" not in errors and not charset.unsupported_characters(original):
        errors["original"] = [_t("この文字はそのまま電子証明書に使用できるため、代替文字は不要です。")]
    if not substitute:
        errors.setdefault("substitute", []).append(_t("代替文字を入力してください。"))
    elif "substitute" not in errors:
        bad = charset.unsupported_characters(substitute)
        if bad:
            errors["substitute"] = [
                _t("代替文字も電子証明書に使用できない文字です: %(chars)s")
                % {"chars": _t("、").join(c for _i, c in bad)}
            ]
    if errors:
        raise ValidationError(errors)


def substitution_save(*, actor, reason: str, original: str, substitute: str, note: str = "", instance=None):
    """Add or change an entry of the substitution table (代替文字). Staff extend it at the counter."""
    from .models import CharacterSubstitution

    reason = require_reason(reason)
    substitution_check(original=original, substitute=substitute, note=note)
    with transaction.atomic():
        if instance is None:
            instance = CharacterSubstitution.objects.filter(original=original).first() or CharacterSubstitution()
        instance.original = original
        instance.substitute = substitute
        instance.note = (note or "")[:200]
        instance.full_clean()
        save(instance, actor, reason)
    return instance


# --- the register feed (INTAKE.md): writes for jpki.services.feed, which orchestrates them -----------------------

_POSTAL = re.compile(r"^[0-9]{3}-[0-9]{4}$")
_CHAR_LIMITS = tuple(
    (f.attname, f.max_length)
    for f in Resident._meta.concrete_fields
    if isinstance(f, models.CharField) and f.max_length and f.name not in Resident.SEARCH_FIELDS
)


def register_feed_new(*, actor, reason: str, on: date, **fields) -> Resident:
    """A new resident from the register feed (出生・転入), with the feed's 宛名番号 (``resident_key``
    among the fields)."""
    reason = require_reason(reason)
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"resident_key"}
    if unknown:
        raise ValidationError(
            {"__all__": _t("登録できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))}}
        )
    if not fields.get("resident_key"):
        raise ValidationError({"resident_key": _t("宛名番号がありません。")})
    resident = Resident(status_changed_on=on, **fields)
    _clean(resident)
    with transaction.atomic():
        save(resident, actor, reason)
    return resident


def _check_fields(resident: Resident) -> None:
    """Field validation without a query (lengths, choices, the postal code's form, no future
    birth date) for the feed's writes, whose rows ``residents.feed`` has checked already; the
    database's unique and check constraints guard the rest."""
    errors: dict[str, list[str]] = {}
    for name, limit in _CHAR_LIMITS:
        value = getattr(resident, name)
        if isinstance(value, str) and len(value) > limit:
            errors.setdefault(name, []).append(_t("%(limit)s文字以内で入力してください。") % {"limit": limit})
    if resident.sex not in Resident.Sex.values:
        errors.setdefault("sex", []).append(_t("性別を選択してください。"))
    if not _POSTAL.match(resident.postal_code or ""):
        errors.setdefault("postal_code", []).append(_t("郵便番号は 564-8550 の形式で入力してください。"))
    if not resident.name or not isinstance(resident.birth_date, date):
        errors.setdefault("__all__", []).append(_t("氏名と生年月日は必須です。"))
    elif resident.birth_date > timezone.localdate():
        errors.setdefault("birth_date", []).append(_t("生年月日が未来の日付になっています。"))
    if errors:
        raise ValidationError(errors)


def register_feed_update(
    *, resident: Resident, actor, reason: str, on: date | None = None, locked: bool = False, **changes
) -> Resident:
    """The register feed's snapshot applied to a row: the changed fields, and with ``on`` a person
    who had left (転出・国外転出・職権消除) registered again (転入). Nothing else. ``locked``: the
    caller holds this row's lock in its transaction and ``resident`` is that row (no second read)."""
    reason = require_reason(reason)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            {"__all__": _t("変更できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))}}
        )
    with transaction.atomic():
        current = resident if locked else Resident.objects.select_for_update().get(pk=resident.pk)
        if on is not None:
            if current.status == Resident.Status.DECEASED:
                raise ValidationError({"__all__": _t("死亡として記録されている方は転入できません。")})
            current.status = Resident.Status.REGISTERED
            current.status_changed_on = on
        elif not current.is_registered:
            raise ValidationError({"__all__": _t("住民登録がない方の異動は記録できません。")})
        for key, value in changes.items():
            setattr(current, key, value)
        safety.check_instance_text(current)
        _check_fields(current)
        save(current, actor, reason)
    return current


def register_feed_bulk_new(*, actor, rows: list[tuple[dict, str]], at: datetime, batch_size: int = 1000) -> list:
    """Many new residents at once (the feed's initial load): ``rows`` are (fields with
    ``resident_key`` and ``status_changed_on``, reason). Each row is checked like a single entry
    (free text, field validation) without a query per row; the database's unique and check
    constraints guard the rest. One history row per resident, with its own reason."""
    from simple_history.utils import bulk_create_with_history

    residents = []
    for fields, reason in rows:
        resident = Resident(**fields)
        safety.check_instance_text(resident)
        safety.check_text(reason, "reason")
        _check_fields(resident)
        resident.fill_search_keys()
        resident._change_reason = reason
        residents.append(resident)
    with transaction.atomic():
        bulk_create_with_history(residents, Resident, batch_size=batch_size, default_user=actor, default_date=at)
    return residents


def register_feed_bulk_change(*, actor, rows: list[tuple[Resident, dict, str]], at: datetime, batch_size: int = 500):
    """Many of the feed's changes at once: ``rows`` are (a row the caller locked in its transaction,
    the changes, the reason). A change may be a departure (``status`` one of the departure statuses
    and ``status_changed_on``). Each row is checked as in :func:`register_feed_update` and gets its
    own history row with its own reason. Returns the rows."""
    from simple_history.utils import bulk_update_with_history

    allowed = set(EDITABLE_FIELDS) | {"status", "status_changed_on"}
    groups: dict[frozenset, list[Resident]] = {}  # rows by the columns they change: smaller UPDATEs
    residents = []
    for resident, changes, reason in rows:
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(
                {"__all__": _t("変更できない項目です: %(fields)s") % {"fields": ", ".join(sorted(unknown))}}
            )
        if not resident.is_registered:
            raise ValidationError({"__all__": _t("住民登録がない方の異動は記録できません。")})
        if "status" in changes:
            on = changes.get("status_changed_on")
            if changes["status"] not in DEPARTURE_STATUSES or not isinstance(on, date):
                raise ValidationError(
                    {"status": _t("異動の種類を選択してください（転出・国外転出・死亡・職権消除）。")}
                )
            if on > timezone.localdate(at) or on < resident.birth_date:
                raise ValidationError({"on": _t("異動日が正しくありません。")})
        for key, value in changes.items():
            setattr(resident, key, value)
        safety.check_instance_text(resident)
        safety.check_text(reason, "reason")
        _check_fields(resident)
        columns = {"updated_at", *changes}
        if {"name", "name_kana"} & set(changes):
            resident.fill_search_keys()
            columns.update(Resident.SEARCH_FIELDS)
        resident.updated_at = at
        resident._change_reason = require_reason(reason)
        groups.setdefault(frozenset(columns), []).append(resident)
        residents.append(resident)
    with transaction.atomic():
        for columns, group in groups.items():
            bulk_update_with_history(
                group, Resident, fields=sorted(columns), batch_size=batch_size, default_user=actor, default_date=at
            )
    return residents
