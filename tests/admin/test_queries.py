"""Query counts of the main screens do not grow with the number of rows (as a counter clerk), and the
read log (``jpki.readlog.record_read``) costs each page exactly two INSERTs: its row and, in one bulk
INSERT, the residents the page showed, whatever their number (one INSERT when it showed nobody; the
dashboard of these tests lists nobody and logs nothing). The audit reads the read log as one more
source: one SELECT more, besides its own two INSERTs.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jpki import services
from jpki.models import Application, ReadLog, ReadLogResident
from tests.admin.conftest import OPEN_NOW, make_residents
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db

READ_LOG_TABLES = (ReadLog._meta.db_table, ReadLogResident._meta.db_table)


def _last_log():
    return ReadLog.objects.order_by("-id").first()


def _logged_residents(log) -> set[int]:
    return set(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True))


def _capture(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    return response, [q["sql"] for q in ctx.captured_queries]


def _read_log_inserts(queries) -> list[str]:
    return [sql for sql in queries if sql.startswith(tuple(f'INSERT INTO "{t}"' for t in READ_LOG_TABLES))]


def _grow(fn_setup, fn_request, small=3, big=30, read_log_inserts=2):
    """Query counts with ``small`` and ``big`` rows; each request writes exactly ``read_log_inserts``
    read-log INSERTs (its row, then its residents in one statement)."""
    fn_setup(small)
    fn_request()  # warm-up: per-process caches (content types, permissions) are not the point
    counts = []
    for grow_by in (0, big - small):
        if grow_by:
            fn_setup(grow_by)
        response, queries = _capture(fn_request)
        assert response.status_code == 200
        inserts = _read_log_inserts(queries)
        assert len(inserts) == read_log_inserts, inserts
        counts.append(len(queries))
    return counts[0], counts[1], response


def _assert_logged_rows(response, screen: str, resident_of) -> None:
    """The last read-log row is this list page's: its screen, and exactly the residents of its rows."""
    log = _last_log()
    shown = {resident_of(row) for row in response.context["cl"].result_list}
    assert log.screen == screen and _logged_residents(log) == shown and log.resident_count == len(shown)


def test_resident_changelist_constant(clerk_client, clerk, counter_open):
    few, many, page = _grow(
        lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/residents/resident/")
    )
    assert few == many
    _assert_logged_rows(page, "resident_search", lambda r: r.pk)
    assert _last_log().resident_count == 30


def test_resident_search_constant(clerk_client, clerk, counter_open):
    few, many, page = _grow(
        lambda n: make_residents(n, actor=clerk),
        lambda: clerk_client.get("/admin/residents/resident/", {"q": "てすと"}),
    )
    assert few == many
    _assert_logged_rows(page, "resident_search", lambda r: r.pk)
    assert _last_log().query == "q=てすと"


def test_certificate_changelist_constant(clerk_client, clerk, counter_open):
    few, many, page = _grow(
        lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/certificate/")
    )
    assert few == many
    _assert_logged_rows(page, "certificate_list", lambda c: c.card.resident_id)


def test_card_changelist_constant(clerk_client, clerk, counter_open):
    few, many, page = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/card/"))
    assert few == many
    _assert_logged_rows(page, "card_list", lambda c: c.resident_id)


def test_application_changelist_constant(clerk_client, clerk, counter_open):
    few, many, page = _grow(
        lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/application/")
    )
    assert few == many
    _assert_logged_rows(page, "application_list", lambda a: a.resident_id)


def test_resident_page_constant_in_history(clerk_client, clerk, counter_open):
    resident = ResidentFactory()
    CardFactory(resident=resident)

    def add_history(n):
        for i in range(n):
            services.certificates_issue(
                resident=resident,
                actor=clerk,
                reason=f"r{i}",
                signing=False,
                user=True,
                at=OPEN_NOW - dt.timedelta(days=1000 + i),
                outside_hours_confirmed=True,
            )
            services.certificates_revoke(
                resident=resident,
                actor=clerk,
                reason="x",
                signing=False,
                user=True,
                at=OPEN_NOW - dt.timedelta(days=1000 + i) + dt.timedelta(hours=1),
                outside_hours_confirmed=True,
            )

    few, many, _page = _grow(
        add_history, lambda: clerk_client.get(f"/admin/residents/resident/{resident.pk}/change/"), small=2, big=12
    )
    assert few == many
    assert _last_log().screen == "resident_page" and _logged_residents(_last_log()) == {resident.pk}


def test_application_page_constant(clerk_client, clerk, counter_open):
    residents = make_residents(3, actor=clerk)
    app = Application.objects.filter(resident=residents[0]).get()
    clerk_client.get(f"/admin/jpki/application/{app.pk}/change/")
    _r, few = _capture(lambda: clerk_client.get(f"/admin/jpki/application/{app.pk}/change/"))
    make_residents(20, actor=clerk)
    _r, many = _capture(lambda: clerk_client.get(f"/admin/jpki/application/{app.pk}/change/"))
    assert len(few) == len(many)
    assert len(_read_log_inserts(many)) == 2
    assert _last_log().screen == "application_page" and _logged_residents(_last_log()) == {residents[0].pk}


def test_dashboard_constant(clerk_client, clerk, counter_open):
    # These residents are in no panel of the dashboard: nothing shown, nothing logged.
    few, many, _page = _grow(
        lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/"), read_log_inserts=0
    )
    assert few == many


def test_audit_page_constant(supervisor_client, clerk, counter_open):
    few, many, page = _grow(
        lambda n: make_residents(n, actor=clerk),
        lambda: supervisor_client.get("/admin/jpki/recordview/audit/", {"kind": "application"}),
    )
    assert few == many
    shown = {row["resident"].pk for row in page.context["rows"]}
    assert len(shown) == 30 and _last_log().screen == "audit" and _logged_residents(_last_log()) == shown
