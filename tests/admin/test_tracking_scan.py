"""The scan screen for a printed batch's tracking numbers, as a clerk uses it: one field per letter in
the list's order with the name beside it, each number checked (format, check digit, duplicates) and
the error shown at its field, everything saved in one step (one transaction) or nothing."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse

from jpki.models import Application, ProcedureSubmission
from letters import mailing
from letters.models import Letter
from tests.factories import UserFactory
from tests.letters.mailing_world import BATCH_AT, printed_batch, tracking, wrong_check_digit

from .conftest import frozen

SCAN_AT = BATCH_AT.replace(hour=17)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def batch(clerk, office):
    return printed_batch(clerk, office, n=3)


def _url(batch):
    return reverse("admin:letters_mailingbatch_tracking", args=[batch.pk])


def _form(client, batch):
    page = client.get(_url(batch))
    assert page.status_code == 200
    return page


def _post(client, batch, page, numbers: dict, reason="お問い合わせ番号の入力（差出）"):
    data = {page.context["submission_field"]: page.context["submission_token"], "reason": reason}
    data.update({f"tracking_{pk}": value for pk, value in numbers.items()})
    with frozen(SCAN_AT):
        return client.post(_url(batch), data)


@pytest.mark.parametrize(
    "number, ok",
    [
        (tracking(1, 11), True),
        (tracking(2, 12), True),
        (tracking(3, 13), True),
        (wrong_check_digit(tracking(4)), False),
        (wrong_check_digit(tracking(5, 11)), False),
    ],
)
def test_check_digit_is_the_leading_digits_modulo_7(number, ok):
    if ok:
        assert mailing.check_tracking_number(number) == number
    else:
        with pytest.raises(ValidationError) as exc:
            mailing.check_tracking_number(number)
        assert "チェックデジット" in exc.value.message_dict["tracking_number"][0]


def test_a_real_label_and_consecutive_labels():
    # a label as printed (131-12-38385-2); consecutive labels' check digits step by one modulo 7
    assert mailing.check_tracking_number("131-12-38385-2") == "13112383852"
    digits = [mailing.tracking_check_digit(str(body)) for body in range(1311238979, 1311238982)]
    assert [(b - a) % 7 for a, b in zip(digits, digits[1:], strict=False)] == [1, 1]


def test_scan_screen_lists_letters_in_the_order_of_the_list_with_names(clerk_client, batch):
    page = _form(clerk_client, batch)
    body = page.content.decode()
    letters = mailing.batch_letters(batch)
    positions = [body.index(f'name="tracking_{lt.pk}"') for lt in letters]
    assert positions == sorted(positions)
    for letter in letters:
        row = body[body.index(f'id="row-{letter.pk}"') :]
        row = row[: row.index("</tr>")]
        assert letter.reference in row and letter.application.resident.name in row
    # the script is a static file (CSP: scripts from this origin only), never inline
    assert re.search(r'<script src="[^"]*jpki/tracking_scan\.js"', body)
    assert "<script>" not in body and finders.find("jpki/tracking_scan.js")
    assert 'data-scan="1"' in body and 'inputmode="numeric"' in body


def test_batch_page_offers_the_scan_and_explains_the_missing_numbers(clerk_client, batch):
    status = clerk_client.get(reverse("admin:letters_mailingbatch_status", args=[batch.pk])).content.decode()
    assert _url(batch) in status
    assert "お問い合わせ番号が未入力の照会書が3通あります" in status
    assert 'id="batch-mailing-list-waiting"' in status and 'id="batch-mailing-list"' not in status
    listing = clerk_client.get(reverse("admin:letters_mailingbatch_list", args=[batch.pk])).content.decode()
    assert 'id="mailing-list-missing"' in listing and 'id="mailing-list-print"' not in listing


def test_wrong_number_is_marked_at_its_field_and_nothing_is_saved(clerk_client, batch):
    page = _form(clerk_client, batch)
    letters = mailing.batch_letters(batch)
    numbers = {letters[0].pk: tracking(1), letters[1].pk: wrong_check_digit(tracking(2)), letters[2].pk: "12-34"}
    response = _post(clerk_client, batch, page, numbers)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {f"tracking_{letters[1].pk}", f"tracking_{letters[2].pk}"}
    assert "チェックデジット" in errors[f"tracking_{letters[1].pk}"][0]
    assert "11〜13桁" in errors[f"tracking_{letters[2].pk}"][0]
    assert "赤く示した欄を確かめてください" in response.content.decode()
    assert not Letter.objects.exclude(tracking_number="").exists()
    assert not Letter.objects.filter(posted_at__isnull=False).exists()
    assert response.context["submission_token"] == page.context["submission_token"]  # kept for the retry


def test_duplicates_are_refused_on_the_page_and_against_other_letters(clerk_client, batch, clerk, office):
    page = _form(clerk_client, batch)
    letters = mailing.batch_letters(batch)
    same = tracking(7)
    response = _post(clerk_client, batch, page, {letters[0].pk: same, letters[1].pk: same})
    errors = response.context["form"].errors
    assert (
        list(errors) == [f"tracking_{letters[1].pk}"] and letters[0].reference in errors[f"tracking_{letters[1].pk}"][0]
    )
    # a number already on another letter (of another batch): all or nothing, the error at the last field
    other = printed_batch(clerk, office, n=1)
    mailing.batch_record_tracking(
        batch=other, actor=clerk, reason="別の差出", numbers={mailing.batch_letters(other)[0].pk: tracking(9)}
    )
    numbers = {letters[0].pk: tracking(1), letters[1].pk: tracking(2), letters[2].pk: tracking(9)}
    response = _post(clerk_client, batch, page, numbers)
    errors = response.context["form"].errors
    assert list(errors) == [f"tracking_{letters[2].pk}"] and "既に別の郵便物" in errors[f"tracking_{letters[2].pk}"][0]
    assert not Letter.objects.filter(batch=batch).exclude(tracking_number="").exists()


def test_all_numbers_saved_in_one_step_with_history_and_once(clerk_client, batch, clerk, django_assert_max_num_queries):
    page = _form(clerk_client, batch)
    letters = mailing.batch_letters(batch)
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters)}
    numbers[letters[1].pk] = "１" + tracking(2)[1:4] + "-" + tracking(2)[4:]  # full-width, with a hyphen
    response = _post(clerk_client, batch, page, numbers)
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("admin:letters_mailingbatch_status", args=[batch.pk])
    )
    for i, letter in enumerate(letters):
        letter.refresh_from_db()
        assert letter.tracking_number == tracking(i + 1) and letter.posted_at == SCAN_AT
        record = letter.history.order_by("-history_id").first()  # (the clock is frozen earlier than the batch)
        assert record.history_user == clerk and record.history_change_reason == "お問い合わせ番号の入力（差出）"
        assert Application.objects.get(pk=letter.application_id).status == Application.Status.LETTER_SENT
    assert ProcedureSubmission.objects.count() == 1
    again = _post(clerk_client, batch, page, numbers)  # the same form sent twice: one effect
    assert again.status_code == 200 and again.context["already_recorded"]
    assert Letter.objects.filter(batch=batch).count() == 3
    # once in, the 差出票 can be printed from the batch's list page
    listing = clerk_client.get(reverse("admin:letters_mailingbatch_list", args=[batch.pk])).content.decode()
    assert 'id="mailing-list-print"' in listing


def test_the_service_is_one_transaction(batch, clerk):
    """A failure on the last letter (its application ended meanwhile) leaves the first ones unsaved."""
    from jpki import services as jpki_services

    letters = mailing.batch_letters(batch)
    jpki_services.application_cancel(application=letters[2].application, actor=clerk, reason="取下げ", at=SCAN_AT)
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters)}
    with pytest.raises(ValidationError) as exc:
        mailing.batch_record_tracking(batch=batch, actor=clerk, reason="入力", numbers=numbers, at=SCAN_AT)
    assert list(exc.value.message_dict) == [f"tracking_{letters[2].pk}"]  # shown at that letter's field
    assert exc.value.message_dict[f"tracking_{letters[2].pk}"][0].startswith(letters[2].reference)
    assert not Letter.objects.filter(batch=batch).exclude(tracking_number="").exists()
    assert not Letter.objects.filter(batch=batch, posted_at__isnull=False).exists()


def test_only_staff_who_record_letters_may_scan(client, batch, db):
    from django.contrib.auth.models import User

    outsider = User.objects.create_user("outsider", password="outsider-pass-2026", is_staff=True)
    client.force_login(outsider)
    assert client.get(_url(batch)).status_code == 403
    client.force_login(UserFactory(username="clerk-2"))
    assert client.get(_url(batch)).status_code == 200


def test_scan_and_list_pages_take_the_same_queries_for_2_or_4_letters(clerk_client, clerk, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = printed_batch(clerk, office, n=2), printed_batch(clerk, office, n=4)
    counts = []
    for batch in (small, large):
        for url in (_url(batch), reverse("admin:letters_mailingbatch_list", args=[batch.pk])):
            with CaptureQueriesContext(connection) as queries:
                assert clerk_client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:], counts


def test_scan_page_query_count(clerk_client, batch, django_assert_num_queries):
    clerk_client.get(_url(batch))  # warm the session and the permission caches
    with django_assert_num_queries(11):  # session, user, staff profile, batch, letters, token, read log ...
        clerk_client.get(_url(batch))


def test_the_batch_page_links_to_the_scan_and_the_list(clerk_client, batch):
    page = clerk_client.get(reverse("admin:letters_mailingbatch_change", args=[batch.pk])).content.decode()
    assert _url(batch) in page and reverse("admin:letters_mailingbatch_list", args=[batch.pk]) in page


def test_mailing_list_printed_once_per_submit_and_downloaded(clerk_client, batch, clerk):
    from letters.models import LetterAccess, MailingListPrint
    from tests.letters.pdfcheck import text_of

    letters = mailing.batch_letters(batch)
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters)}
    mailing.batch_record_tracking(batch=batch, actor=clerk, reason="入力", numbers=numbers, at=SCAN_AT)
    url = reverse("admin:letters_mailingbatch_list", args=[batch.pk])
    page = clerk_client.get(url)
    data = {page.context["submission_field"]: page.context["submission_token"], "reason": "差出票の印刷"}
    assert clerk_client.post(url, data).status_code == 302
    assert clerk_client.post(url, data).context["already_recorded"]  # a double submit prints once
    printed = MailingListPrint.objects.get()
    assert printed.version == 1 and printed.printed_by == clerk
    listing = clerk_client.get(url).content.decode()
    download = reverse("admin:letters_mailingbatch_list_pdf", args=[batch.pk, 1])
    assert download in listing and "差出票を再印刷する" in listing
    pdf = clerk_client.get(download)
    assert pdf.status_code == 200 and "簡易書留郵便物等差出票" in text_of(pdf.content)[0]
    assert LetterAccess.objects.filter(batch=batch, user=clerk, action="download").exists()
