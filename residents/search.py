"""One search box for the counter: name, kana, date of birth, address — all on indexes.

* Kana and names are compared through their normalized keys (hiragana = katakana, half = full
  width, no spaces), by prefix of the full name (family name first) or of the given name.
* On PostgreSQL, terms of 3+ characters also match contained text through pg_trgm GIN indexes.
* A date in any common form (1985-06-01, 1985/6/1, 19850601, S60.6.1, 昭和60年6月1日) matches the
  date of birth exactly.
* A term with kanji also matches the town (町域) by prefix, with or without 「大阪府吹田市」
  (the block number after it is ignored: 泉町1丁目 finds 泉町).

Prefix matching is written as an index range (key >= q AND key < q + U+10FFFF) on SQLite, whose
binary collation orders by code point, and as LIKE 'q%' on PostgreSQL, where the
varchar_pattern_ops indexes serve it. Neither scans the table.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db import connection
from django.db.models import Q

from .normalize import search_key

ERAS = {  # era initial / name -> first year - 1
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
CITY_PREFIX = "大阪府吹田市"
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
_WAREKI = re.compile(
    r"^(?P<era>[MTSHR]|明治|大正|昭和|平成|令和|明|大|昭|平|令)(?P<y>\d{1,2}|元)[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"
)


def parse_date(text: str) -> date | None:
    """A date typed at the counter in Western or Japanese-era form, or None."""
    t = unicodedata.normalize("NFKC", text or "").strip().upper().replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(t)
        if m:
            return _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _WAREKI.match(t)
    if m:
        year = 1 if m["y"] == "元" else int(m["y"])
        return _safe_date(ERAS[m["era"]] + year, int(m["m"]), int(m["d"]))
    return None


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def prefix_q(field: str, key: str) -> Q:
    """Index-friendly prefix match on a normalized key column."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": key, f"{field}__lt": key + "\U0010ffff"})
    return Q(**{f"{field}__startswith": key})


def resident_search_q(query: str, *, towns: bool = True) -> Q | None:
    """The filter for the counter's search box, or None for an empty query.

    ``towns=False`` leaves out the town (町域) match of a kanji term: 山田 is a surname and also
    the prefix of 山田東/西/南/北, whose ~50,000 residents would otherwise all match.
    """
    text = (query or "").strip()
    if not text:
        return None
    birth = parse_date(text)
    if birth is not None:
        return Q(birth_date=birth)
    normalized = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    name_q = _name_q(search_key(text))
    if towns and re.search(r"[\u4e00-\u9fff]", normalized):
        # Kanji: could be a town (千里山西, 泉町1丁目) as well as a name.
        if normalized.startswith("大阪府"):
            town = normalized
        elif normalized.startswith("吹田市"):
            town = "大阪府" + normalized
        else:
            town = CITY_PREFIX + normalized
        town = re.split(r"\d", town, maxsplit=1)[0]
        return name_q | prefix_q("address_town", town)
    return name_q


def _name_q(key: str) -> Q:
    q = (
        prefix_q("kana_search", key)
        | prefix_q("given_kana_search", key)
        | prefix_q("name_search", key)
        | prefix_q("given_name_search", key)
    )
    if connection.vendor == "postgresql" and len(key) >= 3:
        q |= Q(name_search__contains=key) | Q(kana_search__contains=key)
    return q
