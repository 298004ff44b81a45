"""Correcting a scanned tracking number (お問い合わせ番号の訂正): the clerk before the 差出票 is printed,
a supervisor after; the new number checked like a scanned one; one history row on the letter with
the old number in its history; a printed 差出票 marked stale, the re-print offered and then fresh."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters import mailing
from letters.models import Letter, MailingListPrint

from .mailing_world import printed_batch, tracking, wrong_check_digit
from .pdfcheck import text_of


@pytest.fixture
def batch(clerk, office):
    return printed_batch(clerk, office, n=2)


@pytest.fixture
def scanned(batch, clerk):
    """The batch's letters, their numbers scanned (the second one from the wrong envelope)."""
    letters = mailing.batch_letters(batch)
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters)}
    mailing.batch_record_tracking(batch=batch, actor=clerk, reason="お問い合わせ番号の入力", numbers=numbers)
    return [Letter.objects.get(pk=lt.pk) for lt in letters]


def _history(letter):
    return list(Letter.history.filter(id=letter.pk).order_by("-history_date", "-history_id"))


def _url(letter):
    return reverse("admin:letters_letter_tracking_correction", args=[letter.pk])


def _post(client, letter, number, reason="別の封筒のラベルを読み取っていたため"):
    token = client.get(_url(letter)).context["submission_token"]
    return client.post(_url(letter), {"tracking_number": number, "reason": reason, "_submission": token})


def test_the_clerk_corrects_before_the_list_is_printed_one_history_row_old_number_kept(client, clerk, scanned):
    letter = scanned[1]
    old, new = letter.tracking_number, tracking(40)
    before = _history(letter)
    client.force_login(clerk)
    scan = client.get(reverse("admin:letters_mailingbatch_tracking", args=[letter.batch_id]))
    assert _url(letter) in scan.content.decode()  # offered beside the number on the scan screen
    assert _url(letter) in client.get(reverse("admin:letters_letter_change", args=[letter.pk])).content.decode()
    response = _post(client, letter, f"{new[:4]}-{new[4:8]}-{new[8:]}")
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:letters_letter_change", args=[letter.pk]
    )
    letter.refresh_from_db()
    assert letter.tracking_number == new and letter.posted_at is not None
    after = _history(letter)
    assert len(after) == len(before) + 1  # one history row
    assert after[0].tracking_number == new and after[1].tracking_number == old  # the old number stays visible
    assert after[0].history_user == clerk
    assert after[0].history_change_reason == "お問い合わせ番号の訂正: 別の封筒のラベルを読み取っていたため"
    assert not MailingListPrint.objects.exists()


@pytest.mark.parametrize(
    "typed, message",
    [
        (wrong_check_digit(tracking(41)), str(mailing.MSG_CHECK_DIGIT)),
        ("1234-56", "11〜13桁の数字"),
        ("same", "今のお問い合わせ番号と同じです"),
        ("other", "既に別の郵便物"),
    ],
)
def test_a_bad_correction_is_refused_at_the_field_and_nothing_is_written(client, clerk, scanned, typed, message):
    letter = scanned[1]
    typed = {"same": letter.tracking_number, "other": scanned[0].tracking_number}.get(typed, typed)
    before = _history(letter)
    client.force_login(clerk)
    page = _post(client, letter, typed)
    assert page.status_code == 200
    assert any(message in error for error in page.context["form"].errors["tracking_number"])
    letter.refresh_from_db()
    assert letter.tracking_number == tracking(2) and len(_history(letter)) == len(before)


def test_a_letter_not_posted_cannot_be_corrected(client, batch, clerk):
    letter = mailing.batch_letters(batch)[0]
    client.force_login(clerk)
    page = client.get(_url(letter), follow=True)
    assert page.redirect_chain[-1][0] == reverse("admin:letters_letter_change", args=[letter.pk])
    assert "差出が記録され" in page.content.decode()
    with pytest.raises(ValidationError) as exc:
        mailing.letter_correct_tracking(letter=letter, actor=clerk, reason="訂正", tracking_number=tracking(42))
    assert "差出が記録され" in exc.value.messages[0]


def test_after_the_list_is_printed_only_a_supervisor_corrects_and_the_list_goes_stale(
    client, clerk, supervisor, batch, scanned
):
    first = mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷")
    letter = scanned[1]
    # the clerk: no link on the scan screen, no page, and the service refuses
    client.force_login(clerk)
    scan = client.get(reverse("admin:letters_mailingbatch_tracking", args=[batch.pk]))
    assert _url(letter) not in scan.content.decode()
    told = client.get(_url(letter), follow=True)  # the letter page's link: sent back with the reason
    assert told.redirect_chain[-1][0] == reverse("admin:letters_letter_change", args=[letter.pk])
    assert "印刷後のお問い合わせ番号の訂正は監督者が行います" in told.content.decode()
    assert client.post(_url(letter), {"tracking_number": tracking(43), "reason": "訂正"}).status_code == 302
    with pytest.raises(ValidationError) as exc:
        mailing.letter_correct_tracking(letter=letter, actor=clerk, reason="訂正", tracking_number=tracking(43))
    assert "監督者が行います" in exc.value.messages[0]
    letter.refresh_from_db()
    assert letter.tracking_number == tracking(2)
    # the supervisor: warned that the printed list goes stale, corrects, lands on the list page
    client.force_login(supervisor)
    page = client.get(_url(letter))
    assert "第1版" in page.context["warning"] and "再印刷が必要" in page.context["warning"]
    response = _post(client, letter, tracking(43), reason="ラベルの貼り違い")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:letters_mailingbatch_list", args=[batch.pk])
    letter.refresh_from_db()
    first.refresh_from_db()
    assert letter.tracking_number == tracking(43)
    assert first.stale_at is not None and letter.reference in first.stale_reason
    assert first.history.count() == 2  # the print, then its stale mark
    history = client.get(reverse("admin:letters_letter_history", args=[letter.pk])).content.decode()
    assert tracking(2) in history and tracking(43) in history and "ラベルの貼り違い" in history  # old → new, why
    # the clerk sees the stale notice and the re-print offered, on the list page and the batch page
    client.force_login(clerk)
    listing = client.get(reverse("admin:letters_mailingbatch_list", args=[batch.pk]))
    assert "差出票を再印刷してください" in listing.context["stale"]
    assert 'id="mailing-list-print"' in listing.content.decode()
    assert "訂正" in listing.context["form"]["reason"].value()
    status = client.get(reverse("admin:letters_mailingbatch_status", args=[batch.pk]))
    assert 'id="batch-mailing-list-stale"' in status.content.decode()
    second = mailing.mailing_list_print(batch=batch, actor=clerk, reason="お問い合わせ番号の訂正による差出票の再印刷")
    assert second.version == 2 and second.stale_at is None
    new_number = "".join(text_of(open(second.pdf.path, "rb").read())).replace("-", "").replace(" ", "")
    assert tracking(43) in new_number and tracking(2) not in new_number
    assert not client.get(reverse("admin:letters_mailingbatch_list", args=[batch.pk])).context["stale"]
