"""The number part of an address (番地) as the register writes it: ``1丁目2番3号``.

Clerks type the number on an IME as ``１－２－３``, ``1-2-3``, ``1丁目2-3`` or ``1ー2ー3`` (the long
vowel mark the IME gives for a hyphen); the register writes ``1丁目2番3号`` with ASCII digits and
no leading zeros. :func:`normalize_block` turns what it can read into that form and returns None
for anything else, so that the form can refuse it at the field with the expected form shown
(:data:`MSG_UNREADABLE`). Pure: no ORM, no settings.

Two hyphenated numbers (``2-3``) are refused, not guessed: they are 2丁目3番 in one town and 2番3号
in another. A number in 番地 form (``123番地``, ``123番地の4``) is kept as the register writes it.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_noop

__all__ = ["MSG_UNREADABLE", "normalize_block"]

# Marked for translation (the caller translates it; this module stays pure).
MSG_UNREADABLE = gettext_noop(
    "住所（番地）を読み取れません。住民票のとおり「1丁目2番3号」の形式で入力してください"
    "（「1-2-3」と入力すると「1丁目2番3号」になります。部屋番号などは方書に入力します）。"
)

# Dashes and the marks an IME gives for one, after NFKC (which already turns － into -, ｰ into ー).
_DASHES = re.compile("[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\u2500]")
_SPACES = re.compile(r"\s+")
_NUMBER = r"0*([1-9][0-9]{0,4})"

_FORMS = (
    # (pattern, output template): the groups are 丁目, 番, 号 in that order where present.
    (re.compile(rf"{_NUMBER}-{_NUMBER}-{_NUMBER}"), "{0}丁目{1}番{2}号"),
    (re.compile(rf"{_NUMBER}丁目-?{_NUMBER}(?:番-?|-){_NUMBER}号?"), "{0}丁目{1}番{2}号"),
    (re.compile(rf"{_NUMBER}丁目-?{_NUMBER}番"), "{0}丁目{1}番"),
    (re.compile(rf"{_NUMBER}丁目"), "{0}丁目"),
    (re.compile(rf"{_NUMBER}番-?{_NUMBER}号?"), "{0}番{1}号"),
    (re.compile(rf"{_NUMBER}番"), "{0}番"),
    (re.compile(rf"{_NUMBER}番地(?:の|-){_NUMBER}"), "{0}番地の{1}"),
    (re.compile(rf"{_NUMBER}番地"), "{0}番地"),
)


def normalize_block(text: str) -> str | None:
    """``text`` (the 番地 part of an address) in the register's form, "" for an empty one, or None
    when it cannot be read (the caller refuses it with :data:`MSG_UNREADABLE`)."""
    value = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    if not value:
        return ""
    value = _DASHES.sub("-", value)
    for pattern, template in _FORMS:
        match = pattern.fullmatch(value)
        if match:
            return template.format(*match.groups())
    return None
