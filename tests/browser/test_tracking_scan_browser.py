"""The scan screen in a real browser, as a barcode scanner drives it: digits then Enter move to the next
field, a wrong number is marked at its field and keeps the focus, and everything is saved in one step.
The script is a static file: the page runs under the Content-Security-Policy (the conftest fails on
any violation)."""

import os

import pytest
from django.urls import reverse

from jpki.roles import sync_roles
from letters import mailing
from letters.models import Letter
from tests.factories import OfficeFactory, UserFactory
from tests.letters.mailing_world import printed_batch, tracking, wrong_check_digit

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-pass-2026"


@pytest.fixture
def clerk_user(transactional_db, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = False
    sync_roles()
    return UserFactory(username="madoguchi", office=OfficeFactory())


def test_scanner_enters_each_number_and_enter_moves_on(page, live_server, clerk_user, shot):
    batch = printed_batch(clerk_user, clerk_user.staff_profile.office, n=3)
    letters = mailing.batch_letters(batch)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "madoguchi")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#jpki-dashboard")
    page.goto(live_server.url + reverse("admin:letters_mailingbatch_status", args=[batch.pk]))
    page.click("#batch-tracking")
    first, second, third = (f"#id_tracking_{lt.pk}" for lt in letters)
    page.wait_for_selector(first)
    page.wait_for_function(f"document.activeElement && document.activeElement.id === '{first[1:]}'")
    page.keyboard.type(tracking(1))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == second[1:]
    page.keyboard.type(wrong_check_digit(tracking(2)))  # a misread label
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == second[1:]  # stays, marked
    assert str(mailing.MSG_CHECK_DIGIT) in page.inner_text(f"#row-{letters[1].pk}")  # the server's own words
    shot(page, "tracking-scan-wrong-number")
    page.fill(second, tracking(2))
    page.focus(second)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == third[1:]
    page.keyboard.type(tracking(1))  # the first label scanned twice
    page.keyboard.press("Enter")
    assert "同じ番号" in page.inner_text(f"#row-{letters[2].pk}")
    page.fill(third, tracking(3))
    page.focus(third)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "tracking-submit"
    assert Letter.objects.exclude(tracking_number="").count() == 0  # Enter never submitted on its own
    shot(page, "tracking-scan-filled")
    page.click("#tracking-submit")
    page.wait_for_selector("#batch-state")
    assert "3通のお問い合わせ番号と差出を記録しました" in page.inner_text("#content-start, body")
    assert sorted(Letter.objects.filter(batch=batch).values_list("tracking_number", flat=True)) == [
        tracking(1),
        tracking(2),
        tracking(3),
    ]
    page.click("#batch-mailing-list")
    page.wait_for_selector("#mailing-list-print")
    shot(page, "tracking-scan-mailing-list")
