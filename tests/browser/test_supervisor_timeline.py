"""The supervisor in a real browser: from the audit's resident search to one resident's timeline,
filtered by kind, then a history page in Japanese. Screenshots under var/screens/ (not committed)."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jpki import services
from jpki.roles import sync_roles
from tests.factories import CardFactory, OfficeFactory, ResidentFactory, SupervisorFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"
SCREENS = Path(os.environ.get("SCREENS_DIR", Path(settings.BASE_DIR) / "var" / "screens"))
ENGLISH = ("View history", "Changed by", "Change reason", "Date/time", "OBJECT", "COMMENT", "CHANGES")


def screenshot(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"timeline-{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    sync_roles()
    office = OfficeFactory()
    clerk = UserFactory(username="madoguchi", office=office, first_name="窓口", last_name="太郎")
    SupervisorFactory(username="kantoku", office=office)
    hanako = ResidentFactory()
    CardFactory(resident=hanako)
    ResidentFactory(name="山田　太郎", name_kana="ヤマダ　タロウ", birth_date=dt.date(1950, 3, 3))
    at = timezone.now() - dt.timedelta(days=2)
    services.certificates_issue(
        resident=hanako,
        actor=clerk,
        reason="窓口で新規発行",
        signing=True,
        user=True,
        at=at,
        outside_hours_confirmed=True,
    )
    services.certificates_revoke(
        resident=hanako,
        actor=clerk,
        reason="本人の申出により失効",
        signing=True,
        user=False,
        at=at + dt.timedelta(hours=1),
        outside_hours_confirmed=True,
    )
    services.resident_change_basic_info(resident=hanako, actor=clerk, reason="市内転居", address_block="3丁目1番1号")
    return hanako


def test_supervisor_from_audit_search_to_timeline_and_history(page, live_server, world):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "kantoku")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")

    page.goto(f"{live_server.url}/admin/jpki/recordview/audit/")
    page.fill("#id_q", "やまだ　はなこ")
    page.click("#jpki-audit-filter button[type=submit]")
    page.wait_for_selector("#jpki-audit-residents")
    found = page.inner_text("#jpki-audit-residents")
    assert "山田　花子" in found and "山田　太郎" not in found
    screenshot(page, "1-audit-search")

    page.click("#jpki-audit-residents a:has-text('住民ごとの経過')")
    page.wait_for_selector("#jpki-timeline")
    text = page.inner_text("#jpki-timeline")
    expected_texts = ("本人の申出により失効", "市内転居", "状態: 有効 → 失効")
    expected_texts += ("住所（番地）", "窓口 太郎", "本庁市民課")
    for expected in expected_texts:
        assert expected in text, expected
    kinds = page.eval_on_selector_all(".jpki-timeline-row", "rows => rows.map(r => r.dataset.kind)")
    assert {"certificate", "resident", "application"} <= set(kinds)
    screenshot(page, "2-timeline")

    page.check("#jpki-timeline-filter input[value=certificate]")
    page.click("#jpki-timeline-filter button[type=submit]")
    page.wait_for_url("**kind=certificate**")
    kinds = page.eval_on_selector_all(".jpki-timeline-row", "rows => rows.map(r => r.dataset.kind)")
    assert kinds and set(kinds) == {"certificate"}
    assert "市内転居" not in page.inner_text("#jpki-timeline")
    screenshot(page, "3-timeline-certificates")

    page.click(".jpki-timeline-row[data-kind=certificate] a >> nth=0")
    page.wait_for_selector("#content")
    assert "過去の版" in page.inner_text("#content")
    screenshot(page, "4-version")
    page.click("a.historylink")
    page.wait_for_selector("#change-history")
    history = re.sub(r"\s+", " ", page.inner_text("#content"))  # simple-history's arrow has &nbsp; around it
    for english in ENGLISH:
        assert english not in history, english
    for japanese in ("変更履歴", "日時", "操作", "変更者", "変更理由", "変更内容", "有効 → 失効"):
        assert japanese in history, japanese
    screenshot(page, "5-history-japanese")

    # the resident page links to the timeline for a supervisor
    page.goto(f"{live_server.url}/admin/residents/resident/{world.pk}/change/")
    page.click("#jpki-timeline-link")
    page.wait_for_selector("#jpki-timeline")
