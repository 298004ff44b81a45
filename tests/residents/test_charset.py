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


def test_the_message_staff_see_is_exact():
    with pytest.raises(ValidationError) as excinfo:
        substitute_characters("\U00029e3d田\u00a0子\u0301", table=TABLE)
    assert excinfo.value.code == "no_substitute"
    assert excinfo.value.messages == [
        "次の文字は電子証明書に使用できず、代替文字がありません: "
        "\U00029e3d(1文字目)、U+00A0(3文字目)、U+0301(5文字目)。かな表記を入力してください。"
    ]


@pytest.mark.parametrize(
    ("char", "shown_as"),
    [
        ("\U00029e3d", "\U00029e3d"),  # a visible character is shown as itself
        ("\x07", "U+0007"),  # control (C)
        ("\u00a0", "U+00A0"),  # NO-BREAK SPACE (Z): invisible
        ("\u2028", "U+2028"),  # LINE SEPARATOR (Z)
        ("\u0301", "U+0301"),  # COMBINING ACUTE ACCENT (M): would sit on its neighbour
        ("\u20dd", "U+20DD"),  # COMBINING ENCLOSING CIRCLE (M)
    ],
)
def test_a_character_without_substitute_is_named_so_that_staff_can_see_it(char, shown_as):
    with pytest.raises(ValidationError) as excinfo:
        substitute_characters(f"山{char}", table=TABLE)
    assert f": {shown_as}(2文字目)。" in excinfo.value.messages[0]


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


# Every variation selector is dropped (the base character before it is checked on its own);
# the code points just outside the two ranges are not variation selectors.
VARIATION_SELECTORS = [
    ("\ufe00", ""),  # VS1, first of the BMP range
    ("\ufe0e", ""),  # VS15 (text presentation)
    ("\ufe0f", ""),  # VS16 (emoji presentation), last of the BMP range
    ("\U000e0100", ""),  # VS17, first ideographic variation selector
    ("\U000e01ef", ""),  # VS256, the last one
    ("\ufdff", None),  # before the BMP range (unassigned)
    ("\ufe10", None),  # PRESENTATION FORM FOR VERTICAL COMMA, right after VS16
    ("\U000e00ff", None),  # before the supplementary range (unassigned)
    ("\U000e01f0", None),  # right after VS256 (unassigned)
]


@pytest.mark.parametrize(("char", "substitute"), VARIATION_SELECTORS)
def test_variation_selector_ranges(char, substitute):
    assert check_text(f"葛{char}", table={}) == [
        {"position": 1, "char": char, "codepoint": f"U+{ord(char):04X}", "substitute": substitute}
    ]
    if substitute is not None:
        assert substitute_characters_detailed(f"葛{char}城", table={}) == ("葛城", [1])


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


# Half-width forms (U+FF61..U+FFEE) become their full-width form when that form is supported;
# when it is not, there is no substitute (the half-width character must not be returned as its
# own "substitute": it would enter the certificate text).
HALF_WIDTH_FORMS = [
    ("\uff61", "。"),  # ｡ HALFWIDTH IDEOGRAPHIC FULL STOP, first of the range
    ("\uff65", "・"),  # ･ HALFWIDTH KATAKANA MIDDLE DOT
    ("\uff76", "カ"),  # ｶ
    ("\uff70", "ー"),  # ｰ
    ("\uff9e", "゛"),  # ﾞ alone: the spacing sound mark
    ("\uff9f", "゜"),  # ﾟ alone
    ("\uffe8", "│"),  # ￨ HALFWIDTH FORMS LIGHT VERTICAL
    ("\uffee", "○"),  # ￮ HALFWIDTH WHITE CIRCLE, last of the range
    ("\uffa0", None),  # HALFWIDTH HANGUL FILLER: its full-width form is not supported
    ("\uffa1", None),  # ﾡ HALFWIDTH HANGUL LETTER KIYEOK: ㄱ is not supported either
    ("\uffdc", None),  # ￜ HALFWIDTH HANGUL LETTER I
    ("\uffe6", None),  # ￦ FULLWIDTH WON SIGN: ₩ is not supported
]


@pytest.mark.parametrize(("char", "substitute"), HALF_WIDTH_FORMS)
def test_half_width_forms(char, substitute):
    assert check_text(char, table={})[0]["substitute"] == substitute
    if substitute is None:
        with pytest.raises(ValidationError):
            substitute_characters(f"山{char}", table={})
    else:
        assert substitute_characters(f"山{char}", table={}) == f"山{substitute}"


def test_no_half_width_form_is_its_own_substitute():
    # The whole block: a substitute is always a different, supported text (or there is none).
    wrong = {}
    for cp in range(0xFF61, 0xFFEF):
        char = chr(cp)
        if unicodedata.category(char) == "Cn" or not unsupported_characters(char):
            continue
        substitute = check_text(char, table={})[0]["substitute"]
        if substitute is not None and (substitute == char or not is_supported(substitute)):
            wrong[f"U+{cp:04X}"] = substitute
    assert wrong == {}


# A half-width sound mark is merged only into the half-width kana right before it.
SOUND_MARK_MERGES = [
    ("ｶﾞ", "ガ"),
    ("ﾊﾞ", "バ"),
    ("ﾊﾟ", "パ"),
    ("ｳﾞ", "ヴ"),
    ("ﾜﾞ", "ワ゛"),  # ヷ is not supported: no merge, the spacing mark
    ("ｱﾞ", "ア゛"),  # ア has no voiced form
    ("ｶ ﾞ", "カ ゛"),  # a blank in between
    ("ｶ山ﾞ", "カ山゛"),  # a supported character in between
    ("ｶ髙ﾞ", "カ高゛"),  # a substituted character in between
    ("髙ﾞ", "高゛"),  # not after a half-width kana
    ("ﾞｶ", "゛カ"),  # before the kana, not after it
]


@pytest.mark.parametrize(("text", "expected"), SOUND_MARK_MERGES)
def test_half_width_sound_mark_merges_only_into_the_kana_it_follows(text, expected):
    assert substitute_characters(text, table=TABLE) == expected


def test_sound_mark_is_not_merged_into_a_full_width_substitute_from_the_table():
    # The table may give kana for a character; a half-width mark after it stays a mark.
    assert substitute_characters("髙ﾞ", table={"\u9ad9": "か"}) == "か゛"


def test_sound_mark_after_a_half_width_form_without_substitute():
    # ﾡ has no substitute: the mark after it is not merged, and the error names only ﾡ.
    assert [d["substitute"] for d in check_text("\uffa1ﾞ", table={})] == [None, "゛"]
    with pytest.raises(ValidationError) as excinfo:
        substitute_characters("\uffa1ﾞ", table={})
    assert excinfo.value.messages[0].count("文字目") == 1


# Combining sound marks (as macOS pastes ガ: カ + U+3099) count as the composed kana (NFC) when
# that kana is supported; otherwise (alone, or after a kana with no voiced form in the set) they
# become the spacing marks ゛ ゜: the certificate shows the mark beside the kana rather than losing it.
COMBINING_SOUND_MARKS = [
    ("ガ", "ガ"),  # the composed kana is supported as it is
    ("カ\u3099", "ガ"),
    ("ハ\u309a", "パ"),
    ("ア\u3099", "ア゛"),  # ア has no voiced form
    ("ワ\u3099", "ワ゛"),  # ヷ U+30F7 is not in the set
    ("\u3099", "゛"),
    ("\u309a", "゜"),
]


@pytest.mark.parametrize(("text", "expected"), COMBINING_SOUND_MARKS)
def test_combining_sound_marks(text, expected):
    assert substitute_characters(text, table={}) == expected


def test_compatibility_ideograph_outside_the_table_uses_its_canonical_equivalent():
    char = "\uf91d"  # CJK COMPATIBILITY IDEOGRAPH-F91D, canonical equivalent 欄 U+6B04
    assert char not in DEFAULT_SUBSTITUTIONS
    assert unsupported_characters(char) == [(0, char)]
    assert substitute_characters(char, table={}) == "\u6b04"


# CJK Compatibility Ideographs (U+F900..U+FAFF) and the Supplement (U+2F800..U+2FA1F): the
# canonical equivalent when it is supported, else the table's substitute for that equivalent.
COMPATIBILITY_IDEOGRAPHS = [
    ("\uf900", "\u8c48"),  # 豈 U+F900, first of the block -> 豈
    ("\ufad9", None),  # 龎 U+FAD9, the last one: 龎 U+9F8E is not supported, no table entry
    ("\uf93d", "緑"),  # 綠 U+F93D -> 綠 U+7DA0 (unsupported) -> the table's 緑
    ("\U0002f801", "\u4e38"),  # 丸 U+2F801 -> 丸
    ("\U0002f814", "内"),  # 內 U+2F814 -> 內 U+5167 (unsupported) -> the table's 内
    ("\U0002f8f3", "歳"),  # 歲 U+2F8F3 -> 歲 U+6B72 -> the table's 歳
    ("\U0002fa1c", "\u9f3b"),  # 鼻 U+2FA1C -> 鼻
    ("\U0002f800", None),  # 丽 U+2F800, first of the Supplement: 丽 U+4E3D is not supported
    ("\U0002fa1d", None),  # 𪘀 U+2FA1D, the last one: 𪘀 U+2A600 is not supported
]


@pytest.mark.parametrize(("char", "substitute"), COMPATIBILITY_IDEOGRAPHS)
def test_compatibility_ideographs(char, substitute):
    assert char not in TABLE
    assert check_text(char, table=TABLE)[0]["substitute"] == substitute


def test_a_table_entry_for_the_unified_form_serves_its_compatibility_ideographs():
    # Staff add 丽 -> 麗: U+2F800 (compatibility 丽, first of the Supplement) follows it.
    table = {**TABLE, "\u4e3d": "麗"}
    assert substitute_characters("\U0002f800", table=table) == "麗"
    assert substitute_characters("\u4e3d", table=table) == "麗"
    # An unusable entry for the unified form is ignored, as for any entry.
    with pytest.raises(ValidationError):
        substitute_characters("\U0002f800", table={"\u4e3d": "\u4e3d"})


def test_every_compatibility_ideograph_of_the_supplement_keeps_its_substitute():
    got, expected = {}, {}
    for cp in range(0x2F800, 0x2FA20):
        char = chr(cp)
        unified = unicodedata.normalize("NFC", char)
        if unified == char:  # unassigned
            continue
        want = unified if encodable(unified) else TABLE.get(unified)
        expected[f"U+{cp:04X}"] = want
        got[f"U+{cp:04X}"] = check_text(char, table=TABLE)[0]["substitute"]
    assert got == expected
    assert len(expected) == 542
    assert sum(1 for value in expected.values() if value is not None) == 286 + 6  # unified + via the table


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


@pytest.mark.django_db
def test_missing_substitution_table_falls_back_to_the_shipped_one():
    # Migrations not applied yet (or the table lost): the shipped table is used, and the query
    # that failed does not break the caller's transaction (it ran in a savepoint).
    from django.contrib.auth.models import User
    from django.db import connection

    from residents.models import CharacterSubstitution

    CharacterSubstitution.objects.create(original="\U00029e3d", substitute="ほっけ")
    assert substitution_table()["\U00029e3d"] == "ほっけ"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(CharacterSubstitution._meta.db_table)}")

    assert substitution_table() == DEFAULT_SUBSTITUTIONS
    assert substitute_characters("髙橋") == "高橋"
    with pytest.raises(ValidationError):
        substitute_characters("\U00029e3d")
    assert User.objects.count() == 0  # the transaction is still usable


# NFC at the door: a character, or a base character and a combining mark, whose Unicode canonical
# equivalent is one supported character counts as that character, in every script.
CANONICAL_EQUIVALENTS = [
    # (text, certificate text, substituted positions)
    ("カ\u3099", "ガ", [0, 1]),  # katakana + COMBINING VOICED SOUND MARK
    ("か\u3099", "が", [0, 1]),  # hiragana
    ("ウ\u3099", "ヴ", [0, 1]),  # ヴ U+30F4 is in JIS X 0208
    ("ホ\u309a", "ポ", [0, 1]),  # semi-voiced
    ("e\u0301", "é", [0, 1]),  # Latin: é is in JIS X 0212
    ("Rene\u0301e", "Renée", [3, 4]),  # in the middle of a name
    ("A\u030a", "Å", [0, 1]),  # A + COMBINING RING ABOVE
    ("n\u0303", "ñ", [0, 1]),
    ("\u2126", "Ω", [0]),  # OHM SIGN, a singleton: canonical equivalent Ω U+03A9
    ("\u212a", "K", [0]),  # KELVIN SIGN -> K
    ("\uf91d", "\u6b04", [0]),  # a CJK compatibility ideograph still counts as its unified form
    ("ｶ\u3099", "ガ", [0, 1]),  # a half-width kana substituted first, then composed
    ("髙\u3099", "高゛", [0, 1]),  # 高 has no voiced form: the mark stays a spacing mark
]


@pytest.mark.parametrize(("text", "expected", "positions"), CANONICAL_EQUIVALENTS)
def test_canonical_equivalent_counts_as_the_character(text, expected, positions):
    assert substitute_characters_detailed(text, table=TABLE) == (expected, positions)
    assert is_supported(expected)


def test_combining_mark_with_no_composed_form_in_the_set_is_refused():
    # e + COMBINING CIRCUMFLEX + COMBINING ACUTE is ế U+1EBF (not in the set) and has no substitute.
    with pytest.raises(ValidationError):
        substitute_characters("e\u0302\u0301", table={})
    # a second acute after the composed é composes with nothing
    with pytest.raises(ValidationError):
        substitute_characters("e\u0301\u0301", table={})
    # a combining mark at the start has nothing to compose with
    with pytest.raises(ValidationError):
        substitute_characters("\u0301e", table={})


def test_composed_mark_after_a_substituted_character_names_the_typed_character():
    # ｶ (half-width, substituted by カ) + U+3099: the entry names the typed ｶ, substituted by ガ.
    assert check_text("ｶ\u3099", table={}) == [
        {"position": 0, "char": "ｶ", "codepoint": "U+FF76", "substitute": "ガ"},
        {"position": 1, "char": "\u3099", "codepoint": "U+3099", "substitute": ""},
    ]


def test_composed_mark_is_reported_as_dropped():
    assert check_text("e\u0301", table={}) == [
        {"position": 0, "char": "e", "codepoint": "U+0065", "substitute": "é"},
        {"position": 1, "char": "\u0301", "codepoint": "U+0301", "substitute": ""},
    ]
