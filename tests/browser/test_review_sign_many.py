"""Several outside-hours records signed off at once in a real browser: the queue's 「このページの未確認を
まとめて確認済みにする」, one item left out, one comment, confirm; the dashboard's count drops by the
number signed. Screenshots go to var/screens/ (not committed)."""

import datetime as dt
import os

import pytest
from django.conf import settings
from django.utils import timezone

from jpki.models import OutsideHoursRecord, ReviewSignOff
from jpki.roles import sync_roles
from tests.factories import OfficeFactory, ResidentFactory, SupervisorFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"
SCREENS = os.path.join(settings.BASE_DIR, "var", "screens")


@pytest.fixture
def forty(transactional_db, settings, tmp_path):
    """Five outside-hours records by a clerk (the complaint was forty) and one by the supervisor."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    sync_roles()
    office = OfficeFactory()
    clerk = UserFactory(username="madoguchi", office=office)
    supervisor = SupervisorFactory(username="kantoku", office=office)
    now = timezone.now()
    for n, user in enumerate([clerk] * 5 + [supervisor]):
        OutsideHoursRecord.objects.create(
            procedure="card_report_lost",
            resident=ResidentFactory(name=f"山田　{n}"),
            recorded_at=now - dt.timedelta(hours=n + 1),
            recorded_by=user,
            office=office,
        )
    return supervisor


def test_supervisor_signs_off_a_page_of_items_at_once(page, live_server, forty):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "kantoku")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")
    assert page.inner_text("#jpki-review-open") == "6"
    page.click("#jpki-review-panel a.jpki-btn")
    page.wait_for_selector("#jpki-review-filter")
    assert page.locator("input.jpki-review-pick").count() == 5  # not the supervisor's own
    page.click("#jpki-review-sign-page")
    page.wait_for_selector("#jpki-review-sign-many-form")
    boxes = page.locator('#jpki-review-many input[type="checkbox"][name="item"]')
    assert boxes.count() == 5
    boxes.nth(0).uncheck()
    page.fill("#id_comment", "時間外の記録を翌朝まとめて確認")
    page.click("#jpki-review-next")
    page.wait_for_selector("#jpki-confirm")
    os.makedirs(SCREENS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENS, "review-sign-many-confirm.png"), full_page=True)
    page.click("#jpki-confirm")
    page.wait_for_selector("#jpki-review-filter")
    assert "4件を確認済みにしました" in page.content()
    assert page.inner_text("#jpki-review-total") == "2"
    assert ReviewSignOff.objects.filter(reviewer=forty, comment="時間外の記録を翌朝まとめて確認").count() == 4
    page.goto(f"{live_server.url}/admin/")
    assert page.inner_text("#jpki-review-open") == "2"
