"""Parsing what a clerk types into the one search box (検索語の解釈).

A query may hold a date of birth (1985-06-01, 1985/6/1, 19850601, S60.6.1, 昭和60年6月1日, R1.5.1,
令和元年5月1日), a name or kana (any script or width) and/or an address fragment. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

ERAS = {
    "M": 1867,
    "明治": 1867,
    "明": 1867,
    "T": 1911,
    "大正": 1911,
    "大": 1911,
    "S": 1925,
    "昭和": 1925,
    "昭": 1925,
    "H": 1988,
    "平成": 1988,
    "平": 1988,
    "R": 2018,
    "令和": 2018,
    "令": 2018,
}

_ERA_NAMES = "|".join(sorted((re.escape(k) for k in ERAS), key=len, reverse=True))
_SEP = r"[-/.．。・年月]"
_WESTERN = re.compile(rf"(?<!\d)(\d{{4}}){_SEP}\s*(\d{{1,2}}){_SEP}\s*(\d{{1,2}})日?(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_ERA = re.compile(rf"({_ERA_NAMES})\s*(\d{{1,2}}|元){_SEP}\s*(\d{{1,2}}){_SEP}\s*(\d{{1,2}})日?", re.IGNORECASE)


@dataclass
class ParsedQuery:
    text: str = ""
    dates: list[date] = field(default_factory=list)


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_query(raw: str) -> ParsedQuery:
    """Split the query into dates of birth and the remaining text (NFKC-normalized)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    found: list[date] = []

    def era(m: re.Match) -> str:
        key = m.group(1)
        base = ERAS.get(key) or ERAS.get(key.upper())
        year = 1 if m.group(2) == "元" else int(m.group(2))
        d = _date(base + year, int(m.group(3)), int(m.group(4))) if base else None
        if d:
            found.append(d)
            return " "
        return m.group(0)

    def western(m: re.Match) -> str:
        d = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append(d)
            return " "
        return m.group(0)

    text = _ERA.sub(era, text)
    text = _WESTERN.sub(western, text)
    text = _COMPACT.sub(western, text)
    return ParsedQuery(text=" ".join(text.split()), dates=found)


_ADDRESS_HINT = re.compile(r"[都道府県市区町村]|丁目|番|[0-9０-９]")


def looks_like_address(text: str) -> bool:
    return bool(_ADDRESS_HINT.search(text or ""))
