"""The counter dashboard on the admin index (窓口の状況). A constant number of queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from jpki import rules, services
from jpki.models import Application, Certificate, Office, ProxyAuthorization

LIST_LIMIT = 20


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    next_first = rules.add_months(first, 1)
    return first, next_first - timedelta(days=1)


def expiry_range_for_window_opening(first: date, last: date) -> tuple[date, date]:
    """Expiry dates whose renewal window opens between ``first`` and ``last`` (inclusive).

    ``renewal_window(e)[0]`` is non-decreasing in ``e``: search around ``first + 3 months``.
    """

    def opens(e):
        return rules.renewal_window(e)[0]

    lo = rules.add_months(first, 3) - timedelta(days=5)
    while opens(lo) < first:
        lo += timedelta(days=1)
    hi = rules.add_months(last, 3) + timedelta(days=5)
    while opens(hi) > last:
        hi -= timedelta(days=1)
    return lo, hi


def dashboard(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    is_open = rules.counter_is_open(now)
    next_day = services.next_opening_day(now)
    deadline_days = getattr(settings, "PROXY_REPLY_DEADLINE_DAYS", 14)
    deadline = now - timedelta(days=deadline_days)

    # Today's applications per office and kind (1 query) + office names (1 query).
    day_start, day_end = _aware(today), _aware(today + timedelta(days=1))
    counts = (
        Application.objects.filter(received_at__gte=day_start, received_at__lt=day_end)
        .values("office_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    offices = {o.pk: o for o in Office.objects.filter(is_active=True)}
    kinds = list(Application.Kind.choices)
    table: dict[int, dict[str, int]] = {}
    for row in counts:
        table.setdefault(row["office_id"], {})[row["kind"]] = row["n"]
    today_rows = []
    for office_id, by_kind in sorted(table.items(), key=lambda kv: str(offices.get(kv[0], kv[0]))):
        today_rows.append(
            {
                "office": offices.get(office_id) or office_id,
                "office_id": office_id,
                "cells": [by_kind.get(k, 0) for k, _label in kinds],
                "total": sum(by_kind.values()),
            }
        )
    totals = [sum(r["cells"][i] for r in today_rows) for i in range(len(kinds))]

    # Proxy letters awaiting reply, oldest first (1 query) and how many are overdue (aggregate below).
    awaiting = list(
        ProxyAuthorization.objects.filter(stage=ProxyAuthorization.Stage.LETTER_SENT)
        .select_related("application__resident", "application__office")
        .order_by("letter_sent_at", "id")[:LIST_LIMIT]
    )
    for proxy in awaiting:
        proxy.overdue = proxy.letter_sent_at is not None and proxy.letter_sent_at < deadline
        proxy.days_out = (now - proxy.letter_sent_at).days if proxy.letter_sent_at else None
    # Returned letters (last 30 days) (1 query).
    returned = list(
        ProxyAuthorization.objects.filter(
            stage=ProxyAuthorization.Stage.RETURNED, returned_at__gte=now - timedelta(days=30)
        )
        .select_related("application__resident")
        .order_by("-returned_at")[:LIST_LIMIT]
    )
    proxy_counts = ProxyAuthorization.objects.aggregate(
        awaiting=Count("id", filter=Q(stage=ProxyAuthorization.Stage.LETTER_SENT)),
        overdue=Count("id", filter=Q(stage=ProxyAuthorization.Stage.LETTER_SENT, letter_sent_at__lt=deadline)),
        visit1=Count("id", filter=Q(stage=ProxyAuthorization.Stage.VISIT1)),
    )

    # Certificates: entering their renewal window this month, lapsed this week (1 query).
    first, last = month_bounds(today)
    lo, hi = expiry_range_for_window_opening(first, last)
    week_start = today - timedelta(days=today.weekday())
    # Three indexed counts, not one aggregate over the whole table (a full scan of ~550,000 rows):
    # (status, expires_on) serves the first two, (status, revoked_at) the third.
    window = dict(
        Certificate.objects.filter(status="valid", expires_on__range=(lo, hi))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    cert_counts = {
        "window_signing": window.get("signing", 0),
        "window_user": window.get("user", 0),
        "expired_week": Certificate.objects.filter(
            status__in=["valid", "expired"], expires_on__gte=week_start - timedelta(days=1), expires_on__lt=today
        ).count(),
        "revoked_week": Certificate.objects.filter(status="revoked", revoked_at__gte=_aware(week_start)).count(),
    }

    # Applications recorded outside counter hours (last 30 days) (1 query).
    outside = list(
        Application.objects.filter(outside_counter_hours=True, received_at__gte=now - timedelta(days=30))
        .select_related("resident", "office", "received_by")
        .order_by("-received_at")[:LIST_LIMIT]
    )
    return {
        "now": now,
        "today": today,
        "is_open": is_open,
        "next_day": next_day,
        "opens_at": rules.COUNTER_OPENS_AT,
        "closes_at": rules.COUNTER_CLOSES_AT,
        "kinds": kinds,
        "today_rows": today_rows,
        "today_totals": totals,
        "today_total": sum(totals),
        "awaiting": awaiting,
        "returned": returned,
        "proxy_counts": proxy_counts,
        "deadline_days": deadline_days,
        "month_first": first,
        "month_last": last,
        "window_expiry_from": lo,
        "window_expiry_to": hi,
        "cert_counts": cert_counts,
        "week_start": week_start,
        "outside": outside,
    }
