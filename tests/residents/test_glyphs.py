"""The letters' fonts decide what can be printed: rare register characters pass, others are named."""

import pytest

from residents.glyphs import LETTER_FONT_FAMILIES, font_files, is_printable_char, unprintable_characters


def test_both_letter_fonts_are_installed():
    assert set(font_files()) == set(LETTER_FONT_FAMILIES)


@pytest.mark.parametrize(
    "text",
    [
        "𠮷田　髙橋",  # a character outside the BMP, a 異体字
        "﨑山",  # a CJK compatibility ideograph
        "鷗外",
        "葛\U000e0100城",  # an IVS: the selector is no glyph of its own
        "大阪府吹田市泉町1丁目3番40号",
        "ＡＢＣ－１２３",  # full-width letters and the IME's hyphen
        "SMITH JOHN",
    ],
)
def test_register_characters_are_printable(text):
    assert unprintable_characters(text) == []


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("NGUYỄN THỊ", ["Ễ", "Ị"]),  # Vietnamese letters with two diacritics
        ("김민준", ["김", "민", "준"]),  # Hangul
        ("Ễ Ễ", ["Ễ"]),  # each character named once
    ],
)
def test_characters_no_letter_font_has_are_named(text, missing):
    assert unprintable_characters(text) == missing


def test_decomposed_text_is_compared_in_nfc():
    # E + circumflex + tilde as combining marks: NFC makes it Ễ, which no letter font has.
    assert unprintable_characters("E\u0302\u0303") == ["Ễ"]
    # カ + combining dakuten is ガ in NFC, which both fonts have.
    assert unprintable_characters("カ\u3099") == []
    assert is_printable_char("\ufe00")
