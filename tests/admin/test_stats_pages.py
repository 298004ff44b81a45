"""The statistics pages (統計): access, each section's chart data and table, the CSV of each chart,
bad parameters, no inline script, and a number of queries that does not grow with the data."""

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from jpki.models import Application
from tests.admin.conftest import count_queries
from tests.factories import ResidentFactory

TOKYO = ZoneInfo("Asia/Tokyo")
STATS = "admin:jpki_stats"
PERIOD = {"date_from": "2026-10-01", "date_to": "2026-11-30"}


def completed(user, office, n, *, kind="new", day=5):
    resident = ResidentFactory()
    for i in range(n):
        when = dt.datetime(2026, 10, day, 10, i, tzinfo=TOKYO)
        Application.objects.create(
            kind=kind,
            applicant_type="self",
            resident=resident,
            office=office,
            received_at=when,
            received_by=user,
            status="completed",
            completed_at=when,
            fee_due=200 if kind == "reissue" else 0,
            fee_paid=kind == "reissue",
        )


def chart_data(page: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="chart-data-{chart_id}" type="application/json">(.*?)</script>', page, re.S)
    assert match, f"no data for chart {chart_id}"
    return json.loads(match.group(1))


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_access(clerk_client, supervisor_client):
    from django.test import Client

    assert Client().get(reverse(STATS)).status_code == 302  # to the login
    assert clerk_client.get(reverse(STATS)).status_code == 403
    assert (
        clerk_client.get(reverse(STATS), {"section": "forecast", "format": "csv", "chart": "forecast"}).status_code
        == 403
    )
    assert supervisor_client.get(reverse(STATS)).status_code == 200


@pytest.mark.parametrize("section", ["activity", "forecast", "proxy", "operations"])
def test_every_section_has_charts_with_tables_and_csv_links(supervisor_client, section):
    page = supervisor_client.get(reverse(STATS), {"section": section}).content.decode()
    charts = re.findall(r'<canvas data-chart="([a-z_]+)"', page)
    assert charts
    for cid in charts:
        assert f'id="table-{cid}"' in page and f'id="csv-{cid}"' in page
        chart_data(page, cid)
    # Content-Security-Policy: no inline script, only files and JSON data
    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs


def test_activity_numbers_in_chart_table_and_csv(supervisor_client, clerk, office):
    completed(clerk, office, 3, kind="new")
    completed(clerk, office, 2, kind="reissue", day=6)
    page = supervisor_client.get(reverse(STATS), {**PERIOD, "grain": "month"}).content.decode()
    data = chart_data(page, "activity")
    assert data["labels"] == ["2026-10", "2026-11"]
    by_label = {d["label"]: d["data"] for d in data["datasets"]}
    assert by_label["新規発行"] == [3, 0] and by_label["カード再交付に伴う再発行"] == [2, 0]
    response = supervisor_client.get(
        reverse(STATS), {**PERIOD, "grain": "month", "section": "activity", "format": "csv", "chart": "activity"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == ["完了した申請（種類別）"]
    oct_row = next(r for r in rows if r[0] == "2026-10")
    assert oct_row[1] == "3" and oct_row[-1] == "5"  # new, ..., total
    office_rows = csv_rows(
        supervisor_client.get(reverse(STATS), {**PERIOD, "format": "csv", "chart": "activity_office"})
    )
    assert ["本庁市民課", "新規発行", "本人", "3"] in office_rows


def test_operations_fees_and_per_clerk(supervisor_client, clerk, office):
    completed(clerk, office, 2, kind="reissue")
    page = supervisor_client.get(reverse(STATS), {**PERIOD, "section": "operations"}).content.decode()
    fees = chart_data(page, "fees")
    assert fees["datasets"][0]["data"] == [400, 0]
    clerks = chart_data(page, "per_clerk")
    assert clerks["labels"] == ["clerk"]


def test_forecast_is_the_next_24_months(supervisor_client):
    page = supervisor_client.get(reverse(STATS), {"section": "forecast"}).content.decode()
    assert len(chart_data(page, "forecast")["labels"]) == 24


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"date_from": "1900-01-01"},
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"date_from": "2020-01-01", "grain": "day"},  # too many days for daily buckets
        {"grain": "hour"},
        {"office": "x"},
        {"section": "nothing"},
    ],
)
def test_bad_parameters_get_a_message_not_a_500(supervisor_client, params):
    response = supervisor_client.get(reverse(STATS), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<canvas" in page


def test_unknown_chart_csv_is_404(supervisor_client):
    assert supervisor_client.get(reverse(STATS), {"format": "csv", "chart": "nope"}).status_code == 404


def test_csv_cells_cannot_run_in_a_spreadsheet(supervisor_client, office):
    from tests.factories import UserFactory

    evil = UserFactory(username="=cmd", office=office)
    completed(evil, office, 1)
    rows = csv_rows(
        supervisor_client.get(
            reverse(STATS), {**PERIOD, "section": "operations", "format": "csv", "chart": "per_clerk"}
        )
    )
    assert ["'=cmd", "1", "0", "0", "0", "0", "1"] in rows


@pytest.mark.parametrize("section", ["activity", "forecast", "proxy", "operations"])
def test_query_count_does_not_grow_with_the_data(supervisor_client, clerk, office, section, django_assert_num_queries):
    completed(clerk, office, 1)
    _r, few = count_queries(lambda: supervisor_client.get(reverse(STATS), {**PERIOD, "section": section}))
    completed(clerk, office, 6, kind="renewal", day=7)
    completed(clerk, office, 3, kind="reissue", day=9)
    with django_assert_num_queries(few):
        supervisor_client.get(reverse(STATS), {**PERIOD, "section": section})
    assert few <= 14  # session, user, permissions, the filter's offices, the section's GROUP BYs, names
