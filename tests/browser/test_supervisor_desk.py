"""The supervisor's desk in a real browser: the review queue's sign-off (the count drops) and the
statistics page with its charts drawn by Chart.js under the Content-Security-Policy. Screenshots
go to var/screens/ (not committed)."""

import datetime as dt
import os
import re

import pytest
from django.conf import settings
from django.utils import timezone

from jpki.models import Application, Certificate, OutsideHoursRecord, ReviewSignOff
from jpki.roles import sync_roles
from tests.factories import (
    CardFactory,
    CertificateFactory,
    OfficeFactory,
    ResidentFactory,
    SupervisorFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"
SCREENS = os.path.join(settings.BASE_DIR, "var", "screens")


@pytest.fixture
def desk(transactional_db, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    sync_roles()
    office = OfficeFactory()
    branch = OfficeFactory(code="senriyama", name="千里山出張所", kind="branch")
    clerk = UserFactory(username="madoguchi", office=office)
    supervisor = SupervisorFactory(username="kantoku", office=office)
    now = timezone.now()
    for hours, name in ((3, "山田　花子"), (2, "鈴木　キヨ")):
        OutsideHoursRecord.objects.create(
            procedure="card_report_lost",
            resident=ResidentFactory(name=name),
            recorded_at=now - dt.timedelta(hours=hours),
            recorded_by=clerk,
            office=office,
        )
    # Some numbers for the charts: completed applications over the last months, certificates ahead.
    resident = ResidentFactory(name="高橋　次郎")
    for i in range(12):
        when = now - dt.timedelta(days=9 * i + 1)
        Application.objects.create(
            kind=["new", "renewal", "revocation", "password_init"][i % 4],
            applicant_type="self",
            resident=resident,
            office=office if i % 3 else branch,
            received_at=when,
            received_by=clerk,
            status="completed",
            completed_at=when,
        )
    today = timezone.localdate()
    for i in range(8):
        card = CardFactory(resident=ResidentFactory(name=f"伊藤　{i}"), office=office)
        CertificateFactory(
            card=card,
            kind=Certificate.Kind.USER,
            issued_on=dt.date(2022, 1, 1),
            expires_on=today + dt.timedelta(days=100 + 40 * i),
            office=office if i % 2 else branch,
        )
    return supervisor


def login(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")


def screen(page, name):
    os.makedirs(SCREENS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENS, f"{name}.png"), full_page=True)


def test_supervisor_signs_off_an_outside_hours_item_and_the_count_drops(page, live_server, desk):
    login(page, live_server, "kantoku")
    assert page.inner_text("#jpki-review-open") == "2"
    page.click("#jpki-review-panel a.jpki-btn")
    page.wait_for_selector("#jpki-review-filter")
    assert page.inner_text("#jpki-review-total") == "2"
    screen(page, "review-queue")
    page.click("tr.jpki-review-row >> nth=0 >> a.jpki-review-sign")
    page.wait_for_selector("#jpki-review-item")
    page.fill("#id_comment", "翌開庁日に申請書の控えと照合した")
    page.click("#jpki-review-next")
    page.wait_for_selector("#jpki-confirm")
    assert "翌開庁日に申請書の控えと照合した" in page.inner_text("#jpki-review-comment")
    screen(page, "review-sign-confirm")
    page.click("#jpki-confirm")
    page.wait_for_selector("#jpki-review-filter")
    assert "確認済みにしました" in page.inner_text("ul.messagelist")
    assert page.inner_text("#jpki-review-total") == "1"
    signoff = ReviewSignOff.objects.get()
    assert signoff.reviewer == desk and signoff.comment == "翌開庁日に申請書の控えと照合した"
    page.goto(f"{live_server.url}/admin/jpki/reviewsignoff/queue/?status=signed")
    assert "翌開庁日に申請書の控えと照合した" in page.inner_text("#result_list")
    page.goto(f"{live_server.url}/admin/")
    assert page.inner_text("#jpki-review-open") == "1"


def test_statistics_page_draws_its_charts(page, live_server, desk):
    login(page, live_server, "kantoku")
    page.goto(f"{live_server.url}/admin/jpki/reviewsignoff/statistics/")
    page.wait_for_selector('canvas[data-chart="activity"][data-drawn="true"]')
    page.wait_for_selector('canvas[data-chart="activity_office"][data-drawn="true"]')
    # the canvas has pixels: Chart.js drew at the size of its box
    width = page.evaluate("document.querySelector('canvas[data-chart=activity]').width")
    assert width > 300
    table = page.inner_text("#table-activity")
    assert re.search(r"\d{4}-\d{2}", table)
    screen(page, "stats-activity")
    page.click("#jpki-stats-nav a >> nth=1")
    page.wait_for_selector('canvas[data-chart="forecast"][data-drawn="true"]')
    rows = page.locator("#table-forecast tbody tr")
    assert rows.count() == 24
    screen(page, "stats-forecast")
    page.click("#jpki-stats-nav a >> nth=3")
    page.wait_for_selector('canvas[data-chart="per_clerk"][data-drawn="true"]')
    assert "madoguchi" in page.inner_text("#table-per_clerk")
    screen(page, "stats-operations")
