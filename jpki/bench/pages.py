"""Helpers of ``manage.py bench``: the pages a clerk and a supervisor open, measured as a browser would.

Every page is requested through :class:`django.test.Client` logged in as the bench supervisor
(groups 監督者 and 窓口職員, with a staff profile), once to warm up and then ``iterations`` times;
for each page we keep the median and p95 wall time (ms) and the number of SQL queries
(:class:`~django.test.utils.CaptureQueriesContext`). The same pages are then requested under the
stock admin configuration (``jpki.bench.stock_urls``) as the baseline.

Nothing here writes domain records except the bench logins (users, groups, staff profiles);
the pages may log what they log for any user (the resident page's RecordView row, sessions).
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from jpki import rules
from jpki.models import Application, Card, Certificate, Office, StaffProfile
from jpki.roles import COUNTER_STAFF, SUPERVISOR

BENCH_USERNAME = "bench-supervisor"
BENCH_CLERK_USERNAME = "bench-clerk"  # counter staff only: the dashboard without the review panel
STOCK_URLCONF = "jpki.bench.stock_urls"
SEARCH_TERMS = (  # (key, label, query)
    ("search_kana_kata", "search: kana prefix ヤマダ", "ヤマダ"),
    ("search_kana_hira", "search: kana prefix やまだ", "やまだ"),
    ("search_name", "search: name 山田", "山田"),
    ("search_birth", "search: birth 1985-06-01", "1985-06-01"),
)


# --- the login ------------------------------------------------------------------------------------


def ensure_bench_user(username: str = BENCH_USERNAME, roles: tuple[str, ...] = (SUPERVISOR, COUNTER_STAFF)):
    """The supervisor the bench logs in as (created once; the only record the bench writes).

    A supervisor who also has the counter-staff role, as the team's roles define them
    (``jpki.roles``), with a staff profile at the main office; with ``roles=(COUNTER_STAFF,)`` the
    clerk whose dashboard is the baseline of the supervisor's.
    """
    from jpki.roles import sync_roles

    User = get_user_model()
    if not Group.objects.filter(name__in=roles).count() == len(roles):
        sync_roles()
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_active": True, "last_name": "ベンチ", "first_name": "監督者"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif not (user.is_staff and user.is_active):
        user.is_staff = user.is_active = True
        user.save(update_fields=["is_staff", "is_active"])
    user.groups.add(*Group.objects.filter(name__in=roles))
    if not StaffProfile.objects.filter(user=user).exists():
        office = Office.objects.filter(is_active=True).order_by("kind", "code").first() or Office.objects.first()
        if office is None:
            raise LookupError("窓口（Office）がありません。先に manage.py demo_city で市を作成してください。")
        StaffProfile.objects.create(user=user, office=office)
    return User.objects.get(pk=user.pk)


# --- the pages ------------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    url: str | None  # the project's page
    stock_url: str | None  # the same page in the stock admin (jpki.bench.stock_urls), None = no baseline
    note: str = ""
    as_clerk: bool = False  # requested as the bench clerk (counter staff only) instead of the supervisor


def _reverse(name: str, args=None, *, stock: bool = False) -> str:
    if not stock:
        return reverse(name, args=args)
    with override_settings(ROOT_URLCONF=STOCK_URLCONF):
        return reverse(name.replace("admin:", "bench_admin:", 1), args=args)


def _changelist(app_label: str, model: str, *, stock: bool = False) -> str:
    return _reverse(f"admin:{app_label}_{model}_changelist", stock=stock)


def renewal_window_expiry_range(today: date) -> tuple[date, date]:
    """Expiry dates of certificates whose renewal window contains ``today``."""
    lo = today  # the window closes on the expiry day itself
    hi = rules.add_months(today, rules.RENEWAL_WINDOW_MONTHS) + timedelta(days=5)
    while hi > lo and not rules.in_renewal_window(hi, today):
        hi -= timedelta(days=1)
    return lo, hi


def renewal_filter_query(user, today: date) -> tuple[str, str]:
    """The query string of the admin's "in renewal window" certificate filter, and a note.

    Looks for a ``SimpleListFilter`` on the certificate admin whose parameter or title is about
    renewal (更新); falls back to the raw ``status/expires_on`` range the dashboard links use.
    """
    model_admin = admin.site.get_model_admin(Certificate) if admin.site.is_registered(Certificate) else None
    if model_admin is not None:
        request = RequestFactory().get("/")
        request.user = user
        for entry in model_admin.get_list_filter(request):
            spec_class = entry[1] if isinstance(entry, (tuple, list)) else entry
            if not (isinstance(spec_class, type) and issubclass(spec_class, SimpleListFilter)):
                continue
            name = (spec_class.parameter_name or "").lower()
            title = str(spec_class.title or "")
            if not any(w in name for w in ("renew", "window", "koshin")) and "更新" not in title:
                continue
            try:
                spec = spec_class(request, {}, Certificate, model_admin)
                choices = [(str(v), str(label)) for v, label in spec.lookup_choices]
            except Exception:  # noqa: BLE001 - a filter we cannot introspect: fall back
                continue
            if not choices:
                continue
            preferred = [
                v
                for v, label in choices
                if any(w in v.lower() for w in ("window", "open", "in", "now", "yes", "1")) or "期間" in label
            ]
            value = (preferred or [choices[0][0]])[0]
            return urlencode({spec_class.parameter_name: value}), f"admin filter {spec_class.parameter_name}={value}"
    lo, hi = renewal_window_expiry_range(today)
    query = urlencode({"status__exact": "valid", "expires_on__gte": lo.isoformat(), "expires_on__lte": hi.isoformat()})
    return query, "no renewal-window filter in the admin yet: raw status/expires_on range"


def sample_resident_id() -> int | None:
    """A resident with applications and cards (a busy page), else any resident."""
    from residents.models import Resident

    rid = Application.objects.order_by("-id").values_list("resident_id", flat=True).first()
    if rid is None:
        rid = Card.objects.order_by("-id").values_list("resident_id", flat=True).first()
    if rid is None:
        rid = Resident.objects.order_by("id").values_list("id", flat=True).first()
    return rid


def _audit_url() -> str | None:
    from django.urls import NoReverseMatch

    try:
        return reverse("admin:jpki_audit")
    except NoReverseMatch:
        return None


def discover_pages(user, today: date | None = None) -> list[Page]:
    """The pages to measure, with their stock-admin counterparts."""
    today = today or timezone.localdate()
    residents = _changelist("residents", "resident")
    stock_residents = _changelist("residents", "resident", stock=True)
    pages = []
    for key, label, term in SEARCH_TERMS:
        q = "?" + urlencode({"q": term})
        pages.append(Page(key, label, residents + q, stock_residents + q))
    pages.append(Page("resident_list", "resident changelist", residents, stock_residents))
    rid = sample_resident_id()
    if rid is not None:
        pages.append(
            Page(
                "resident_page",
                "resident page",
                reverse("admin:residents_resident_change", args=[rid]),
                _reverse("admin:residents_resident_change", [rid], stock=True),
                note=f"resident #{rid}",
            )
        )
    else:
        pages.append(Page("resident_page", "resident page", None, None, note="no residents"))
    query, note = renewal_filter_query(user, today)
    lo, hi = renewal_window_expiry_range(today)
    stock_query = urlencode(
        {"status__exact": "valid", "expires_on__gte": lo.isoformat(), "expires_on__lte": hi.isoformat()}
    )
    pages.append(
        Page(
            "renewal_window",
            "certificates in renewal window",
            _changelist("jpki", "certificate") + "?" + query,
            _changelist("jpki", "certificate", stock=True) + "?" + stock_query,
            note=note,
        )
    )
    pages.append(
        Page(
            "dashboard",
            "dashboard (admin index)",
            reverse("admin:index"),
            _reverse("admin:index", stock=True),
            note="as the bench supervisor, with the review panel (確認待ち); stock: Django's index without dashboard",
        )
    )
    pages.append(
        Page(
            "dashboard_clerk",
            "dashboard, as a clerk",
            reverse("admin:index"),
            None,
            note="counter staff only: the same dashboard without the review panel",
            as_clerk=True,
        )
    )
    audit = _audit_url()
    pages.append(
        Page(
            "audit",
            "supervisors' audit",
            audit,
            _changelist("jpki", "recordview", stock=True),
            note="stock: RecordView changelist" if audit else "no audit page yet",
        )
    )
    pages.extend(supervisor_desk_pages(today))
    return pages


def supervisor_desk_pages(today: date) -> list[Page]:
    """The review queue and the four statistics pages (twelve months by month, this office or all)."""
    from django.urls import NoReverseMatch

    try:
        queue, stats = reverse("admin:jpki_review"), reverse("admin:jpki_stats")
    except NoReverseMatch:
        return []
    year = urlencode({"date_from": (today - timedelta(days=365)).isoformat(), "date_to": today.isoformat()})
    pages = [
        Page("review_queue", "review queue (open, last 30 days)", queue, None, note="the default period"),
        Page("review_all", "review queue (all, 1 year)", f"{queue}?status=all&{year}", None),
    ]
    for section in ("activity", "forecast", "proxy", "operations"):
        pages.append(Page(f"stats_{section}", f"statistics: {section}", f"{stats}?section={section}&{year}", None))
    quarter = urlencode({"date_from": (today - timedelta(days=90)).isoformat(), "date_to": today.isoformat()})
    pages.append(Page("stats_activity_day", "statistics: activity per day", f"{stats}?grain=day&{quarter}", None))
    return pages


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Result:
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    status: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.times_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def db_median(self) -> float:
        return statistics.median(self.db_ms)

    @property
    def max_queries(self) -> int:
        return max(self.queries)

    @property
    def constant_queries(self) -> bool:
        return len(set(self.queries)) == 1


def fetch(client: Client, url: str) -> tuple[float, int, int, float]:
    """One request as a browser makes it: (ms, queries, status, ms in SQL). The body is read in full."""
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018 - rendered already; make sure it is
        elapsed = (time.perf_counter() - started) * 1000
    sql_ms = sum(float(q.get("time") or 0) for q in ctx.captured_queries) * 1000
    return elapsed, len(ctx.captured_queries), response.status_code, sql_ms


def measure(client: Client, url: str, iterations: int, warmup: int = 1) -> Result:
    result = Result()
    try:
        for _ in range(warmup):
            _ms, _n, status, _sql = fetch(client, url)
            if status != 200:
                result.status, result.error = status, f"HTTP {status}"
                return result
        for _ in range(iterations):
            ms, n, status, sql_ms = fetch(client, url)
            if status != 200:
                result.status, result.error = status, f"HTTP {status}"
                return result
            result.times_ms.append(ms)
            result.queries.append(n)
            result.db_ms.append(sql_ms)
        result.status = 200
    except Exception as exc:  # noqa: BLE001 - report the page as failed, measure the others
        result.error = f"{type(exc).__name__}: {exc}"[:120]
    return result


def run_pages(
    user, pages: list[Page], iterations: int, *, progress=None
) -> dict[str, tuple[Result | None, Result | None]]:
    """Measure every page under the project's admin, then under the stock admin."""
    results: dict[str, list[Result | None]] = {p.key: [None, None] for p in pages}
    client = Client()
    client.force_login(user)
    clerk_client = None
    if any(p.as_clerk and p.url for p in pages):
        clerk_client = Client()
        clerk_client.force_login(ensure_bench_user(BENCH_CLERK_USERNAME, roles=(COUNTER_STAFF,)))
    for page in pages:
        if page.url:
            if progress:
                progress(f"  {page.label} …")
            results[page.key][0] = measure(clerk_client if page.as_clerk else client, page.url, iterations)
    with override_settings(ROOT_URLCONF=STOCK_URLCONF):
        stock_client = Client()
        stock_client.force_login(user)
        for page in pages:
            if page.stock_url:
                if progress:
                    progress(f"  {page.label} (stock) …")
                results[page.key][1] = measure(stock_client, page.stock_url, iterations)
    return {k: (v[0], v[1]) for k, v in results.items()}


# --- letters --------------------------------------------------------------------------------------


@dataclass
class LettersResult:
    preview_ms: float | None = None
    preview_queries: int | None = None
    preview_how: str = ""
    batch_letters: int = 0
    batch_pages: int = 0
    batch_seconds: float | None = None
    pages_per_second: float | None = None
    note: str = ""


def run_letters(user, n: int, iterations: int) -> LettersResult:
    """One-letter preview and an ``n``-letter batch through ``letters.render.benchmark`` if it exists."""
    out = LettersResult()
    try:
        from letters import render
    except ImportError:
        out.note = "letters app not installed: skipped"
        return out
    bench = getattr(render, "benchmark", None)
    if bench is None:
        out.note = "letters.render.benchmark missing: skipped"
        return out
    # A stored letter, if the city has one, is previewed over HTTP like a clerk does it.
    try:
        from letters.models import Letter

        letter = next((x for x in Letter.objects.order_by("-id")[:20] if getattr(x, "has_pdf", False)), None)
    except Exception:  # noqa: BLE001
        letter = None
    if letter is not None:
        client = Client()
        client.force_login(user)
        r = measure(client, reverse("letters:preview", args=[letter.pk]), iterations)
        if r.ok:
            out.preview_ms, out.preview_queries, out.preview_how = r.median, r.max_queries, f"HTTP, letter #{letter.pk}"
    data = bench(n, per_letter_sample=min(5, n))
    out.batch_letters = data.get("letters", n)
    out.batch_pages = data.get("batch_pages", 0)
    out.batch_seconds = data.get("batch_seconds")
    out.pages_per_second = data.get("batch_pages_per_second")
    if out.preview_ms is None and data.get("preview_seconds_median") is not None:
        out.preview_ms = data["preview_seconds_median"] * 1000
        out.preview_how = "render only (no stored letter in this city)"
    return out


# --- report ---------------------------------------------------------------------------------------


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def format_table(pages: list[Page], results, letters: LettersResult | None) -> list[str]:
    header = (
        "page",
        "median ms",
        "p95 ms",
        "SQL ms",
        "queries",
        "stock median",
        "stock p95",
        "stock SQL",
        "stock queries",
        "× faster",
        "× fewer q",
    )
    rows = []
    for page in pages:
        ours, stock = results.get(page.key, (None, None))
        row = [page.label]
        for r in (ours, stock):
            if r is None:
                row += ["—", "—", "—", "—"]
            elif not r.ok:
                row += [r.error or "error", "", "", ""]
            else:
                q = f"{r.max_queries}" + ("" if r.constant_queries else f" ({min(r.queries)}–{r.max_queries})")
                row += [_fmt_ms(r.median), _fmt_ms(r.p95), _fmt_ms(r.db_median), q]
        if ours is not None and stock is not None and ours.ok and stock.ok:
            row.append(f"{stock.median / ours.median:.1f}" if ours.median else "—")
            row.append(f"{stock.max_queries / ours.max_queries:.1f}" if ours.max_queries else "—")
        else:
            row += ["—", "—"]
        rows.append(row)
    if letters is not None and letters.preview_ms is not None:
        rows.append(
            [
                "letter preview (1)",
                _fmt_ms(letters.preview_ms),
                "",
                "",
                "—" if letters.preview_queries is None else str(letters.preview_queries),
                "—",
                "—",
                "—",
                "—",
                "—",
                "—",
            ]
        )
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [_row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows]
    for page in pages:
        if page.note:
            lines.append(f"  {page.label}: {page.note}")
    if letters is not None:
        if letters.preview_how:
            lines.append(f"  letter preview: {letters.preview_how}")
        if letters.pages_per_second is not None:
            lines.append(
                f"  letters batch: {letters.batch_letters} letters, {letters.batch_pages} pages in "
                f"{letters.batch_seconds:.1f} s = {letters.pages_per_second:.1f} pages/s (target ≥ 50)"
            )
        if letters.note:
            lines.append(f"  letters: {letters.note}")
    return lines


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(cells, widths) -> str:
    out = []
    for i, (cell, w) in enumerate(zip(cells, widths, strict=False)):
        cell = str(cell)
        pad = " " * (w - _width(cell))
        out.append(cell + pad if i == 0 else pad + cell)
    return "| " + " | ".join(out) + " |"


def summary_line(results, letters: LettersResult | None) -> str:
    ours = [r[0] for r in results.values() if r[0] is not None and r[0].ok]
    worst = max((r.median for r in ours), default=0.0)
    max_q = max((r.max_queries for r in ours), default=0)
    pps = letters.pages_per_second if letters is not None and letters.pages_per_second is not None else 0.0
    return f"bench: worst median {worst:.1f} ms, max queries {max_q}, letters {pps:.1f} pages/s"
