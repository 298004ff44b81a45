"""Reprinting a letter that was already mailed: the confirm step warns 「この通知はすでに発送済みです」
with the date and tracking number, a reason is required, and the mailed version stays the current one
(the one its mailing record belongs to); the reprint is a new version marked as a copy."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters import services
from letters.models import Letter
from tests.admin.conftest import frozen
from tests.conftest import at

POSTED = at(2026, 11, 25, 17, 0)
NUMBER = "131-12-38385-2"


@pytest.fixture
def mailed(inquiry, clerk):
    return services.letter_record_mailing(letter=inquiry, actor=clerk, reason="差出", tracking_number=NUMBER, at=POSTED)


def test_reprint_of_a_mailed_letter_is_a_copy_and_the_mailed_version_stays_current(mailed, clerk):
    copy = services.letter_reprint(letter=mailed, actor=clerk, reason="本人から再送の依頼", at=at(2026, 11, 27, 10))
    mailed.refresh_from_db()
    assert mailed.is_current and mailed.tracking_number == "13112383852" and mailed.posted_at == POSTED
    assert not copy.is_current and copy.reprint_after_mailing and copy.previous == mailed
    assert copy.version == 2 and copy.tracking_number == "" and copy.posted_at is None
    assert copy.reason.startswith("発送済みの通知の再印刷（控え）")
    assert services.find_by_reference(mailed.reference_root) == mailed  # a scanned reply lands on the mailed one
    second = services.letter_reprint(letter=mailed, actor=clerk, reason="もう一部", at=at(2026, 11, 27, 11))
    assert second.version == 3 and not second.is_current
    assert Letter.objects.filter(reference_root=mailed.reference_root, is_current=True).get() == mailed
    # the mailed letter's record goes on: the reply is recorded on it
    services.letter_record_reply(letter=mailed, actor=clerk, reason="回答書受理", at=at(2026, 12, 1, 10))
    mailed.refresh_from_db()
    assert mailed.reply_received_at is not None


def test_a_copy_cannot_be_mailed_or_batched(mailed, clerk, office):
    copy = services.letter_reprint(letter=mailed, actor=clerk, reason="控え", at=at(2026, 11, 27, 10))
    with pytest.raises(ValidationError):
        services.letter_record_mailing(letter=copy, actor=clerk, reason="差出", tracking_number="13112383863")
    assert copy not in services.letters_awaiting_batch(office=office)


def test_reprint_of_an_unmailed_letter_still_replaces_it(inquiry, clerk):
    new = services.letter_reprint(letter=inquiry, actor=clerk, reason="印刷不良のため")
    inquiry.refresh_from_db()
    assert new.is_current and not inquiry.is_current and not new.reprint_after_mailing


def test_mailed_warning_names_date_and_tracking_number(mailed, inquiry):
    text = services.mailed_warning(mailed)
    assert text.startswith("この通知はすでに発送済みです")
    assert "2026-11-25" in text and "1311-2383-852" in text
    assert services.mailed_warning(Letter(kind="inquiry")) is None


# --- the screen: form → confirm (the warning) → result ------------------------------------------------


def _url(letter):
    return reverse("admin:letters_letter_reprint", args=[letter.pk])


def test_confirm_step_warns_and_requires_a_reason(client, clerk, mailed):
    client.force_login(clerk)
    letter_page = client.get(reverse("admin:letters_letter_change", args=[mailed.pk])).content.decode()
    assert "再印刷（発送済みのため控え）" in letter_page
    form = client.get(_url(mailed))
    body = form.content.decode()
    assert "この通知はすでに発送済みです" in body and "1311-2383-852" in body
    token = {form.context["submission_field"]: form.context["submission_token"]}
    empty = client.post(_url(mailed), {**token, "reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    assert not empty.context["confirm"]
    with frozen(at(2026, 11, 27, 10)):
        confirm = client.post(_url(mailed), {**token, "reason": "本人から再送の依頼"})
    assert confirm.status_code == 200 and confirm.context["confirm"]
    page = confirm.content.decode()
    assert 'id="letter-mailed-warning"' in page and "差出日 2026-11-25" in page
    assert 'name="mailed_confirmed" value="1"' in page and "本人から再送の依頼" in page
    assert Letter.objects.filter(reference_root=mailed.reference_root).count() == 1  # nothing yet
    with frozen(at(2026, 11, 27, 10)):
        done = client.post(_url(mailed), {**token, "reason": "本人から再送の依頼", "mailed_confirmed": "1"})
    assert done.status_code == 302
    copy = Letter.objects.get(reference_root=mailed.reference_root, version=2)
    assert copy.reprint_after_mailing and not copy.is_current
    mailed.refresh_from_db()
    assert mailed.is_current
    with frozen(at(2026, 11, 27, 10)):  # the same confirmation sent twice: one copy
        client.post(_url(mailed), {**token, "reason": "本人から再送の依頼", "mailed_confirmed": "1"})
    assert Letter.objects.filter(reference_root=mailed.reference_root).count() == 2


def test_unmailed_letter_reprints_without_a_confirm_step(client, clerk, inquiry):
    client.force_login(clerk)
    form = client.get(_url(inquiry))
    assert "この通知はすでに発送済みです" not in form.content.decode()
    token = {form.context["submission_field"]: form.context["submission_token"]}
    with frozen(at(2026, 11, 24, 16)):
        done = client.post(_url(inquiry), {**token, "reason": "印刷不良のため"})
    assert done.status_code == 302
    assert Letter.objects.get(reference_root=inquiry.reference_root, is_current=True).version == 2
