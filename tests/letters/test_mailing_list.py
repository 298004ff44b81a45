"""The mailing list the post office takes (差出票): printed only after the tracking numbers are in,
with Japan Post's columns (番号, 受取人, 料金, 備考), a total, its own page numbers, 転送不要 whole;
each print (and re-print) a stored version with who and when."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from jpki.models import Application
from letters import mailing, render
from letters.models import Letter, MailingListPrint
from tests.conftest import at
from tests.factories import ResidentFactory

from .mailing_world import printed_batch, tracking
from .pdfcheck import text_of

SCANNED_AT = at(2026, 11, 25, 17, 0)


@pytest.fixture
def batch(clerk, office):
    return printed_batch(clerk, office, n=3)


def _scan_all(batch, clerk, skip: int | None = None):
    letters = mailing.batch_letters(batch)
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters) if i != skip}
    mailing.batch_record_tracking(batch=batch, actor=clerk, reason="お問い合わせ番号の入力", numbers=numbers)
    return letters


def test_the_batch_pdf_carries_a_check_list_not_a_mailing_list(batch):
    last = text_of(open(batch.pdf.path, "rb").read())[-1]
    assert "封入確認表（差出票ではありません）" in last
    assert "郵便物等差出票" not in last


def test_no_mailing_list_until_every_number_is_in(batch, clerk):
    letters = mailing.batch_letters(batch)
    missing = mailing.list_missing(batch)
    assert [lt.pk for lt in missing.letters] == [lt.pk for lt in letters]
    assert "お問い合わせ番号が未入力の照会書が3通あります" in missing.message
    _scan_all(batch, clerk, skip=1)
    missing = mailing.list_missing(batch)
    assert [lt.reference for lt in missing.letters] == [letters[1].reference]
    with pytest.raises(ValidationError) as exc:
        mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷", at=SCANNED_AT)
    assert letters[1].reference in exc.value.messages[0] and "1通" in exc.value.messages[0]
    assert not MailingListPrint.objects.exists()


def test_mailing_list_has_the_post_office_columns_fees_and_total(batch, clerk, settings):
    letters = _scan_all(batch, clerk)
    assert mailing.list_missing(batch) is None
    printed = mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷", at=SCANNED_AT)
    data = open(printed.pdf.path, "rb").read()
    assert hashlib.sha256(data).hexdigest() == printed.sha256
    pages = text_of(data)
    text = "\n".join(pages)
    assert "簡易書留郵便物等差出票" in text and "封入確認表" not in text
    header = next(line for line in text.splitlines() if line.startswith("項 "))
    assert header.split() == ["項", "番号", "受取人（あて先・あて名）", "種類", "料金", "備考"]
    fee = settings.MAIL_POSTAGE_BASE + settings.MAIL_FEE_SIMPLE_REGISTERED
    for i, letter in enumerate(letters, start=1):
        letter.refresh_from_db()
        row = next(line for line in text.splitlines() if letter.tracking_number_display in line)
        assert row.startswith(f"{i} {letter.tracking_number_display}")  # the list's order, number first
        assert f"{fee:,}円" in row
    assert f"合計 3通 {3 * fee:,}円" in text
    assert printed.total_fee == 3 * fee and printed.letter_count == 3
    assert pages[0].rstrip().endswith("1 / 1頁")
    assert printed.printed_by == clerk and printed.version == 1
    assert printed.history.first().history_change_reason == "差出票の印刷"


def test_fees_come_from_the_settings(batch, clerk, settings):
    settings.MAIL_POSTAGE_BASE = 110
    settings.MAIL_FEE_SIMPLE_REGISTERED = 480
    _scan_all(batch, clerk)
    printed = mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷", at=SCANNED_AT)
    assert printed.total_fee == 3 * 590
    assert "1,770円" in "\n".join(text_of(open(printed.pdf.path, "rb").read()))


def test_each_print_is_a_stored_version(batch, clerk, supervisor):
    _scan_all(batch, clerk)
    first = mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷", at=SCANNED_AT)
    again = mailing.mailing_list_print(
        batch=batch, actor=supervisor, reason="郵便局で書き損じたため", at=at(2026, 11, 25, 17, 20)
    )
    assert [p.version for p in batch.list_prints.order_by("version")] == [1, 2]
    assert again.printed_by == supervisor and again.reason == "郵便局で書き損じたため"
    assert first.pdf.path != again.pdf.path and open(first.pdf.path, "rb").read().startswith(b"%PDF")
    assert "第2版" in text_of(open(again.pdf.path, "rb").read())[0]


def _letters_in_memory(n: int) -> list[Letter]:
    letters = []
    for i in range(n):
        resident = ResidentFactory.build(
            name="髙橋　𠮷太郎",
            postal_code="564-0041",
            address_town="大阪府吹田市泉町",
            address_block=f"2丁目{i + 1}番4号",
            address_building="山﨑ハイツ203号室",
        )
        letters.append(
            Letter(
                kind="inquiry",
                reference=f"SU-2026-{i + 1:06d}",
                mail_class="registered",
                tracking_number=tracking(i + 1),
                application=Application(resident=resident),
            )
        )
    return letters


def test_long_list_numbers_its_own_pages_and_keeps_the_forwarding_mark_whole(office):
    pdf = render.render_mailing_list(
        office=office, on=SCANNED_AT.date(), number=1, letters=_letters_in_memory(40), printed_at=SCANNED_AT
    )
    pages = text_of(pdf)
    assert len(pages) >= 2
    for k, page in enumerate(pages, start=1):
        assert page.rstrip().endswith(f"{k} / {len(pages)}頁")
    text = "\n".join(pages)
    lines = text.splitlines()
    assert all("転送不要" in line for line in lines if "転送" in line or line.startswith("要"))
    assert sum(line.count("転送不要") for line in lines) == 40 + 1  # every row, and the closing note


def test_a_letter_replaced_before_posting_leaves_the_list(batch, clerk):
    from letters import services

    replaced = mailing.batch_letters(batch)[0]
    services.letter_reprint(letter=replaced, actor=clerk, reason="封入時に汚損したため", at=SCANNED_AT)
    letters = mailing.batch_letters(batch)
    assert replaced.pk not in [lt.pk for lt in letters] and len(letters) == 2
    numbers = {lt.pk: tracking(i + 1) for i, lt in enumerate(letters)}
    mailing.batch_record_tracking(batch=batch, actor=clerk, reason="入力", numbers=numbers, at=SCANNED_AT)
    printed = mailing.mailing_list_print(batch=batch, actor=clerk, reason="差出票の印刷", at=SCANNED_AT)
    assert printed.letter_count == 2
    assert replaced.reference not in "\n".join(text_of(open(printed.pdf.path, "rb").read()))


def test_each_mail_class_has_its_own_fee(office, settings):
    letters = _letters_in_memory(2)
    letters[1].mail_class = "recorded"
    pdf = render.render_mailing_list(
        office=office, on=SCANNED_AT.date(), number=1, letters=letters, printed_at=SCANNED_AT
    )
    text = text_of(pdf)[0]
    registered = settings.MAIL_POSTAGE_BASE + settings.MAIL_FEE_SIMPLE_REGISTERED
    recorded = settings.MAIL_POSTAGE_BASE + settings.MAIL_FEE_RECORDED
    assert "書留・特定記録郵便物等差出票" in text
    lines = text.splitlines()
    assert f"{registered:,}円" in next(line for line in lines if line.startswith("1 "))
    assert f"{recorded:,}円" in next(line for line in lines if line.startswith("2 "))
    assert f"合計 2通 {registered + recorded:,}円" in text
