"""The messages a user meets only on errors and refusals are English in the English UI (issue 14, point 5).

Each case triggers a refusal through the public services, forms and screens under
``translation.override("en")`` (or the header's language switch for a screen) and asserts that no
Japanese character is left in the message once the data the test itself gave (a name, an address, a
character) is removed. The same refusals in Japanese (the default language, as the CLI runs) stay Japanese.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from jpki import services as jpki_services
from jpki.models import FeedRun
from letters import fit, mailing
from letters import services as letter_services
from residents import services as register
from residents.feed import COLUMNS, parse_feed
from residents.models import Resident
from tests.conftest import at
from tests.factories import CardFactory, ResidentFactory
from tests.i18n.test_english_complete import JAPANESE, english_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
ROW = {
    "event_id": "E1",
    "event": "move_in",
    "effective_on": "2026-11-20",
    "resident_key": "K1",
    "name": "SMITH　JOHN",
    "name_kana": "スミス　ジョン",
    "alias": "",
    "alias_kana": "",
    "birth_date": "1985-06-01",
    "sex": "1",
    "postal_code": "564-0041",
    "address_town": "大阪府吹田市泉町",
    "address_block": "2丁目5番12号",
    "address_building": "",
    "status_of_residence": "",
    "period_of_stay_ends_on": "",
}
# What the rows above put into a message: the data, never a UI string.
ROW_DATA = ["スミス　ジョン", "SMITH　JOHN", "大阪府吹田市泉町", "2丁目5番12号"]


def japanese_left(message: str, data=()) -> list[str]:
    """The Japanese runs of ``message`` once the given data is removed (longest first)."""
    text = str(message)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return JAPANESE.findall(text)


def messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def assert_english(messages, data=()):
    assert messages, "no message to check"
    for message in messages:
        assert not japanese_left(message, data), message
        assert JAPANESE.sub("", message).strip(), message  # there is an English text around the data


def feed_bytes(*rows: dict) -> bytes:
    lines = [",".join(COLUMNS)] + [",".join({**ROW, **row}[c] for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()


# --- the register feed ---------------------------------------------------------------------------------------


BAD_ROWS = [
    {"event_id": "E1", "event": "arrival"},
    {"event_id": "E2", "effective_on": "2026-13-01"},
    {"event_id": "E3", "sex": "9", "postal_code": "12-34"},
    {"event_id": "E4", "resident_key": "TOO-LONG-KEY-0000000"},
    {"event_id": "E5", "birth_date": "2030-01-01"},
    {"event_id": "E1"},  # a duplicate event_id
    {"event_id": "E7", "name": ""},
]


def test_the_feed_refusals_are_english():
    with translation.override("en"):
        parsed = parse_feed(feed_bytes(*BAD_ROWS), today=TODAY)
        header = parse_feed(b"event_id,event,colour\nE1,birth,red\n", today=TODAY)
        encoding = parse_feed(b"x", encoding="latin-9", today=TODAY)
    reasons = [r.reason for r in [*parsed.refusals, *header.refusals, *encoding.refusals]]
    assert len(parsed.refusals) == len(BAD_ROWS)
    assert_english(reasons, ROW_DATA)
    assert any("Unknown kind of event" in r for r in reasons) and any("Unknown columns: colour" in r for r in reasons)


def test_the_feed_refusals_stay_japanese_in_the_default_language():
    parsed = parse_feed(feed_bytes({"event": "arrival"}), today=TODAY)
    assert parsed.refusals[0].reason == "異動の種類「arrival」は不明です。"


def test_a_refused_feed_row_as_the_admin_shows_it_is_english(supervisor, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    ResidentFactory(resident_key="M1", name="SMITH　JOHN", name_kana="スミス　ジョン")
    data = feed_bytes(
        {"event_id": "E-1", "event": "death", "resident_key": "NOBODY"},
        {"event_id": "E-2", "event": "move_within", "resident_key": "M1", "address_block": "3丁目1番1号"},
        {"event_id": "E-3", "event": "birth", "resident_key": "N1", "name": "髙橋　花子", "birth_date": "2026-11-20"},
    )
    client = english_client(supervisor)
    upload = SimpleUploadedFile("feed.csv", data, content_type="text/csv")
    response = client.post(reverse("admin:jpki_feedrun_upload"), {"file": upload, "encoding": "utf-8"})
    run = FeedRun.objects.get()
    assert run.outcome == FeedRun.Outcome.DRY_RUN_REFUSED
    page = client.get(response.url).content.decode()
    reason = run.report["refusals"][0]["reason"]
    assert reason == "No resident with person number NOBODY is registered (nobody to record “Deceased” for)."
    assert reason.replace("“", "&ldquo;").replace("”", "&rdquo;") in page or reason in page
    assert "Move within the city (move_within)" in page  # the count's label, composed by the screen
    assert "髙 (U+9AD9)→ 高" in page  # a character a certificate cannot hold, and its substitute


# --- the register's services ---------------------------------------------------------------------------------


def test_register_service_refusals_are_english(clerk):
    departed = ResidentFactory(status=Resident.Status.DECEASED)
    cases = []
    with translation.override("en"):
        for call in (
            lambda: register.resident_register(actor=clerk, reason="", name="X"),
            lambda: register.resident_register(actor=clerk, reason="r", name="SMITH　JOHN", colour="red"),
            lambda: register.resident_register(actor=clerk, reason="r", name="SMITH　JOHN"),
            lambda: register.register_departure(
                resident=departed, status=Resident.Status.MOVED_OUT, on=TODAY, actor=clerk, reason="r"
            ),
            lambda: register.substitution_check(original="A", substitute="", note="\x00"),
            lambda: register.clean_resident_key("1234-5678"),
        ):
            with pytest.raises(ValidationError) as refused:
                call()
            cases += messages_of(refused.value)
    assert_english(cases, ["SMITH　JOHN"])
    assert "Already recorded as “Deceased”." in cases


def test_certificate_service_refusals_are_english(clerk, office):
    resident = ResidentFactory(status=Resident.Status.MOVED_OUT)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            jpki_services.certificates_issue(
                resident=resident,
                actor=clerk,
                reason="r",
                signing=True,
                user=True,
                office=office,
                at=at(2026, 11, 24),
            )
        found = messages_of(refused.value)
    assert_english(found)
    assert any("(Moved out)" in message for message in found)


# --- the letters -----------------------------------------------------------------------------------------------


def test_the_fit_refusals_are_english_and_name_the_field():
    with translation.override("en"):
        with pytest.raises(fit.AddressBlockDoesNotFit) as too_long:
            fit.fit_address_block(
                postal_code="564-0041",
                address="大阪府吹田市泉町",
                building="",
                name="ALEXANDER " * 12,
                barcode=False,
                width_mm=80,
                height_mm=33,
            )
        with pytest.raises(fit.UnprintableCharacter) as unprintable:
            fit.check_printable([("方書", "ハイツ\ue000")])
        found = messages_of(too_long.value), messages_of(unprintable.value)
    assert too_long.value.field_label == "氏名"  # the key stays; the message is in the user's language
    assert "The Name is too long" in found[0][0]
    assert_english(found[0])
    assert_english(found[1], ["ハイツ\ue000"])
    assert "Building" in found[1][0]


def test_letter_service_refusals_are_english(clerk, office):
    from tests.letters.mailing_world import visit1

    resident = ResidentFactory(name="SMITH　JOHN", name_kana="スミス　ジョン")
    CardFactory(resident=resident)
    application = visit1(resident, clerk, office)
    found = []
    with translation.override("en"):
        for call in (
            lambda: letter_services.letter_create(
                kind="validity_slip", application=application, actor=clerk, reason="r", at=at(2026, 11, 24, 15)
            ),
            lambda: letter_services.letter_create(
                kind="nonsense", application=application, actor=clerk, reason="r", at=at(2026, 11, 24, 15)
            ),
            lambda: letter_services.mailing_batch_create(actor=clerk, reason="", office=office),
        ):
            with pytest.raises(ValidationError) as refused:
                call()
            found += messages_of(refused.value)
    assert_english(found)


def test_tracking_number_errors_are_english():
    with translation.override("en"):
        with pytest.raises(ValidationError) as short:
            letter_services.normalize_tracking_number("１２３４")
        body = "12345678901"
        wrong = str((mailing.tracking_check_digit(body) + 1) % 7)
        with pytest.raises(ValidationError) as check_digit:
            mailing.check_tracking_number(body + wrong)
        found = messages_of(short.value) + messages_of(check_digit.value)  # lazy ones: in the request's language
    assert_english(found)
    assert "check digit" in found[1]


def test_the_safety_checks_are_english(clerk):
    resident = ResidentFactory()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            register.register_change(resident=resident, actor=clerk, reason="r", address_building="A\x07")
        found = messages_of(refused.value)
    assert_english(found)
    assert "U+0007" in found[0]


def test_the_mailing_list_refusal_and_the_lockout_page_are_english(rf):
    from jpki import security
    from letters.models import Letter

    letters = [Letter(reference=f"SU-2026-00000{i}") for i in range(7)]
    with translation.override("en"):
        missing = mailing.ListMissing(letters).message
        page = security.lockout_response(rf.post("/admin/login/")).content.decode()
    assert missing.startswith("7 inquiry letter(s) have no tracking number yet (SU-2026-000000, ")
    assert " and 2 more)" in missing
    assert_english([missing])
    assert '<html lang="en"' in page and "Cannot log in" in page
    assert not japanese_left(page)
