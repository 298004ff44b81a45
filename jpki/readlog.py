"""Reads of personal data are logged (閲覧ログ): who, when, from where, through which screen, which
residents. The screens call :func:`record_read` once per page they show (a search result page is one
row listing the residents on it, not one row per resident)."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from residents.safety import redact_individual_numbers

from .models import ReadLog, ReadLogResident, StaffProfile

MAX_QUERY = 300
MAX_PATH = 300


def client_address(request) -> str | None:
    """The client's address as Django sees it (``REMOTE_ADDR``; behind the documented reverse proxy the
    proxy sets it, see the README's production section)."""
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    return value or None


def _office_id(user):
    try:
        return user.staff_profile.office_id
    except (AttributeError, StaffProfile.DoesNotExist):
        return None


def record_read(request, *, screen: str, residents: Iterable = (), query: str = "") -> ReadLog | None:
    """Log one read of personal data by ``request.user`` through ``screen``.

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
    with transaction.atomic():
        log = ReadLog.objects.create(
            user=user,
            office_id=_office_id(user),
            ip_address=client_address(request),
            screen=str(screen)[:60],
            path=request.get_full_path()[:MAX_PATH],
            query=redact_individual_numbers(str(query or ""))[:MAX_QUERY],
            resident_count=len(ids),
        )
        ReadLogResident.objects.bulk_create([ReadLogResident(log=log, resident_id=pk) for pk in ids])
    return log
