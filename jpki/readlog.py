"""Reads of personal data are logged (閲覧ログ): who, when, from where, through which screen, which
residents. The screens call :func:`record_read` once per page they show (a search result page is one
row listing the residents on it, not one row per resident): two INSERTs per page, one when it showed
nobody.

Screen names are short English identifiers, ``<model>_<view>`` for the admin's own pages
(``card_list``, ``card_page``, ``card_history``, ``card_history_version``; the resident list is
``resident_search``) and a name per custom page: ``workflow_form`` / ``workflow_confirm`` /
``workflow_done``, ``letter_workflow``, ``letter_preview`` / ``letter_download`` / ``batch_pdf``,
``ledger_pdf`` / ``ledger_csv``, ``audit`` / ``audit_csv``, ``dashboard``.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Subquery

from residents.safety import redact_individual_numbers

from .models import ReadLog, ReadLogResident, StaffProfile
from .security import client_ip_address

MAX_QUERY = 300
MAX_PATH = 300


def client_address(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind the configured trusted reverse proxies the address
    they saw (``TRUSTED_PROXY_COUNT``, the same rule as the login throttle's, ``jpki.security``)."""
    value = (client_ip_address(request) or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:  # not an address (a unix socket, a test): unknown, never a failed INSERT
        return None


def _storable(text: str, limit: int) -> str:
    """``text`` as it can be stored on both databases and read by a person: any 個人番号 redacted, control
    characters (NUL, which PostgreSQL refuses) as spaces, cut to ``limit``."""
    text = redact_individual_numbers(str(text or ""))
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)[:limit]


def _office_of(user):
    """The user's office as a subquery of the INSERT: no query of its own."""
    return Subquery(StaffProfile.objects.filter(user_id=user.pk).values("office_id")[:1])


def _readable_path(request) -> str:
    """The path with its query string decoded (so that a number typed into a search is found and
    redacted, whatever its URL encoding)."""
    query = "&".join(f"{key}={value}" for key, values in request.GET.lists() for value in values)
    return f"{request.path}?{query}" if query else request.path


def record_read(request, *, screen: str, residents: Iterable = (), query: str = "") -> int | None:
    """Log one read of personal data by ``request.user`` through ``screen``; the id of the row.

    ``residents``: the residents (instances or ids) whose data the page showed; ``query``: the search
    terms or filters that chose them. Anonymous requests are never logged (they see no data).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    ids = []
    seen = set()
    for item in residents:
        pk = getattr(item, "pk", item)
        if pk is None or pk in seen:
            continue
        seen.add(pk)
        ids.append(pk)
    # savepoint=False: inside a caller's transaction (a test, a service) no SAVEPOINT round trips;
    # a failure then fails the caller too, which is right (a read is never served unlogged).
    with transaction.atomic(savepoint=False):
        log = ReadLog.objects.create(
            user=user,
            office_id=_office_of(user),
            ip_address=client_address(request),
            screen=str(screen)[:60],
            path=_storable(_readable_path(request), MAX_PATH),
            query=_storable(query, MAX_QUERY),
            resident_count=len(ids),
        )
        if ids:
            ReadLogResident.objects.bulk_create([ReadLogResident(log=log, resident_id=pk) for pk in ids])
    return log.pk  # the instance still holds the office's subquery, not its value


def request_query(request, *, drop=("p",)) -> str:
    """The search terms and filters of a list page as one line (``q=やまだ status__exact=registered``),
    without the page number; what :func:`record_read` keeps as ``query``."""
    parts = []
    for key, values in request.GET.lists():
        if key in drop:
            continue
        parts.extend(f"{key}={value}" for value in values)
    return " ".join(parts)
