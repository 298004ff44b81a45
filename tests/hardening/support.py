"""Shared helpers of the hardening tests: known bugs, hostile values, row counts, Japanese check.

Known bugs
----------
Every bug these tests found is listed in :data:`KNOWN_BUGS` with the fix the lead applies. While a
key is listed, its focused regression test is ``xfail(strict=True)`` and the property tests
tolerate exactly that failure; when the fix lands, delete the key: every test then enforces the
contract (a strict xfail that starts passing fails the run, as a reminder to delete the key).
"""

from __future__ import annotations

import re
import string

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import strategies as st

DOMAIN_APPS = ("jpki", "residents", "letters")

# key -> what is wrong and the exact fix (see the final report of issue 6).
KNOWN_BUGS: dict[str, str] = {}


def known_bug(key: str):
    """``xfail(strict=True)`` while ``key`` is a known, unfixed bug; a plain test afterwards."""
    if key in KNOWN_BUGS:
        return pytest.mark.xfail(strict=True, reason=f"known bug {key}: {KNOWN_BUGS[key]}")
    return lambda test: test


def bug_open(key: str) -> bool:
    return key in KNOWN_BUGS


# --- Japanese messages ----------------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def is_japanese(text: str) -> bool:
    """Whether ``text`` contains kana or kanji (a message staff can read)."""
    return bool(_JAPANESE.search(str(text)))


def validation_messages(exc) -> list[str]:
    return [str(m) for m in exc.messages]


# --- row counts -------------------------------------------------------------------------------------


def domain_models(include_history: bool = True):
    for label in DOMAIN_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if not include_history and model._meta.model_name.startswith("historical"):
                continue
            yield model


def row_counts(include_auth: bool = True) -> dict[str, int]:
    """Rows per table of every domain model, history tables included (and auth users)."""
    counts = {model._meta.label: model._default_manager.count() for model in domain_models()}
    if include_auth:
        from django.contrib.auth import get_user_model

        counts["auth.User"] = get_user_model().objects.count()
    return counts


def vendor() -> str:
    return connection.vendor


# --- hostile values ---------------------------------------------------------------------------------

NUL = "\x00"
LONE_SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff")

# Values a form or an import could hand to a service. Each is a *string*; the services are typed.
HOSTILE_FRAGMENTS = (
    "",
    " ",
    "\u3000",  # ideographic space only
    "\t\r\n",
    NUL,
    "山田\x00花子",
    *LONE_SURROGATES,
    "田\ud800中",
    "😀",
    "👨\u200d👩\u200d👧",  # ZWJ family
    "🇯🇵",
    "葛\U000e0100",  # ideographic variation sequence (IVS)
    "邉\U000e0101",
    "辻\ufe00",  # standardized variation selector
    "\ufe0f",  # a lone variation selector
    "髙﨑",
    "𠮷野家",
    "ﾔﾏﾀﾞ ﾊﾅｺ",  # half-width kana with voiced marks
    "ｶﾞｷﾞｸﾞｹﾞｺﾞﾊﾟ",
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "'; DROP TABLE residents_resident; --",
    '" OR 1=1 --',
    "1' OR '1'='1",
    "%00",
    "%s%s%s%n",
    "../../../etc/passwd",
    "\\x00",
    "null",
    "None",
    "1e309",
    "-1",
    "９９９９",
    "123456789012",
    "Ａ" * 101,
    "あ" * 201,
    "x" * 4000,
)


def hostile_text(*, max_size: int = 300):
    """Random text mixed with hostile fragments (NUL, lone surrogates, IVS, emoji, HTML, SQL)."""
    fragment = st.sampled_from(HOSTILE_FRAGMENTS)
    surrogate_text = st.text(
        alphabet=st.characters(min_codepoint=0xD780, max_codepoint=0xE000, exclude_categories=()), max_size=5
    )
    return st.one_of(
        fragment,
        st.text(max_size=max_size),
        surrogate_text,
        st.lists(st.one_of(fragment, st.text(max_size=20)), min_size=1, max_size=6).map("".join),
        st.text(alphabet=string.printable, min_size=max_size, max_size=max_size * 4),
    )


def without(*keys):
    """A filter for hypothesis values that hit a known, open bug (only while it is open)."""
    checks = []
    if "nul-and-surrogates" in keys and bug_open("nul-and-surrogates"):
        checks.append(lambda value: not has_unstorable(value))

    def ok(value) -> bool:
        return all(check(value) for check in checks)

    return ok


def has_unstorable(value) -> bool:
    """NUL or an unpaired surrogate anywhere in a (nested) value."""
    if isinstance(value, str):
        return NUL in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(has_unstorable(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unstorable(v) for v in value)
    return False
