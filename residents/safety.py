"""Text that may be stored: no NUL, lone surrogates or control characters, and never a 個人番号.

Every layer uses these checks (the register's services, the certificate services, the forms), so
they live at the bottom, in the register's app.
"""
from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

# --- text a database cannot store -------------------------------------------------------------------------

MSG_NUL = "使用できない制御文字（NUL）が含まれています。入力し直してください。"
MSG_SURROGATE = "文字化けした文字（対になっていないサロゲート）が含まれています。入力し直してください。"
MSG_CONTROL = "使用できない制御文字（{codepoint}）が含まれています。入力し直してください。"
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
        return MSG_NUL
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return MSG_SURROGATE
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return MSG_CONTROL.format(codepoint=f"U+{ord(char):04X}")
    return None


def check_text(value, field: str) -> None:
    """Raise ``ValidationError({field: message})`` when ``value`` cannot be stored."""
    problem = text_problem(value)
    if problem:
        raise ValidationError({field: problem})


def check_instance_text(obj: models.Model) -> None:
    """Check every text column of a model instance before it is saved (all errors at once)."""
    errors: dict[str, list[str]] = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            problem = text_problem(getattr(obj, field.attname, None))
            if problem:
                errors.setdefault(field.name, []).append(problem)
    if errors:
        raise ValidationError(errors)


# --- the individual number (個人番号) ------------------------------------------------------------------------

_TWELVE_DIGITS = re.compile(r"(?<![0-9０-９])([0-9０-９][ 　\-‐－]?){11}[0-9０-９](?![0-9０-９])")


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


def looks_like_individual_number(text: str) -> bool:
    """Whether ``text`` contains a 12-digit run (spaces/hyphens allowed) with a valid check digit."""
    if not isinstance(text, str):
        return False
    normalized = unicodedata.normalize("NFKC", text)
    for match in _TWELVE_DIGITS.finditer(normalized):
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if len(digits) == 12 and individual_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False


def redact_individual_numbers(text: str) -> str:
    """``text`` with every 12-digit run that is a 個人番号 replaced by ``[個人番号]`` (for logs of what
    was typed, e.g. search terms: the number itself is never stored)."""
    if not isinstance(text, str):
        return text
    normalized = unicodedata.normalize("NFKC", text)

    def replace(match):
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if len(digits) == 12 and individual_number_check_digit(digits[:11]) == int(digits[11]):
            return "[個人番号]"
        return match.group(0)

    return _TWELVE_DIGITS.sub(replace, normalized)
