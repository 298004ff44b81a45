"""Statistics for supervisors (統計): selectors that aggregate in the database.

Each function takes a period (``start`` inclusive, ``end`` exclusive, local dates) and an optional
office, and answers with a small, plain structure the screens turn into a chart, a table and a CSV
(``jpki.admin.stats``). Each table is read with one ``GROUP BY`` (the proxy flow's medians read the
four timestamps of the period's proxy applications, a few thousand rows at city scale); nothing
iterates over residents, cards or certificates in Python.

- :func:`activity`: completed applications (issuance, renewal, revocation, password initialization,
  reissue) per day / week / month × office × kind × applicant type;
- :func:`renewal_forecast`: cards and valid certificates whose renewal window (``rules.renewal_window``)
  opens in each of the next 24 months, per office of last issuance;
- :func:`proxy_flow`: proxy applications per step, median days between the steps, return rate and
  reasons;
- :func:`operations`: outside-hours records, fees taken, and per-clerk counts.
"""

from __future__ import annotations

import functools
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from jpki import rules
from jpki.models import Application, Card, Certificate, Office, OutsideHoursRecord, ProxyAuthorization

DAY, WEEK, MONTH = "day", "week", "month"
FORECAST_MONTHS = 24


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive
    office_id: int | None = None
    grain: str = MONTH

    @property
    def since(self) -> datetime:
        return _aware(self.start)

    @property
    def until(self) -> datetime:
        return _aware(self.end + timedelta(days=1))


def bucket_start(day: date, grain: str) -> date:
    if grain == MONTH:
        return day.replace(day=1)
    if grain == WEEK:
        return day - timedelta(days=day.weekday())
    return day


def buckets(period: Period) -> list[date]:
    """Every bucket of the period, empty ones included (a chart's x axis without gaps)."""
    out, day = [], bucket_start(period.start, period.grain)
    while day <= period.end:
        out.append(day)
        if period.grain == MONTH:
            day = rules.add_months(day, 1)
        elif period.grain == WEEK:
            day += timedelta(days=7)
        else:
            day += timedelta(days=1)
    return out


def _office_filter(qs, period: Period, path: str = "office_id"):
    return qs.filter(**{path: period.office_id}) if period.office_id else qs


@dataclass
class Activity:
    buckets: list[date]
    # (bucket, office_id, kind, applicant_type) -> count
    cells: dict[tuple[date, int, str, str], int] = field(default_factory=dict)

    def by_bucket_and_kind(self) -> dict[date, dict[str, int]]:
        out: dict[date, dict[str, int]] = {b: defaultdict(int) for b in self.buckets}
        for (bucket, _office, kind, _who), n in self.cells.items():
            out.setdefault(bucket, defaultdict(int))[kind] += n
        return out

    def total(self) -> int:
        return sum(self.cells.values())


def bucket_bounds(period: Period) -> list[tuple[date, datetime, datetime]]:
    """Each bucket with its aware start and end (Tokyo midnights), clipped to the period."""
    starts = buckets(period)
    out = []
    for i, b in enumerate(starts):
        lo = max(b, period.start)
        hi = starts[i + 1] if i + 1 < len(starts) else period.end + timedelta(days=1)
        hi = min(hi, period.end + timedelta(days=1))
        out.append((b, _aware(lo), _aware(hi)))
    return out


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), rules.TOKYO)


def per_bucket(period: Period, field_name: str, make, prefix: str = "b") -> dict:
    """Conditional aggregates, one per bucket (``make(Q)`` → an aggregate filtered to the bucket): plain
    range comparisons in SQL, no date function per row (SQLite's are Python callbacks)."""
    return {
        f"{prefix}{i}": make(Q(**{f"{field_name}__gte": lo, f"{field_name}__lt": hi}))
        for i, (_b, lo, hi) in enumerate(bucket_bounds(period))
    }


def activity(period: Period) -> Activity:
    """Completed applications per bucket × office × kind × applicant type: one GROUP BY (office, kind,
    applicant type) with one conditional count per bucket."""
    qs = Application.objects.filter(
        status=Application.Status.COMPLETED, completed_at__gte=period.since, completed_at__lt=period.until
    )
    qs = _office_filter(qs, period)
    counts = per_bucket(period, "completed_at", lambda q: Count("id", filter=q))
    rows = qs.values("office_id", "kind", "applicant_type").annotate(**counts).order_by()
    result = Activity(buckets=buckets(period))
    for r in rows:
        for i, b in enumerate(result.buckets):
            n = r[f"b{i}"]
            if n:
                result.cells[(b, r["office_id"], r["kind"], r["applicant_type"])] = n
    return result


@functools.lru_cache(maxsize=4096)
def window_month(expires_on: date) -> date:
    """The first day of the month in which the renewal window of ``expires_on`` opens."""
    return rules.renewal_window(expires_on)[0].replace(day=1)


@dataclass
class Forecast:
    months: list[date]
    # (month, office_id, what) -> count; what: "card", "signing", "user"
    cells: dict[tuple[date, int | None, str], int] = field(default_factory=dict)

    def per_month(self, what: str) -> list[int]:
        totals: dict[date, int] = defaultdict(int)
        for (month, _office, w), n in self.cells.items():
            if w == what:
                totals[month] += n
        return [totals.get(m, 0) for m in self.months]


def renewal_forecast(*, today: date, office_id: int | None = None, months: int = FORECAST_MONTHS) -> Forecast:
    """Cards and valid certificates whose renewal window opens in each of the ``months`` months from
    ``today``'s month, per office of last issuance (the card's or certificate's office). One GROUP BY
    per table on the covering (status, expires_on, office, kind) index: counts per expiry day (a few
    thousand rows), mapped to months here (conditional counts per month in SQL were slower)."""
    first = today.replace(day=1)
    month_list = [rules.add_months(first, i) for i in range(months)]
    last = rules.add_months(first, months) - timedelta(days=1)
    # Expiry days whose window opens within [first, last]: the window opens 3 months + 1 day before.
    lo = rules.add_months(first, rules.RENEWAL_WINDOW_MONTHS) - timedelta(days=7)
    hi = rules.add_months(last, rules.RENEWAL_WINDOW_MONTHS) + timedelta(days=7)
    result = Forecast(months=month_list)
    wanted = set(month_list)
    cards = Card.objects.filter(status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED], expires_on__range=(lo, hi))
    certs = Certificate.objects.filter(status=Certificate.Status.VALID, expires_on__range=(lo, hi))
    if office_id:
        cards, certs = cards.filter(office_id=office_id), certs.filter(office_id=office_id)
    card_rows = cards.values("expires_on", "office_id").annotate(n=Count("id")).order_by()
    cert_rows = certs.values("expires_on", "office_id", "kind").annotate(n=Count("id")).order_by()
    for rows, kind_of in ((card_rows, lambda r: "card"), (cert_rows, lambda r: r["kind"])):
        for r in rows:
            month = window_month(r["expires_on"])
            if month in wanted:
                key = (month, r["office_id"], kind_of(r))
                result.cells[key] = result.cells.get(key, 0) + r["n"]
    return result


@dataclass
class ProxyFlow:
    stages: dict[str, int]
    medians: dict[str, float | None]
    samples: dict[str, int]
    letters_sent: int
    returned: int
    reasons: dict[str, int]

    @property
    def return_rate(self) -> float | None:
        return round(100.0 * self.returned / self.letters_sent, 1) if self.letters_sent else None


STEPS = (
    ("visit1_letter", "visit1_at", "letter_sent_at"),
    ("letter_reply", "letter_sent_at", "reply_received_at"),
    ("reply_visit2", "reply_received_at", "visit2_at"),
    ("visit1_visit2", "visit1_at", "visit2_at"),
)


def _days(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 86400


def proxy_flow(period: Period) -> ProxyFlow:
    """Proxy applications whose first visit falls in the period: per step, median days between the
    steps, how many letters came back and why. One GROUP BY per question, one read of the timestamps."""
    qs = ProxyAuthorization.objects.filter(visit1_at__gte=period.since, visit1_at__lt=period.until)
    qs = _office_filter(qs, period, "visit1_office_id")
    stages = dict(qs.values_list("stage").annotate(n=Count("id")).order_by())
    reasons = dict(
        qs.filter(stage=ProxyAuthorization.Stage.RETURNED)
        .values_list("return_reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    spans: dict[str, list[float]] = {key: [] for key, _a, _b in STEPS}
    for row in qs.values("visit1_at", "letter_sent_at", "reply_received_at", "visit2_at"):
        for key, a, b in STEPS:
            d = _days(row[a], row[b])
            if d is not None:
                spans[key].append(d)
    medians = {key: (round(pystats.median(v), 1) if v else None) for key, v in spans.items()}
    sent = sum(n for stage, n in stages.items() if stage != ProxyAuthorization.Stage.VISIT1)
    return ProxyFlow(
        stages={s: stages.get(s, 0) for s in ProxyAuthorization.Stage.values},
        medians=medians,
        samples={key: len(v) for key, v in spans.items()},
        letters_sent=sent,
        returned=stages.get(ProxyAuthorization.Stage.RETURNED, 0),
        reasons=reasons,
    )


@dataclass
class Operations:
    buckets: list[date]
    outside_applications: dict[date, int]
    outside_records: dict[date, int]
    fees: dict[date, int]  # yen taken (paid)
    fees_unpaid: dict[date, int]  # yen due, not paid
    per_clerk: list[dict]  # {"user_id", "kind", "n"}

    def series(self, which: dict[date, int]) -> list[int]:
        return [which.get(b, 0) for b in self.buckets]


def operations(period: Period) -> Operations:
    """Outside-hours applications and records, fees taken, applications received per clerk and kind:
    one aggregate per table, with conditional counts and sums per bucket."""
    apps = _office_filter(
        Application.objects.filter(received_at__gte=period.since, received_at__lt=period.until), period
    )
    aggregates = {}
    aggregates.update(
        per_bucket(period, "received_at", lambda q: Count("id", filter=q & Q(outside_counter_hours=True)), "o")
    )
    aggregates.update(per_bucket(period, "received_at", lambda q: Sum("fee_due", filter=q & Q(fee_paid=True)), "p"))
    aggregates.update(per_bucket(period, "received_at", lambda q: Sum("fee_due", filter=q & Q(fee_paid=False)), "u"))
    totals = apps.aggregate(**aggregates)
    recs = _office_filter(
        OutsideHoursRecord.objects.filter(recorded_at__gte=period.since, recorded_at__lt=period.until), period
    )
    rec_totals = recs.aggregate(**per_bucket(period, "recorded_at", lambda q: Count("id", filter=q), "r"))
    result = Operations(buckets(period), defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int), [])
    for i, b in enumerate(result.buckets):
        result.outside_applications[b] = totals[f"o{i}"] or 0
        result.fees[b] = totals[f"p{i}"] or 0
        result.fees_unpaid[b] = totals[f"u{i}"] or 0
        result.outside_records[b] = rec_totals[f"r{i}"] or 0
    result.per_clerk = list(
        apps.values("received_by_id", "kind").annotate(n=Count("id")).order_by("received_by_id", "kind")
    )
    return result


def office_names() -> dict[int, str]:
    return {o.pk: o.name for o in Office.objects.all()}
