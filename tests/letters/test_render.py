"""What is on the paper: text, fonts, the window geometry, A4 portrait, nothing secret."""

import re

import pytest

from letters import render
from letters.models import Letter
from letters.services import letter_create, letter_pdf_bytes

from .pdfcheck import MM, chars, font_names, page_sizes, text_of

EXPECTED_FONTS = {"IPAexMincho", "IPAexMincho-Bold", "IPAmjMincho"}  # -Bold: IPAex明朝 emboldened by WeasyPrint


def _pdf(letter):
    return letter_pdf_bytes(letter)


@pytest.fixture
def all_letters(proxy_application, clerk, inquiry):
    made = [inquiry]
    for kind in ("application_form", "inquiry_request"):
        made.append(letter_create(kind=kind, application=proxy_application, actor=clerk, reason="窓口で記入"))
    return made


def test_inquiry_text_has_name_postal_code_no_forwarding_and_reference_on_every_page(inquiry, resident):
    pages = text_of(_pdf(inquiry))
    assert len(pages) == 2
    first = pages[0]
    assert "髙橋" in first and "𠮷太郎" in first
    assert "〒564-0041" in first
    assert "転送不要" in first
    assert "山﨑ハイツ203号室" in first
    assert "吹田市役所 市民部 市民課" in first and "06-6384-1231" in first
    for page in pages:
        assert inquiry.reference in page
    assert re.fullmatch(r"SU-2026-\d{6}", inquiry.reference)


def test_fonts_are_exactly_the_two_mincho_faces_embedded_and_subset(all_letters):
    for letter in all_letters:
        fonts = font_names(_pdf(letter))
        assert {name for name, _, _ in fonts} <= EXPECTED_FONTS, fonts
        assert {"IPAexMincho", "IPAmjMincho"} <= {name for name, _, _ in fonts}
        assert all(embedded and subset for _, embedded, subset in fonts), fonts


def test_register_characters_are_set_in_ipamj_mincho(inquiry):
    by_char = {c["text"]: c["fontname"] for c in chars(_pdf(inquiry)) if c["text"] in "髙𠮷﨑"}
    assert set(by_char) == {"髙", "𠮷", "﨑"}
    assert all(name.endswith("+IPAmjMincho") for name in by_char.values()), by_char


def test_every_page_is_a4_portrait(all_letters):
    for letter in all_letters:
        for width, height in page_sizes(_pdf(letter)):
            assert render.page_is_a4_portrait(width, height), (letter.kind, width, height)


def _address_block_chars(pdf):
    """Characters of page 1 in the upper-left panel set at 9.5 pt or more: the address block."""
    return [c for c in chars(pdf) if c["top"] < 99 * MM and c["x0"] < 118 * MM and c["size"] >= 9.5]


@pytest.mark.parametrize("window", [(23.0, 12.0, 90.0, 45.0), (20.0, 15.0, 95.0, 48.0)])
def test_address_block_lies_inside_the_window_with_2mm_play(settings, proxy_application, clerk, window):
    settings.LETTER_WINDOW_MM = window
    letter = letter_create(kind="inquiry", application=proxy_application, actor=clerk, reason="照会書の作成")
    block = _address_block_chars(_pdf(letter))
    text = "".join(c["text"] for c in block)
    for needed in ("〒564-0041", "髙橋", "𠮷太郎", "様", "転送不要", "2丁目17番4号"):
        assert needed in text.replace("　", "").replace(" ", "") or needed in text
    left, top, width, height = window
    box = ((left + 2) * MM, (top + 2) * MM, (left + width - 2) * MM, (top + height - 2) * MM)
    for c in block:
        assert box[0] <= c["x0"] and c["x1"] <= box[2], (c["text"], c["x0"] / MM, c["x1"] / MM)
        assert box[1] <= c["top"] and c["bottom"] <= box[3], (c["text"], c["top"] / MM, c["bottom"] / MM)


def test_no_password_and_no_twelve_digit_number_in_any_letter(all_letters):
    for letter in all_letters:
        text = "".join(text_of(_pdf(letter)))
        compact = re.sub(r"\s", "", text)
        assert not re.search(r"\d{12}", compact), letter.kind
        assert "個人番号：" not in text and "個人番号:" not in text


def test_password_boxes_are_blank_and_rules_are_printed(inquiry):
    text = text_of(_pdf(inquiry))[1]
    assert "6文字以上16文字以内" in text and "4桁の数字" in text
    assert "割印" in text


def test_revocation_variant_has_no_password_boxes(proxy_application, clerk):
    proxy_application.kind = "revocation"  # variant only: rendered from an unsaved change
    data = render.LetterData(
        kind="inquiry",
        application=proxy_application,
        reference="SU-2026-000999",
        rendered_at=proxy_application.received_at,
    )
    text = "".join(text_of(render.render_letter(data).pdf))
    assert "暗証番号（パスワード）の記入は不要" in text
    assert "失効" in text


def test_batch_is_one_render_with_the_mailing_list_and_page_map(proxy_application, clerk):
    datas = [render.sample_letter_data(i) for i in range(3)]
    html = render.mailing_list_html(
        office=proxy_application.office,
        on=proxy_application.received_at.date(),
        number=1,
        rows=[],
        printed_at=proxy_application.received_at,
    )
    batch = render.render_letters(datas, extra_fragments=[html])
    assert batch.page_count == 7
    assert [batch.first_pages[d.reference] for d in datas] == [1, 3, 5]
    assert all(batch.letter_pages[d.reference] == 2 for d in datas)
    assert "差出票" in text_of(batch.pdf)[6]


def test_letter_kinds_have_templates():
    assert set(render.TEMPLATES) == set(Letter.Kind.values)


def test_chunked_batch_is_still_one_pdf_with_a_correct_page_map(proxy_application):
    datas = [render.sample_letter_data(i) for i in range(3)]
    html = render.mailing_list_html(
        office=proxy_application.office,
        on=proxy_application.received_at.date(),
        number=1,
        rows=[],
        printed_at=proxy_application.received_at,
    )
    batch = render.render_letters(datas, extra_fragments=[html], chunk_letters=2)
    pages = text_of(batch.pdf)
    assert len(pages) == batch.page_count == 7
    assert [batch.first_pages[d.reference] for d in datas] == [1, 3, 5]
    for d in datas:
        start = batch.first_pages[d.reference]
        assert d.reference in pages[start - 1] and d.reference in pages[start]
    assert "差出票" in pages[6]
    fonts = {name for name, _, _ in font_names(batch.pdf)}
    assert fonts <= EXPECTED_FONTS
