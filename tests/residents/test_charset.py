"""Tests for residents.charset: the certificate character check and substitution (scenario 7)."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from residents.charset import (
    DEFAULT_SUBSTITUTIONS,
    MICROSOFT_EQUIVALENTS,
    check_text,
    is_supported,
    substitute_characters,
    substitute_characters_detailed,
    substitution_table,
    unsupported_characters,
)

TABLE = DEFAULT_SUBSTITUTIONS  # passed explicitly: these tests need no database


def encodable(text: str, codec: str = "iso2022_jp_1") -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


# --- scenario 7 -------------------------------------------------------------------------


def test_takahashi_hashigo_daka_is_found_and_substituted_at_position_0():
    assert unsupported_characters("髙橋") == [(0, "\u9ad9")]
    assert substitute_characters_detailed("髙橋", table=TABLE) == ("高橋", [0])
    assert substitute_characters("髙橋", table=TABLE) == "高橋"


def test_windows_ime_address_passes_unchanged():
    address = "千里山西１－２－３"  # full-width digits and U+FF0D FULLWIDTH HYPHEN-MINUS
    assert "\uff0d" in address
    assert unsupported_characters(address) == []
    assert check_text(address) == []  # no table given: must not even need the database
    assert substitute_characters_detailed(address) == (address, [])


@pytest.mark.parametrize("char", ["\uff0d", "\uff5e", "\u2225", "\uffe0", "\uffe1", "\uffe2", "\u2014", "\u2015"])
def test_microsoft_mapping_characters_are_supported_and_kept(char):
    text = f"大阪府吹田市{char}"
    assert unsupported_characters(text) == []
    assert substitute_characters(text, table={}) == text


def test_microsoft_equivalents_match_the_cp932_mapping():
    # Every BMP character that CP932 puts on a JIS X 0208 code point (decodable by the JIS
    # mapping) but the reference codec rejects must be in MICROSOFT_EQUIVALENTS, and vice versa
    # (apart from U+2014, which CP932 does not map at all).
    derived = {}
    for cp in range(0x80, 0x10000):
        char = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or encodable(char):
            continue
        try:
            raw = char.encode("cp932")
            jis = raw.decode("shift_jis")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(raw) == 2:
            derived[char] = jis
    expected = {k: v for k, v in MICROSOFT_EQUIVALENTS.items() if k != "\u2014"}
    assert derived == expected
    for value in MICROSOFT_EQUIVALENTS.values():
        assert encodable(value)


# --- the characters the codec decides -----------------------------------------------------


def test_non_bmp_tsuchi_yoshi_becomes_yoshi():
    assert unsupported_characters("𠮷田") == [(0, "\U00020bb7")]
    assert substitute_characters_detailed("𠮷田", table=TABLE) == ("吉田", [0])


def test_tatsu_saki_becomes_saki():
    assert substitute_characters_detailed("山\ufa11", table=TABLE) == ("山崎", [1])


def test_positions_are_code_point_indices_after_non_bmp_characters():
    text = "𠮷田髙子"
    assert unsupported_characters(text) == [(0, "\U00020bb7"), (2, "\u9ad9")]
    assert substitute_characters_detailed(text, table=TABLE) == ("吉田高子", [0, 2])


def test_jis_x_0212_character_passes():
    char = "\u4e02"  # 丂: JIS X 0212, not JIS X 0208
    assert not encodable(char, "iso2022_jp")  # not in JIS X 0208
    assert encodable(char)
    assert unsupported_characters(f"{char}田") == []
    assert substitute_characters(f"{char}田", table={}) == f"{char}田"


def test_ascii_kana_and_full_width_alphanumerics_pass():
    text = "Suita 1-2 すいた スイタ ＡＢＣ１２３　〒５６４－８５５０"
    assert unsupported_characters(text) == []


def test_no_substitute_raises_validation_error_naming_the_character():
    text = "佐藤𩸽子"  # 𩸽 (hokke) U+29E3D has no substitute: kana must be entered
    assert unsupported_characters(text) == [(2, "\U00029e3d")]
    with pytest.raises(ValidationError) as excinfo:
        substitute_characters(text, table=TABLE)
    message = excinfo.value.messages[0]
    assert "\U00029e3d(3文字目)" in message
    assert "代替文字がありません" in message
    assert "かな" in message
    with pytest.raises(ValidationError):
        substitute_characters_detailed(text, table=TABLE)


def test_validation_error_lists_every_missing_character_but_not_substitutable_ones():
    with pytest.raises(ValidationError) as excinfo:
        substitute_characters("髙\U00029e3d\x07", table=TABLE)
    message = excinfo.value.messages[0]
    assert "\U00029e3d(2文字目)" in message
    assert "U+0007(3文字目)" in message
    assert "髙" not in message


def test_check_text_reports_each_unsupported_character():
    assert check_text("髙\U00029e3d橋", table=TABLE) == [
        {"position": 0, "char": "\u9ad9", "codepoint": "U+9AD9", "substitute": "高"},
        {"position": 1, "char": "\U00029e3d", "codepoint": "U+29E3D", "substitute": None},
    ]


def test_control_characters_and_surrogates_have_no_substitute():
    for char in ("\x00", "\n", "\x1b", "\x7f", "\ud842"):
        assert unsupported_characters(f"a{char}") == [(1, char)]
        assert check_text(char, table={char: "x"})[0]["substitute"] is None
        with pytest.raises(ValidationError):
            substitute_characters(char, table={char: "x"})


# --- automatic substitutes ----------------------------------------------------------------


def test_variation_selector_is_dropped_and_base_character_kept():
    text = "葛\U000e0100城"  # 葛 with an ideographic variation selector
    assert unsupported_characters(text) == [(1, "\U000e0100")]
    assert substitute_characters_detailed(text, table={}) == ("葛城", [1])
    assert check_text("辻\ufe00", table={})[0]["substitute"] == ""


def test_variation_selector_after_unsupported_base():
    assert substitute_characters_detailed("髙\U000e0100", table=TABLE) == ("高", [0, 1])


def test_half_width_katakana_is_normalized_to_full_width():
    text = "ｽｲﾀ ｶﾞｸﾎﾟｰ｡"
    assert [i for i, _ in unsupported_characters(text)] == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]
    result, positions = substitute_characters_detailed(text, table={})
    assert result == "スイタ ガクポー。"
    assert positions == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert is_supported(result)
    reported = check_text("ｶﾞ", table={})
    assert [(d["char"], d["substitute"]) for d in reported] == [("ｶ", "ガ"), ("ﾞ", "")]


def test_half_width_sound_mark_without_composable_kana_becomes_spacing_mark():
    # ヷ (U+30F7) is not in JIS X 0208, so ﾜﾞ cannot be composed.
    assert substitute_characters("ﾜﾞ", table={}) == "ワ゛"
    assert substitute_characters("ﾞ", table={}) == "゛"


def test_compatibility_ideograph_outside_the_table_uses_its_canonical_equivalent():
    char = "\uf91d"  # CJK COMPATIBILITY IDEOGRAPH-F91D, canonical equivalent 欄 U+6B04
    assert char not in DEFAULT_SUBSTITUTIONS
    assert unsupported_characters(char) == [(0, char)]
    assert substitute_characters(char, table={}) == "\u6b04"


def test_table_argument_overrides_defaults():
    assert substitute_characters("髙", table={"\u9ad9": "たか"}) == "たか"
    # An unusable (unsupported) table value is ignored rather than put into a certificate.
    with pytest.raises(ValidationError):
        substitute_characters("\U00029e3d", table={"\U00029e3d": "\U00029e3d"})


# --- the shipped table --------------------------------------------------------------------


def test_default_table_is_large():
    assert len(DEFAULT_SUBSTITUTIONS) >= 80


@pytest.mark.parametrize("original,substitute", sorted(DEFAULT_SUBSTITUTIONS.items()))
def test_every_default_entry_is_unsupported_and_substitute_supported(original, substitute):
    assert len(original) == 1
    assert not encodable(original)
    assert original not in MICROSOFT_EQUIVALENTS
    assert unsupported_characters(original) == [(0, original)]
    assert substitute
    assert encodable(substitute)
    assert unsupported_characters(substitute) == []
    assert substitute_characters(original, table=DEFAULT_SUBSTITUTIONS) == substitute


def test_default_compatibility_entries_agree_with_canonical_equivalents():
    # Where a compatibility ideograph's canonical equivalent is itself supported, the table
    # must use it (and not some other character).
    for original, substitute in DEFAULT_SUBSTITUTIONS.items():
        unified = unicodedata.normalize("NFC", original)
        if unified != original and encodable(unified):
            assert substitute == unified, original


def test_well_known_entries():
    expected = {
        "\u9ad9": "高",  # 髙
        "\ufa11": "崎",  # 﨑
        "\U00020bb7": "吉",  # 𠮷
        "\U0002123d": "土",  # 𡈽
        "\U0002363a": "橋",  # 𣘺
        "\ufa10": "塚",  # 塚
        "\ufa19": "神",  # 神
        "\u5fb7": "徳",  # 德
    }
    for original, substitute in expected.items():
        assert DEFAULT_SUBSTITUTIONS[original] == substitute
    assert "\U00029e3d" not in DEFAULT_SUBSTITUTIONS  # 𩸽: no substitute, kana instead


# --- the table staff extend ---------------------------------------------------------------


@pytest.mark.django_db
def test_database_rows_extend_and_override_the_table():
    from residents.models import CharacterSubstitution

    assert substitution_table() == DEFAULT_SUBSTITUTIONS
    with pytest.raises(ValidationError):
        substitute_characters("\U00029e3d")

    CharacterSubstitution.objects.create(original="\U00029e3d", substitute="ほっけ", note="𩸽")
    CharacterSubstitution.objects.update_or_create(original="\ufa11", defaults={"substitute": "嵜", "note": "本人希望"})

    table = substitution_table()
    assert table["\U00029e3d"] == "ほっけ"
    assert table["\ufa11"] == "嵜"
    assert table["\u9ad9"] == "高"  # defaults still there
    assert substitute_characters_detailed("\U00029e3d田") == ("ほっけ田", [0])
    assert substitute_characters("山\ufa11") == "山嵜"
    assert check_text("\U00029e3d")[0]["substitute"] == "ほっけ"
