"""Normalization of Japanese search keys (kana-insensitive search).

Names and kana are stored twice: as written (the register's characters) and as a search key in
which hiragana/katakana and half/full width no longer differ, spaces are gone and Latin letters
are upper case. Queries are normalized the same way, so a prefix match on an indexed column
finds ヤマダ, やまだ and ﾔﾏﾀﾞ alike without scanning the table.
"""

import unicodedata

import jaconv

_SPACES = str.maketrans("", "", " \u3000\t\r\n")


def search_key(text: str | None) -> str:
    """Return the search form of a name, kana or address fragment."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)  # half-width kana -> full width, full-width ASCII -> ASCII
    text = jaconv.hira2kata(text)
    return text.translate(_SPACES).upper()


def given_part(name: str | None) -> str:
    """The given name of a family-first name: what follows the first full-width space, or else the
    first half-width space (デ ラ クルス　マリア → マリア), without surrounding blanks."""
    if not name:
        return ""
    for sep in ("\u3000", " "):
        if sep in name:
            return name.split(sep, 1)[1].strip()
    return ""
