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
KNOWN_BUGS: dict[str, str] = {
    "axes-lockout-english": (
        "the django-axes lockout page is English ('Account locked: too many login attempts'); "
        "fix: settings AXES_LOCKOUT_CALLABLE = 'jpki.security.lockout_response'"
    ),
    "nul-and-surrogates": (
        "services store NUL bytes (SQLite) or crash in the driver (PostgreSQL: ValueError 'cannot contain NUL'; "
        "both: UnicodeEncodeError for a lone surrogate) instead of refusing with a ValidationError; "
        "fix: jpki.services._save calls jpki.security.check_instance_text(obj), _require_reason calls "
        "jpki.security.check_text(reason, 'reason') and residents.services._clean calls "
        "check_instance_text(resident) before full_clean (whose constraint check already queries the DB)"
    ),
    "history-view-bad-ids": (
        "django-simple-history's history_view/history_form_view query with the raw URL value: "
        "/admin/<app>/<model>/abc/history/ (or ²/, 1%00/, .../history/abc/) is a 500 (ValueError), upstream "
        "django-commons/django-simple-history#1108; fix: add jpki.security.SafeHistoryIdsMixin first in the "
        "bases of every SimpleHistoryAdmin subclass (jpki/admin.py, residents/admin.py, letters/admin.py)"
    ),
    "workflow-bad-ids": (
        "jpki.workflows.workflow_view/workflow_done_view: get_object_or_404(Resident, pk=object_id) with "
        "object_id 'abc' and '?application=²' (str.isdigit() is True for '²') raise ValueError: a 500; fix: "
        "`if not security.is_valid_pk(Resident, object_id): raise Http404` and the same for the application id"
    ),
    "staff-account-orm-delete": (
        "a staff account without PROTECT-ed rows (e.g. one that only registered residents) can be deleted "
        "with User.delete() (shell, scripts), and simple-history blanks history_user (SET_NULL) of every row it "
        "wrote; fix: in JpkiConfig.ready(): pre_delete.connect(security.refuse_staff_account_deletion, "
        "sender=get_user_model(), dispatch_uid='jpki_no_staff_delete', weak=False)"
    ),
    "backup-world-readable": (
        ".ci/backup writes the whole city's personal data with the caller's umask (0644: world-readable, "
        "and var/backups 0755); fix: at the top of backup() in .ci/backup_restore.py: os.umask(0o077) "
        "(and os.chmod(out, 0o600) after the rename)"
    ),
    "rules-type-guard": (
        "jpki.rules functions raise AttributeError for a wrong type (None/bool as a date) and OverflowError "
        "beyond the calendar (next_counter_day(9999-12-29), counter_is_open(datetime.max), huge n/year); "
        "fix: the _checked decorator (TypeError for wrong types, ValueError for OverflowError) on every public rule"
    ),
}


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
    "\" OR 1=1 --",
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
