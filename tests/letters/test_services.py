"""Records: references, re-prints, mailing, returns, replies, batches, history."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jpki.models import Application
from letters import services
from letters.models import Letter, LetterAccess, MailingBatch
from tests.conftest import at

from .pdfcheck import text_of

POSTED = at(2026, 11, 25, 9, 30)


def _post(letter, clerk, number="1234-5678-9013"):
    return services.letter_record_mailing(letter=letter, actor=clerk, reason="差出", tracking_number=number, at=POSTED)


def test_letter_is_stored_privately_with_its_hash_and_history(inquiry, clerk, private_storage):
    assert inquiry.pdf.path.startswith(str(private_storage))
    data = services.letter_pdf_bytes(inquiry)
    assert hashlib.sha256(data).hexdigest() == inquiry.sha256
    record = inquiry.history.first()
    assert record.history_user == clerk and record.history_change_reason == "照会書の作成"


def test_find_by_reference_understands_typed_and_scanned_forms(inquiry):
    ref = inquiry.reference
    compact = ref.replace("-", "").lower()
    wide = ref.translate(str.maketrans("SU-0123456789", "ＳＵ－０１２３４５６７８９"))
    for text in (ref, f"  {ref}\n", compact, wide):
        assert services.find_by_reference(text) == inquiry, text
    assert services.find_by_reference("SU-1999-000001") is None
    assert services.find_by_reference("garbage") is None


def test_reprint_is_a_new_version_and_never_touches_the_old_pdf(inquiry, clerk):
    old_path, old_sha = inquiry.pdf.path, inquiry.sha256
    new = services.letter_reprint(letter=inquiry, actor=clerk, reason="印刷不良のため")
    inquiry.refresh_from_db()
    assert new.reference_root == inquiry.reference_root and new.version == 2
    assert new.reference == f"{inquiry.reference_root}-2"
    assert new.previous == inquiry and new.reason == "印刷不良のため"
    assert new.is_current and not inquiry.is_current
    assert new.pdf.path != old_path
    assert hashlib.sha256(open(old_path, "rb").read()).hexdigest() == old_sha
    assert services.find_by_reference(inquiry.reference) == inquiry  # the scanned version is the one opened
    assert services.find_by_reference(new.reference.replace("-", "")) == new
    assert services.find_by_reference(new.reference).application == inquiry.application
    with pytest.raises(ValidationError):
        services.letter_reprint(letter=inquiry, actor=clerk, reason="古い版から")
    with pytest.raises(ValidationError) as exc:
        services.letter_reprint(letter=new, actor=clerk, reason="")
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("1234-5678-9012", "123456789012"),
        ("１２３４５６７８９０１", "12345678901"),
        ("1234 5678 9012 3", "1234567890123"),
    ],
)
def test_tracking_numbers_are_normalized(typed, stored):
    assert services.normalize_tracking_number(typed) == stored


@pytest.mark.parametrize("bad", ["", "1234-5678", "12345678901234", "1234-5678-901A"])
def test_bad_tracking_numbers_are_refused(inquiry, clerk, bad):
    with pytest.raises(ValidationError) as exc:
        _post(inquiry, clerk, bad)
    assert "tracking_number" in exc.value.message_dict


def test_mailing_marks_the_application_letter_sent(inquiry, clerk):
    letter = _post(inquiry, clerk)
    assert letter.tracking_number == "123456789013" and letter.tracking_number_display == "1234-5678-9013"
    assert letter.posted_at == POSTED and letter.mail_class == "registered"
    app = Application.objects.get(pk=inquiry.application_id)
    assert app.status == "letter_sent" and app.proxy.stage == "letter_sent"
    with pytest.raises(ValidationError):
        _post(inquiry, clerk, "1234-5678-9024")


def test_return_ends_the_application_without_issuance(inquiry, clerk):
    _post(inquiry, clerk)
    letter = services.letter_record_return(
        letter=inquiry, actor=clerk, reason="返戻", return_reason="address_unknown", at=at(2026, 11, 30, 11, 0)
    )
    app = Application.objects.get(pk=inquiry.application_id)
    assert letter.returned_at is not None and letter.get_return_reason_display() == "あて所に尋ねあたりません"
    assert app.status == "returned" and not app.is_open
    assert app.proxy.return_reason == "あて所に尋ねあたりません"
    assert not app.certificates.exists()
    with pytest.raises(ValidationError):
        services.letter_record_reply(letter=letter, actor=clerk, reason="回答")
    with pytest.raises(ValidationError):
        services.letter_reprint(letter=letter, actor=clerk, reason="再送")


def test_return_before_posting_is_refused(inquiry, clerk):
    with pytest.raises(ValidationError):
        services.letter_record_return(letter=inquiry, actor=clerk, reason="返戻", return_reason="refused")


def test_reply_leads_to_visit2(inquiry, clerk):
    _post(inquiry, clerk)
    services.letter_record_reply(letter=inquiry, actor=clerk, reason="回答書受理", at=at(2026, 12, 1, 10, 0))
    app = Application.objects.get(pk=inquiry.application_id)
    assert app.status == "reply_received" and app.proxy.stage == "reply_received"


def test_inquiry_only_for_proxy_applications(resident, clerk, proxy_application):
    proxy_application.applicant_type = "self"
    with pytest.raises(ValidationError):
        services._check_kind("inquiry", proxy_application)


def test_print_day_makes_missing_letters_renders_once_and_logs(proxy_application, clerk, office):
    result = services.print_day(actor=clerk, reason="本日分の照会書", office=office, on=POSTED.date())
    letter = Letter.objects.get(application=proxy_application, kind="inquiry")
    assert result.letters == 1 and result.pages == 3  # 2 letter pages + the mailing list
    assert letter.batch == result.batch and letter.batch_first_page == 1 and letter.page_count == 2
    assert not letter.pdf  # its pages live in the batch PDF, stored once
    pages = text_of(result.pdf)
    assert letter.reference in pages[0] and "差出票" in pages[2] and letter.reference in pages[2]
    own = services.letter_pdf_bytes(letter)
    assert len(text_of(own)) == 2 and letter.reference in text_of(own)[1]
    assert LetterAccess.objects.filter(letter=letter, action="print", user=clerk).exists()
    assert services.print_day(actor=clerk, reason="もう一度", office=office) is None  # nothing left
    with pytest.raises(ValidationError):
        services.mailing_batch_print(batch=result.batch, actor=clerk, reason="再印刷")


def test_print_letters_command(proxy_application, clerk, office, tmp_path):
    out = tmp_path / "day.pdf"
    call_command(
        "print_letters",
        "--user",
        clerk.username,
        "--office",
        office.code,
        "--date",
        "2026-11-25",
        "--output",
        str(out),
        verbosity=0,
    )
    batch = MailingBatch.objects.get()
    assert batch.date.isoformat() == "2026-11-25" and batch.letters.count() == 1
    assert out.read_bytes() == open(batch.pdf.path, "rb").read()


def test_specimens_write_every_kind_without_touching_the_database(db, tmp_path, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        call_command("letter_specimens", str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} >= {f"{k}.pdf" for k in Letter.Kind.values}
    assert Letter.objects.count() == 0


def test_ledger_rows_and_csv(office):
    rows = services.ledger_rows(office=office, start=POSTED.date(), end=POSTED.date())
    assert rows == []
    assert services.ledger_csv(rows).startswith("発行日,申請番号")
