"""Text that may be stored: no NUL, lone surrogates or control characters, and never a 個人番号.

Every layer uses these checks (the register's services, the certificate services, the letters'
services through :mod:`residents.recording`, and the forms), so they live at the bottom, in the
register's app. ``manage.py scan_personal_numbers`` uses the same detector and the same list of
columns that are not free text (:func:`is_free_text`).
"""

from __future__ import annotations

import json
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_noop

# --- text a database cannot store -------------------------------------------------------------------------

# Messages are marked here and translated where they are returned (the constants stay plain text).
MSG_NUL = gettext_noop("使用できない制御文字（NUL）が含まれています。入力し直してください。")
MSG_SURROGATE = gettext_noop("文字化けした文字（対になっていないサロゲート）が含まれています。入力し直してください。")
MSG_CONTROL = gettext_noop("使用できない制御文字（%(codepoint)s）が含まれています。入力し直してください。")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def text_problem(value) -> str | None:
    """A Japanese message when ``value`` holds characters no column should hold, else ``None``.

    Refused: NUL (PostgreSQL text columns cannot hold it), unpaired surrogates (not encodable as
    UTF-8 by either driver) and the other C0/C1 control characters (never typed at a counter;
    tab and line breaks stay allowed for notes).
    """
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return _t(MSG_NUL)
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return _t(MSG_SURROGATE)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return _t(MSG_CONTROL) % {"codepoint": f"U+{ord(char):04X}"}
    return None


def check_text(value, field: str) -> None:
    """Raise ``ValidationError({field: message})`` when ``value`` cannot be stored (a character no
    column should hold, or a 個人番号)."""
    problem = text_problem(value) or individual_number_problem(value)
    if problem:
        raise ValidationError({field: problem})


def check_instance_text(obj: models.Model) -> None:
    """Check every free-text column of a model instance before it is saved (all errors at once).

    Keyed by the model field's name. Text columns (CharField, TextField) may hold neither a
    character no column should hold nor a 個人番号; JSON columns no 個人番号 in their JSON text.
    Columns that are not free text (:data:`NOT_FREE_TEXT`, e.g. tracking numbers) are skipped.
    """
    errors: dict[str, list[str]] = {}
    for field in obj._meta.concrete_fields:
        if not is_free_text(field):
            continue
        value = getattr(obj, field.attname, None)
        if isinstance(field, models.JSONField):
            problem = individual_number_problem(json_text(value))
        else:
            problem = text_problem(value) or individual_number_problem(value)
        if problem:
            errors.setdefault(field.name, []).append(problem)
    if errors:
        raise ValidationError(errors)


# --- the individual number (個人番号) ------------------------------------------------------------------------

MSG_INDIVIDUAL_NUMBER = gettext_noop(
    "個人番号（マイナンバー）と思われる12桁の数字が含まれています。個人番号は記録できません。"
)

# Columns whose digits the system makes, or checks on its own, as "app_label.field" (history
# tables share the app and the field names): never typed free text, so neither refused nor reported.
NOT_FREE_TEXT = frozenset(
    {
        # お問い合わせ番号 of registered mail: 11–13 digits in their own validated field. Such a number
        # is the post office's, whatever its check digit says.
        "letters.tracking_number",
        # Made by the system: a PDF's SHA-256 and stored file name (reference + digest), the letter
        # reference (照会番号 SU-2026-000123-N).
        "letters.sha256",
        "letters.pdf",
        "letters.reference",
        "letters.reference_root",
        # The register feed's run: the file's SHA-256 and the stored file name (made from it).
        "jpki.sha256",
        "jpki.stored_file",
        # Random hex: certificate serials, single-use confirm tokens.
        "jpki.serial",
        "jpki.token",
        # Password hashes of the staff accounts (read by ``manage.py scan_personal_numbers``).
        "auth.password",
    }
)

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def is_free_text(field) -> bool:
    """Whether a model field is a text column (CharField, TextField, JSONField) that may hold typed
    text, i.e. one the 個人番号 check applies to (not in :data:`NOT_FREE_TEXT`)."""
    if not isinstance(field, TEXT_FIELDS):
        return False
    return f"{field.model._meta.app_label}.{field.name}" not in NOT_FREE_TEXT


def json_text(value) -> str:
    """The JSON text of a JSON column's value (what the database stores), for the 個人番号 check."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


# A run of digits joined by short separators (spaces, tabs, hyphens and dashes of every width,
# the long vowel mark an IME gives for a hyphen), after NFKC, which turns full-width digits and
# spaces into ASCII ones. In a run, a 個人番号 is written either as 12 digits in a row
# ("123456789018", "番号123456789018号") or as 12 digits in groups of one size: 4-4-4 as printed on
# the card ("1234 5678 9018", "1234 - 5678 - 9018"), 3-3-3-3, 6-6, digit by digit. Groups of mixed
# sizes are other numbers: a receipt number R20261005-6629 (8-4), phone numbers one after another
# (06-1234-5678 06-...), a card number 1234 5678 9012 3456 (four groups of 4: 16 digits).
_SEPARATOR = r"[ \t\u00a0\-\u2010-\u2015\u2212\u30fc\ufe63\uff0d]"
_DIGIT_RUN = re.compile(rf"[0-9]+(?:{_SEPARATOR}{{1,3}}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")


def individual_number_check_digit(first_eleven: str) -> int:
    """The check digit of a 個人番号 (行政手続における特定の個人を識別するための番号の利用等に関する
    法律施行令 第8条): weights 2..7 then 2..6 from the right."""
    digits = [int(d) for d in first_eleven]
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def _is_individual_number(digits: str) -> bool:
    return len(digits) == 12 and individual_number_check_digit(digits[:11]) == int(digits[11])


def _candidates(run: str):
    """(start, end, digits) of each way ``run`` (a run of digits and separators) writes 12 digits:
    a group of exactly 12, or a maximal stretch of groups of one size (under 12) holding 12 in all."""
    groups = list(_GROUP.finditer(run))
    first = 0
    while first < len(groups):
        size = len(groups[first].group(0))
        last = first
        while last + 1 < len(groups) and len(groups[last + 1].group(0)) == size:
            last += 1
        stretch = groups[first : last + 1]
        if size == 12:
            for group in stretch:
                yield group.start(), group.end(), group.group(0)
        elif size * len(stretch) == 12:
            yield stretch[0].start(), stretch[-1].end(), "".join(g.group(0) for g in stretch)
        first = last + 1


def _number_spans(normalized: str):
    """(start, end) of every 個人番号 written in ``normalized`` (NFKC text): see :data:`_DIGIT_RUN`."""
    for run in _DIGIT_RUN.finditer(normalized):
        if len(run.group(0)) < 12:
            continue
        for start, end, digits in _candidates(run.group(0)):
            if _is_individual_number(digits):
                yield run.start() + start, run.start() + end


def _normalized(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def looks_like_individual_number(text: str) -> bool:
    """Whether ``text`` contains a 12-digit run (full-width digits, spaces and hyphens allowed) with
    a valid 個人番号 check digit. 13 digits in a row (a 法人番号) or 11 are not one."""
    if not isinstance(text, str) or len(text) < 12:
        # A short cut that keeps the scan fast: 12 digits take 12 characters (enclosed numbers
        # such as ⑫, which NFKC turns into two digits, are not how anyone writes a 個人番号).
        return False
    return next(_number_spans(_normalized(text)), None) is not None


def individual_number_problem(value) -> str | None:
    """:data:`MSG_INDIVIDUAL_NUMBER` when ``value`` holds a 個人番号, else ``None``."""
    return _t(MSG_INDIVIDUAL_NUMBER) if looks_like_individual_number(value) else None


def redact_individual_numbers(text: str) -> str:
    """``text`` with every 12-digit run that is a 個人番号 replaced by ``[個人番号]`` (for logs of what
    was typed, e.g. search terms: the number itself is never stored)."""
    if not isinstance(text, str):
        return text
    normalized = unicodedata.normalize("NFKC", text)
    merged: list[list[int]] = []
    for start, end in sorted(_number_spans(normalized)):
        if merged and start <= merged[-1][1]:  # overlapping stretches of one run: one mark
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, position = [], 0
    for start, end in merged:
        parts += [normalized[position:start], "[個人番号]"]
        position = end
    parts.append(normalized[position:])
    return "".join(parts)
