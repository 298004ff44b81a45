"""The clerk's whole day in a real browser (issue 13, point 8): SCENARIOS.md walked as a clerk (search,
resident page, a procedure through confirm and result), plus a withdrawal of a proxy case, the slip
printed from the result page, a reissue after loss where the lost card is refused as ID, and a
procedure outside hours on a register change.

The clock is pinned (``tests.admin.conftest.frozen``: the live server runs in this process) so that
the dates on the screens are the scenarios' own. Every step leaves a screenshot in ``var/screens/``.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from jpki import services
from jpki.models import Application, Card, Certificate, ProxyAuthorization
from jpki.roles import sync_roles
from letters.models import Letter
from tests.admin.conftest import TOKYO, frozen
from tests.factories import CardFactory, OfficeFactory, ResidentFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO)  # scenario 1's morning, counter open
SCREENS = Path(django_settings.BASE_DIR) / "var" / "screens"


@pytest.fixture
def clerk_user(transactional_db, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the clock moves by days: no idle logout
    sync_roles()
    return UserFactory(username="madoguchi", office=OfficeFactory())


@pytest.fixture
def snap():
    SCREENS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENS / f"day-{name}.png"), full_page=True)

    return take


def login(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "madoguchi")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")


def open_resident(page, term, name):
    page.fill("#jpki-q", term)
    page.press("#jpki-q", "Enter")
    page.wait_for_selector("#result_list")
    page.click(f"#result_list a:has-text('{name}')")
    page.wait_for_selector("#jpki-procedures")


def review(page):
    page.click("#jpki-review")
    page.wait_for_selector("#jpki-decided, .errornote")


def confirm(page):
    page.click("#jpki-confirm")
    page.wait_for_selector("#jpki-result")


def print_slip(page):
    """Press the slip button of the page: the PDF opens in a new tab; return that response."""
    with page.context.expect_event(
        "response", predicate=lambda r: "validity-slip" in r.url and r.request.method == "POST"
    ) as info:
        page.click("button[data-slip]")
    return info.value


def test_scenario_1_issue_and_print_the_slip(page, live_server, clerk_user, snap):
    hanako = ResidentFactory()
    CardFactory(resident=hanako)
    with frozen(WEDNESDAY):
        login(page, live_server)
        snap(page, "1a-dashboard")
        open_resident(page, "ヤマダ", "山田")
        snap(page, "1b-resident")
        page.click("a[data-procedure=issue]")
        page.wait_for_selector("#jpki-review")
        assert page.is_checked("#id_signing") and page.is_checked("#id_user")
        snap(page, "1c-issue-form")
        review(page)
        text = page.inner_text("#jpki-decided")
        assert "2031-06-01" in text and "2031-03-02" in text and "0円" in text
        snap(page, "1d-issue-confirm")
        confirm(page)
        snap(page, "1e-issue-result")
        response = print_slip(page)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert Letter.objects.filter(kind="validity_slip", application__resident=hanako).count() == 1
    assert Certificate.objects.filter(card__resident=hanako, status="valid").count() == 2


def test_scenario_3_move_then_only_the_signing_certificate(page, live_server, clerk_user, snap):
    jiro = ResidentFactory(name="高橋　次郎", name_kana="タカハシ　ジロウ", birth_date=dt.date(1979, 4, 3))
    CardFactory(resident=jiro)
    services.certificates_issue(
        resident=jiro, actor=clerk_user, reason="発行", signing=True, user=True, at=WEDNESDAY - dt.timedelta(days=400)
    )
    with frozen(WEDNESDAY):
        login(page, live_server)
        open_resident(page, "タカハシ", "高橋")
        assert page.locator("[data-procedure-refused=issue]").count() == 1  # both valid: greyed, with the reason
        snap(page, "3a-resident-both-valid")
        page.click("a[data-procedure=basic-info]")
        page.fill("#id_postal_code", "565-0851")
        page.fill("#id_address_town", "大阪府吹田市千里山西")
        page.fill("#id_address_block", "1丁目2番3号")
        review(page)
        snap(page, "3b-move-confirm")
        confirm(page)
        page.click("text=住民画面に戻る")
        page.wait_for_selector("a[data-procedure=issue]")
        snap(page, "3c-resident-after-move")
        page.click("a[data-procedure=issue]")
        page.wait_for_selector("#jpki-review")
        assert page.is_checked("#id_signing") and not page.is_checked("#id_user")
        snap(page, "3d-issue-form-defaults")
        review(page)  # the first submit goes through
        assert page.locator("#jpki-confirm").count() == 1
        confirm(page)
        snap(page, "3e-issued")
    assert Certificate.objects.filter(card__resident=jiro, status="valid").count() == 2


def test_scenario_4_reissue_after_loss_refuses_the_lost_card(page, live_server, clerk_user, snap):
    misaki = ResidentFactory(name="佐藤　美咲", name_kana="サトウ　ミサキ", birth_date=dt.date(1990, 9, 9))
    CardFactory(resident=misaki)
    services.certificates_issue(
        resident=misaki, actor=clerk_user, reason="発行", signing=True, user=True, at=WEDNESDAY - dt.timedelta(days=90)
    )
    with frozen(WEDNESDAY):
        login(page, live_server)
        open_resident(page, "サトウ", "佐藤")
        page.click("a[data-procedure=card-lost]")
        review(page)
        confirm(page)
        page.click("text=住民画面に戻る")
        page.wait_for_selector("#jpki-procedures")
        for slug in ("issue", "revoke", "password-init"):
            assert page.locator(f"[data-procedure-refused={slug}]").count() == 1, slug
        snap(page, "4a-resident-suspended")
        page.click("a[data-procedure=reissue]")
        page.wait_for_selector("#jpki-review")
        assert page.input_value("#id_document_kind") == ""
        page.select_option("#id_document_kind", "mynumber_card")
        page.check("#id_fee_paid")
        page.fill("#id_fee_receipt_number", "R-2026-001")
        review(page)
        assert "本人確認書類になりません" in page.inner_text(".field-document_kind")
        snap(page, "4b-lost-card-refused")
        page.select_option("#id_document_kind", "driving_licence")
        review(page)
        assert "200円" in page.inner_text("#jpki-decided")
        snap(page, "4c-reissue-confirm")
        confirm(page)
        snap(page, "4d-reissue-result")
        response = print_slip(page)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    app = Application.objects.get(resident=misaki, kind="reissue")
    assert app.fee_due == 200 and app.identity_documents.get().kind == "driving_licence"
    assert Card.objects.filter(resident=misaki, status="active").count() == 1


def test_scenario_2_proxy_case_withdrawn(page, live_server, clerk_user, snap):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 2, 28))
    ResidentFactory(
        name="鈴木　一郎",
        name_kana="スズキ　イチロウ",
        birth_date=dt.date(1968, 4, 2),
        postal_code="565-0851",
        address_town="大阪府吹田市千里山西",
        address_block="1丁目2番3号",
    )
    with frozen(WEDNESDAY):
        login(page, live_server)
        open_resident(page, "スズキ　キヨ", "鈴木")
        page.click("a[data-procedure=proxy-visit1]")
        # the proxy lives in the city: picked by the same search, his data fills in
        page.fill("#jpki-proxy-q", "スズキ イチロウ")
        page.press("#jpki-proxy-q", "Enter")
        page.wait_for_selector("#jpki-proxy-results")
        snap(page, "2a-proxy-picker")
        page.click("#jpki-proxy-results a[data-proxy-pick]")
        page.wait_for_selector("#jpki-proxy-chosen")
        assert page.input_value("#id_proxy_kana") == "スズキ　イチロウ"
        assert page.input_value("#id_proxy_birth_date") == "1968-04-02"
        page.fill("#id_relation", "子")
        snap(page, "2b-visit1-filled")
        review(page)
        confirm(page)
        page.click("text=住民画面に戻る")
        page.wait_for_selector("#jpki-applications")
    app = Application.objects.get(resident=kiyo)
    with frozen(WEDNESDAY + dt.timedelta(hours=7)):
        page.reload()
        page.click("a[data-procedure=proxy-letter-sent]")
        page.fill("#id_tracking_number", "1234-5678-9013")
        review(page)
        confirm(page)
        page.click("text=住民画面に戻る")
        page.wait_for_selector("[data-procedure-refused=proxy-visit2]")  # the day of visit 1: greyed
        snap(page, "2c-same-day-visit2-greyed")
    with frozen(WEDNESDAY + dt.timedelta(days=6)):
        page.reload()
        page.wait_for_selector("a[data-procedure=proxy-visit2]")
        page.click("a[data-procedure=application-withdraw]")
        page.wait_for_selector("#jpki-review")
        snap(page, "2d-withdraw-form")
        review(page)
        assert page.locator(".errornote").count() == 1  # the reason is required
        page.fill("#id_reason", "本人から電話で取下げの申出")
        review(page)
        text = page.inner_text("#content")
        assert "記録として残ります" in text
        snap(page, "2e-withdraw-confirm")
        confirm(page)
        snap(page, "2f-withdraw-result")
        # visit 2 afterwards: refused with the reason
        page.goto(f"{live_server.url}/admin/residents/resident/{kiyo.pk}/procedure/proxy-visit2/?application={app.pk}")
        for name in (
            "resident_card_checked",
            "proxy_photo_id_checked",
            "reply_complete",
            "power_of_attorney_complete",
            "envelope_sealed",
            "application_form_checked",
        ):
            page.check(f"#id_{name}")
        page.select_option("#id_proxy_document_kind", "driving_licence")
        review(page)
        assert "本人から電話で取下げの申出" in page.inner_text(".errornote")
        snap(page, "2g-visit2-refused")
    app.refresh_from_db()
    assert app.status == "cancelled"
    assert ProxyAuthorization.objects.get(application=app).stage == "withdrawn"
    assert Letter.objects.get(application=app, kind="inquiry").posted_at is not None


def test_register_change_outside_hours(page, live_server, clerk_user, snap):
    resident = ResidentFactory(name="伊藤　健", name_kana="イトウ　ケン", birth_date=dt.date(1980, 8, 17))
    CardFactory(resident=resident)
    saturday = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)
    with frozen(saturday):
        login(page, live_server)
        assert "現在は取扱時間外です" in page.inner_text("#jpki-dashboard")
        snap(page, "8a-dashboard-closed")
        open_resident(page, "イトウ", "伊藤")
        page.click("a[data-procedure=basic-info]")
        page.wait_for_selector("#jpki-review")
        assert page.locator("#id_outside_hours_confirmed").count() == 1  # the counter-hours confirmation
        page.fill("#id_address_block", "3丁目1番1号")
        review(page)
        assert page.locator(".field-outside_hours_confirmed.errors").count() == 1
        snap(page, "8b-outside-hours-refused")
        page.check("#id_outside_hours_confirmed")
        review(page)
        snap(page, "8c-outside-hours-confirm")
        confirm(page)
        snap(page, "8d-outside-hours-result")
    resident.refresh_from_db()
    assert resident.address_block == "3丁目1番1号"
    from jpki.models import OutsideHoursRecord

    record = OutsideHoursRecord.objects.get(resident=resident)  # what the supervisor's review queue lists
    assert record.procedure == "基本4情報の変更" and record.recorded_by == clerk_user
