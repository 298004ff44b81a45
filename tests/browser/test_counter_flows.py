"""The clerk's day in a real browser: find a resident by kana and issue; the proxy's two visits."""

import datetime as dt
import os

import pytest
from django.db.models import F
from django.utils import timezone

from jpki import rules, services
from jpki.models import Application, Certificate, ProxyAuthorization
from jpki.roles import sync_roles
from tests.factories import CardFactory, OfficeFactory, ResidentFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"


@pytest.fixture
def clerk_user(transactional_db, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    sync_roles()  # a transactional test may start after another one flushed the groups
    office = OfficeFactory()
    return UserFactory(username="madoguchi", office=office)


def login(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "madoguchi")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")


def tick_outside_hours_if_closed(page):
    if not rules.counter_is_open(timezone.now()):
        page.check("#id_outside_hours_confirmed")


def review_and_confirm(page, shot=None, name=None):
    page.click("#jpki-review")
    page.wait_for_selector("#jpki-decided")
    if shot:
        shot(page, f"{name}-confirm")
    text = page.inner_text("#content")
    page.click("#jpki-confirm")
    page.wait_for_selector("#jpki-result")
    return text


def test_clerk_finds_resident_by_kana_and_issues_both(page, live_server, clerk_user, shot):
    hanako = ResidentFactory()
    CardFactory(resident=hanako)
    plan = services.issuance_plan(resident=hanako, signing=True, user=True, on=timezone.localdate())
    expected = f"{plan.signing_expires_on:%Y-%m-%d}"

    login(page, live_server)
    shot(page, "a1-dashboard")
    page.fill("#jpki-q", "やまだ")
    page.press("#jpki-q", "Enter")
    page.wait_for_selector("#result_list")
    assert "ヤマダ　ハナコ" in page.inner_text("#result_list")
    shot(page, "a2-search")
    page.click("#result_list a:has-text('山田')")
    page.wait_for_selector("#jpki-procedures")
    shot(page, "a3-resident")

    page.click("a[data-procedure=issue]")
    page.wait_for_selector("#jpki-review")
    tick_outside_hours_if_closed(page)
    confirm_text = review_and_confirm(page, shot, "a4-issue")
    assert expected in confirm_text
    assert f"{plan.signing_renewal_starts_on:%Y-%m-%d}" in confirm_text
    result_text = page.inner_text("#content")
    assert expected in result_text
    shot(page, "a5-result")
    assert Certificate.objects.filter(card__resident=hanako, status="valid").count() == 2


def test_proxy_two_visits_to_issuance(page, live_server, clerk_user, shot):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 2, 28))
    plan = services.issuance_plan(
        resident=kiyo, signing=True, user=True, on=timezone.localdate(), applicant_type="proxy"
    )
    expected = f"{plan.user_expires_on:%Y-%m-%d}"
    resident_url = f"{live_server.url}/admin/residents/resident/{kiyo.pk}/change/"

    login(page, live_server)
    page.fill("#jpki-q", "すずき")
    page.press("#jpki-q", "Enter")
    page.click("#result_list a:has-text('鈴木')")
    page.wait_for_selector("#jpki-procedures")

    # visit 1: the proxy shows no ID (allowed)
    page.click("a[data-procedure=proxy-visit1]")
    page.fill("#id_proxy_name", "鈴木　一郎")
    page.fill("#id_proxy_kana", "スズキ　イチロウ")
    page.fill("#id_proxy_birth_date", "1968-04-02")
    page.fill("#id_proxy_address", "大阪府吹田市山田西1丁目1番1号")
    page.fill("#id_relation", "子")
    tick_outside_hours_if_closed(page)
    text = review_and_confirm(page, shot, "b1-visit1")
    assert "本日は電子証明書を発行しません" in text
    shot(page, "b2-visit1-result")
    app = Application.objects.get(resident=kiyo)
    assert app.status == "awaiting_letter"

    # test set-up only: visit 1 happened yesterday
    ProxyAuthorization.objects.filter(application=app).update(visit1_at=F("visit1_at") - dt.timedelta(days=1))
    Application.objects.filter(pk=app.pk).update(received_at=F("received_at") - dt.timedelta(days=1))

    # the letter is mailed 簡易書留 with its tracking number
    page.goto(resident_url)
    page.click("a[data-procedure=proxy-letter-sent]")
    page.fill("#id_tracking_number", "1234-5678-9013")
    tick_outside_hours_if_closed(page)
    review_and_confirm(page, shot, "b3-mailing")
    # the reply comes back
    page.goto(resident_url)
    shot(page, "b4-resident-awaiting-reply")
    page.click("a[data-procedure=proxy-reply]")
    tick_outside_hours_if_closed(page)
    review_and_confirm(page)
    # visit 2: the checklist and the proxy's driving licence
    page.goto(resident_url)
    page.click("a[data-procedure=proxy-visit2]")
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
    page.fill("#id_proxy_document_issuer", "大阪府公安委員会")
    page.fill("#id_proxy_document_number", "123456789012")
    tick_outside_hours_if_closed(page)
    shot(page, "b5-visit2-form")
    text = review_and_confirm(page, shot, "b6-visit2")
    assert expected in text
    assert expected in page.inner_text("#content")
    shot(page, "b7-issued")
    app.refresh_from_db()
    assert app.status == "completed"
    assert Certificate.objects.filter(card__resident=kiyo, status="valid").count() == 2
