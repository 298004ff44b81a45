"""The single letter's 差出を記録 form and the services behind it refuse what the scan screen refuses
(a tracking number whose check digit does not fit, with the same message, at the field), and no
mailing, return or reply is recorded at a time in the future (a few minutes of clock skew aside)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from letters import mailing, services
from letters.models import Letter
from tests.admin.conftest import frozen
from tests.conftest import at
from tests.letters.mailing_world import tracking, wrong_check_digit

POSTED = at(2026, 11, 25, 9, 30)
NOW = at(2026, 12, 2, 14, 0)


def _history_count(letter) -> int:
    return Letter.history.filter(id=letter.pk).count()


def _post_form(client, name, letter, data):
    url = reverse(name, args=[letter.pk])
    token = client.get(url).context["submission_token"]
    return client.post(url, {**data, "_submission": token})


@pytest.mark.parametrize(
    "number", [wrong_check_digit(tracking(7, 11)), wrong_check_digit(tracking(8, 12)), "12345678901"]
)
def test_the_service_refuses_a_wrong_check_digit_like_the_scan_screen(inquiry, clerk, number):
    with pytest.raises(ValidationError) as scan:
        mailing.check_tracking_number(number)
    with pytest.raises(ValidationError) as single:
        services.letter_record_mailing(letter=inquiry, actor=clerk, reason="差出", tracking_number=number, at=POSTED)
    assert single.value.message_dict == scan.value.message_dict == {"tracking_number": [str(mailing.MSG_CHECK_DIGIT)]}
    inquiry.refresh_from_db()
    assert inquiry.posted_at is None and inquiry.tracking_number == ""


def test_the_single_letter_form_shows_the_check_digit_error_at_its_field(client, inquiry, clerk):
    client.force_login(clerk)
    before = _history_count(inquiry)
    page = _post_form(
        client,
        "admin:letters_letter_mailing",
        inquiry,
        {"reason": "差出", "mail_class": "registered", "tracking_number": wrong_check_digit(tracking(9))},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["tracking_number"] == [str(mailing.MSG_CHECK_DIGIT)]
    assert str(mailing.MSG_CHECK_DIGIT) in page.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.posted_at is None and _history_count(inquiry) == before
    assert inquiry.application.status == "awaiting_letter"


def test_a_right_number_is_recorded_from_the_single_letter_form(client, inquiry, clerk):
    client.force_login(clerk)
    number = tracking(10, 13)
    page = _post_form(
        client,
        "admin:letters_letter_mailing",
        inquiry,
        {"reason": "差出", "mail_class": "registered", "tracking_number": number},
    )
    assert page.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.tracking_number == number and inquiry.posted_at is not None


# --- times in the future -------------------------------------------------------------------------


def test_mailing_a_minute_ahead_is_clock_skew_but_ten_minutes_ahead_is_refused(inquiry, clerk):
    with frozen(NOW):
        with pytest.raises(ValidationError) as exc:
            services.letter_record_mailing(
                letter=inquiry,
                actor=clerk,
                reason="差出",
                tracking_number=tracking(11),
                at=NOW + dt.timedelta(minutes=10),
            )
        (message,) = exc.value.message_dict["at"]
        assert "差出日時が未来になっています" in message and "2026-12-02 14:10" in message
        inquiry.refresh_from_db()
        assert inquiry.posted_at is None and inquiry.application.status == "awaiting_letter"
        skew = NOW + mailing.CLOCK_SKEW
        letter = services.letter_record_mailing(
            letter=inquiry, actor=clerk, reason="差出", tracking_number=tracking(11), at=skew
        )
    assert letter.posted_at == skew


def test_return_and_reply_in_the_future_are_refused(inquiry, clerk):
    letter = services.letter_record_mailing(
        letter=inquiry, actor=clerk, reason="差出", tracking_number=tracking(12), at=POSTED
    )
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as returned:
        services.letter_record_return(
            letter=letter, actor=clerk, reason="返戻", return_reason="forward_unknown", at=tomorrow
        )
    assert "返戻日時が未来になっています" in returned.value.message_dict["at"][0]
    with pytest.raises(ValidationError) as replied:
        services.letter_record_reply(letter=letter, actor=clerk, reason="回答書受理", at=tomorrow)
    assert "受理日時が未来になっています" in replied.value.message_dict["at"][0]
    letter.refresh_from_db()
    assert letter.returned_at is None and letter.reply_received_at is None
    assert letter.application.status == "letter_sent"


@pytest.mark.parametrize(
    "name, data, label",
    [
        ("admin:letters_letter_mailing", {"mail_class": "registered", "tracking_number": tracking(13)}, "差出日時"),
        ("admin:letters_letter_return", {"return_reason": "refused"}, "返戻日時"),
        ("admin:letters_letter_reply", {}, "受理日時"),
    ],
)
def test_the_forms_show_a_future_time_at_the_field_and_record_nothing(client, inquiry, clerk, name, data, label):
    if name != "admin:letters_letter_mailing":
        inquiry = services.letter_record_mailing(
            letter=inquiry, actor=clerk, reason="差出", tracking_number=tracking(14), at=POSTED
        )
    client.force_login(clerk)
    before = _history_count(inquiry)
    next_year = timezone.localtime() + dt.timedelta(days=365)  # the year mistyped
    page = _post_form(client, name, inquiry, {**data, "reason": "記録", "at": f"{next_year:%Y-%m-%d %H:%M}"})
    assert page.status_code == 200
    (message,) = page.context["form"].errors["at"]
    assert f"{label}が未来になっています" in message
    assert _history_count(inquiry) == before


def test_a_date_typed_alone_today_is_accepted(client, inquiry, clerk):
    """The return form's 返戻日 takes a date alone (midnight of that day): today is not the future."""
    inquiry = services.letter_record_mailing(
        letter=inquiry, actor=clerk, reason="差出", tracking_number=tracking(15), at=POSTED
    )
    client.force_login(clerk)
    today = timezone.localdate()
    page = _post_form(
        client, "admin:letters_letter_return", inquiry, {"reason": "返戻", "return_reason": "refused", "at": f"{today}"}
    )
    assert page.status_code == 302
    inquiry.refresh_from_db()
    assert timezone.localtime(inquiry.returned_at).date() == today


def test_the_scan_screen_service_refuses_a_future_posting(clerk, office):
    from tests.letters.mailing_world import printed_batch

    batch = printed_batch(clerk, office, n=1)
    letter = batch.letters.get()
    with pytest.raises(ValidationError) as exc:
        mailing.batch_record_tracking(
            batch=batch,
            actor=clerk,
            reason="入力",
            numbers={letter.pk: tracking(16)},
            at=timezone.now() + dt.timedelta(hours=2),
        )
    assert "差出日時が未来になっています" in exc.value.message_dict["at"][0]
    letter.refresh_from_db()
    assert letter.posted_at is None
