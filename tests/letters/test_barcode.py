"""Japan Post customer barcode (カスタマバーコード), checked against the published examples.

Sources of the expected values:
* 郵便番号・バーコードマニュアル p17/p21 (霞が関 example, check digit 9), p19 (extraction
  steps), p20 (truncation), p25 (sixteen worked examples with complete codes);
* the manual's p06 figure (世田谷区若林, 川越市大字小室), as decoded by zint's test suite
  (bar strings in ``_ZINT_BARS``, independent of our ``BAR_PATTERNS`` table);
* Japan Post inspection sheets (273-0102 check 0, 014-0113 check CC8) quoted at
  kipwmi.com/fm/tips/yuubin.htm.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from letters.barcode import (
    BAR_PATTERNS,
    CHECK_VALUES,
    LONG,
    LOWER,
    START_PATTERN,
    STOP_PATTERN,
    TIMING,
    UPPER,
    RepresentativePostalCodeError,
    address_number,
    check_digit,
    customer_barcode,
    customer_barcode_svg,
    is_representative_postal_code,
    normalize_postal_code,
)


def chars_of(code: str) -> list[str]:
    """'26300233-30-8-403CC4CC4CC45' -> ['2', '6', ..., 'CC4', 'CC4', 'CC4', '5']."""
    return re.findall(r"CC[1-8]|[0-9-]", code)


def bars_of(chars: list[str]) -> list[str]:
    return [*START_PATTERN, *(kind for char in chars for kind in BAR_PATTERNS[char]), *STOP_PATTERN]


# --- The manual's worked examples ----------------------------------------------------

# Manual p25: (postal code, 住所A, 住所B = address after the 町域, complete code).
MANUAL_P25 = [
    ("263-0023", "千葉市稲毛区緑町", "3丁目30-8　郵便ビル403号", "26300233-30-8-403CC4CC4CC45"),
    ("014-0113", "秋田県大仙市堀見内", "南田茂木　添60-1", "014011360-1CC4CC4CC4CC4CC4CC4CC4CC4CC4CC8"),
    ("110-0016", "東京都台東区台東", "5-6-3　ABCビル10F", "11000165-6-3-10CC4CC4CC4CC4CC49"),
    ("060-0906", "北海道札幌市東区北六条東", "4丁目　郵便センター6号館", "06009064-6CC4CC4CC4CC4CC4CC4CC4CC4CC4CC49"),
    ("065-0006", "北海道札幌市東区北六条東", "8丁目　郵便センター10号館", "06500068-10CC4CC4CC4CC4CC4CC4CC4CC4CC49"),
    ("407-0033", "山梨県韮崎市龍岡町下條南割", "韮崎400", "4070033400CC4CC4CC4CC4CC4CC4CC4CC4CC4CC4-"),
    ("273-0102", "千葉県鎌ケ谷市右京塚", "東3丁目-20-5　郵便・A&bコーポB604号", "27301023-20-5CC11604CC4CC40"),
    ("198-0036", "東京都青梅市河辺町", "十一丁目六番地一号　郵便タワー601", "198003611-6-1-601CC4CC4CC4CC8"),
    ("027-0203", "岩手県宮古市大字津軽石", "第二十一地割大淵川480", "027020321-480CC4CC4CC4CC4CC4CC4CC4CC5"),
    ("590-0016", "大阪府堺市堺区中田出井町", "四丁六番十九号", "59000164-6-19CC4CC4CC4CC4CC4CC4CC4CC2"),
    ("080-0831", "北海道帯広市稲田町", "南七線　西28", "08008317-28CC4CC4CC4CC4CC4CC4CC4CC4CC4CC7"),
    ("317-0055", "茨城県日立市宮田町", "6丁目7-14　ABCビル2F", "31700556-7-14-2CC4CC4CC4CC4CC4CC1"),
    ("650-0046", "神戸市中央区港島中町", "9丁目7-6　郵便シティA棟1F1号", "65000469-7-6CC101-1CC4CC4CC45"),
    ("623-0011", "京都府綾部市青野町", "綾部6-7　LプラザB106", "62300116-7CC21CC11106CC4CC4CC44"),
    ("064-0804", "札幌市中央区南四条西", "29丁目1524-23　第2郵便ハウス501", "064080429-1524-23-2-3"),
    ("910-0067", "福井県福井市新田塚", "3丁目80-25　J1ビル2-B", "91000673-80-25CC191-2CC19"),
]


@pytest.mark.parametrize(
    ("postal_code", "town", "after_town", "expected"), MANUAL_P25, ids=[row[0] for row in MANUAL_P25]
)
def test_manual_p25_examples(postal_code, town, after_town, expected):
    assert customer_barcode(postal_code, after_town) == chars_of(expected)


def test_manual_p17_p21_example_kasumigaseki():
    assert customer_barcode("100-0013", "1丁目3番2号 郵便プラザ503室") == [
        "1", "0", "0", "0", "0", "1", "3",
        "1", "-", "3", "-", "2", "-", "5", "0", "3", "CC4", "CC4", "CC4", "CC4",
        "9",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("東3丁目-20-5　郵便・A&bコーポB604号", "3-20-5B604"),  # p19, basic rules + 補足4
        ("十一丁目六番地一号　郵便タワー601", "11-6-1-601"),  # 補足1
        ("南七線　西28", "7-28"),  # 補足1 with 線
        ("6丁目7-14　ABCビル2F", "6-7-14-2"),  # 補足2: trailing floor F dropped
        ("6丁目7-14　ABCビル2F201号室", "6-7-14-2-201"),  # 補足3: F becomes a hyphen
        ("9丁目7-6　郵便シティA棟1F1号", "9-7-6A1-1"),  # 補足3 and 補足4
        ("綾部6-7　LプラザB106", "6-7LB106"),  # 補足5: adjacent single letters stay
        ("29丁目1524-23　第2郵便ハウス501", "29-1524-23-2-501"),  # before truncation (p20)
        ("3丁目80-25　J1ビル2-B", "3-80-25J1-2B"),
    ],
)
def test_address_number_follows_the_manual(after_town, expected):
    assert address_number(after_town) == expected


# zint's test_postal.c decodes the manual's p06 figure ("Zip/Barcode Manual p.6",
# verified against tec-it); F full, A ascender, D descender, T tracker.
_ZINT_BARS = {
    ("154-0023", "三丁目16番4号 郵政 マンション205号"): (
        "FDFFTFTFFADFTTFTTFDADFADFATFTFFTDAFTFTFADTFTFDAFTTFTFTDATDATDADAFDF"
    ),
    ("350-1106", "22-1郵政団地 A棟308号室"): ("FDDFAFTFFTTFFTFFTFTTDAFFDAFDATFTFFTDATFTTDFAFTTADFTDATDATDATDAFTFDF"),
}
_KIND = {"F": LONG, "A": UPPER, "D": LOWER, "T": TIMING}


@pytest.mark.parametrize(("postal_code", "after_town"), list(_ZINT_BARS))
def test_manual_p06_figure_bar_for_bar(postal_code, after_town):
    expected = [_KIND[letter] for letter in _ZINT_BARS[(postal_code, after_town)]]
    assert bars_of(customer_barcode(postal_code, after_town)) == expected


@pytest.mark.parametrize(
    ("postal_code", "after_town", "expected"),
    [
        # Japan Post inspection sheet, check digit 0 ("27301023-20-5B604dd0", d = CC4)
        ("273-0102", "東3丁目-20-5 郵便・A&bコーポB604号", "27301023-20-5CC11604CC4CC40"),
        # the same sheet, check digit 18 = CC8 ("014011360-1dddddddddh")
        ("014-0113", "南田茂木 添60-1", "014011360-1CC4CC4CC4CC4CC4CC4CC4CC4CC4CC8"),
        # 東京都千代田区永田町1丁目11ー32 -> ...14141414141415 (zae's barcode page), katakana ー
        ("100-0014", "1丁目11ー32", "10000141-11-32CC4CC4CC4CC4CC4CC4CC5"),
    ],
)
def test_published_check_digits(postal_code, after_town, expected):
    assert customer_barcode(postal_code, after_town) == chars_of(expected)


# --- Extraction details -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("二十三番地", "23"),
        ("十番五号", "10-5"),
        ("百二番地の三号", "102-3"),
        ("三百五号", "305"),
        ("一〇三号", "103"),
        ("千二百三十四番地", "1234"),
        ("二丁目十一番十号", "2-11-10"),
        ("三ノ五号", "3-5"),
        ("第五地割十二番地", "5-12"),
        ("壱丁目拾番", "1-10"),
        # a kanji numeral not before 丁目/丁/番地/番/号/地割/線/の/ノ is dropped like any kanji
        ("五番 第二ビル", "5"),
        ("1丁目 三階", "1"),
    ],
)
def test_kanji_numerals(after_town, expected):
    assert address_number(after_town) == expected


# Every kanji numeral (補足1) with its value, old forms (大字) included.
KANJI_DIGITS = [
    ("〇", 0), ("零", 0), ("一", 1), ("壱", 1), ("二", 2), ("弐", 2), ("三", 3), ("参", 3),
    ("四", 4), ("五", 5), ("六", 6), ("七", 7), ("八", 8), ("九", 9),
]  # fmt: skip


@pytest.mark.parametrize(("kanji", "value"), KANJI_DIGITS)
def test_every_kanji_digit_in_every_position(kanji, value):
    assert address_number(f"{kanji}丁目") == f"{value}"  # alone (八丁目 -> 8)
    assert address_number(f"{kanji}丁目{kanji}番{kanji}号") == f"{value}-{value}-{value}"
    assert address_number(f"{kanji}一一号") == f"{value}11"  # first of a digit string
    assert address_number(f"一{kanji}一号") == f"1{value}1"  # middle (一〇三 -> 103)
    assert address_number(f"一一{kanji}号") == f"11{value}"  # last
    assert address_number(f"百{kanji}番") == f"{100 + value}"  # units digit after a unit
    if value == 0:
        assert address_number(f"千{kanji}三番地") == "1003"  # a zero holding a place under 千
    else:
        assert address_number(f"{kanji}十番") == f"{value * 10}"  # tens
        assert address_number(f"{kanji}百番地") == f"{value * 100}"  # hundreds
        assert address_number(f"{kanji}千番地") == f"{value * 1000}"  # thousands
        assert address_number(f"{kanji}千{kanji}百{kanji}十{kanji}番地") == f"{value * 1111}"


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("十番", "10"),
        ("拾番", "10"),  # the old form of 十
        ("百番地", "100"),
        ("千番地", "1000"),
        ("十八番", "18"),
        ("百十番地", "110"),  # units right after each other: 百 then 十
        ("千百十一番", "1111"),
        ("二千〇三番地", "2003"),
        ("千零三番", "1003"),
    ],
)
def test_kanji_units(after_town, expected):
    assert address_number(after_town) == expected


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("八丁目", "8"),
        ("八丁", "8"),
        ("八番地", "8"),
        ("八番", "8"),
        ("八号", "8"),
        ("第八地割", "8"),
        ("八線", "8"),
        ("八の三号", "8-3"),
        ("八ノ三号", "8-3"),
        ("八階", ""),  # not a marker: the numeral is dropped like any kanji
        ("八", ""),
    ],
)
def test_every_marker_after_a_kanji_numeral(after_town, expected):
    assert address_number(after_town) == expected


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("１丁目２番３号", "1-2-3"),  # full-width digits
        ("1－2－3", "1-2-3"),  # full-width hyphen-minus
        ("1‐2―3ー4−5–6—7", "1-2-3-4-5-6-7"),  # hyphen, bar, long vowel, minus, dashes
        ("1の2の3", "1-2-3"),
        ("1丁目2番地3", "1-2-3"),
        ("1--2", "1-2"),  # repeated hyphens collapse
        ("-1-2-", "1-2"),  # leading (and trailing) hyphen removed
        ("1.2/3&4・5", "12345"),  # basic rule 2: removed without a hyphen
        ("1　2 3", "1-2-3"),  # blanks
        ("", ""),
        ("郵便ビル", ""),
        ("１－３－２　Ａ棟", "1-3-2A"),  # full-width letter, hyphen before a letter removed
        ("1･2", "12"),  # half-width ･ is a ・: removed like it
        ("1＆2／3．4", "1234"),  # full-width & / . removed too
        ("0丁目12番", "0-12"),  # an address number may start with 0
        ("3丁目05番", "3-05"),
        ("05-3", "05-3"),
        ("1_2", "1-2"),  # symbols become hyphens, whichever their code point
        ("1＿2^3[4]5`6", "1-2-3-4-5-6"),  # (those between Z and a included)
    ],
)
def test_normalisation(after_town, expected):
    assert address_number(after_town) == expected


@pytest.mark.parametrize(
    ("after_town", "expected"),
    [
        ("1-3-2 A棟", "1-3-2A"),
        ("1-3-2 a棟", "1-3-2A"),  # lower case -> upper case
        ("A棟101", "A101"),
        ("1-3-2 ABC棟", "1-3-2"),  # 2+ consecutive letters are not kept
        ("1-3-2 ABCハイツB-5", "1-3-2B5"),
        ("2-3 A-B", "2-3AB"),  # hyphen between letters removed, letters stay (補足5)
        ("5-6 10F", "5-6-10"),  # floor F after digits, at the end
        ("5-6 10F 1001", "5-6-10-1001"),  # floor F followed by more data
        ("5-6 F棟10", "5-6F10"),  # F not after a digit is an ordinary letter
        ("5-6 2FA", "5-6-2"),  # "FA" is a run of letters, not a floor F
        ("5-6 9F", "5-6-9"),  # any digit before the F makes it a floor
        ("5-6 95F", "5-6-95"),
        ("5-6 0F", "5-6-0"),
        ("5-6 ：F棟", "5-6F"),  # after a symbol it is a letter (only a digit makes a floor)
        ("5-6 @F棟", "5-6F"),
        ("X棟101", "X101"),  # a letter at the start stays
        ("1-2 X", "1-2X"),  # and at the end
    ],
)
def test_letters(after_town, expected):
    assert address_number(after_town) == expected


@pytest.mark.parametrize("lower", "abcdefghijklmnopqrstuvwxyz")
def test_every_lower_case_letter_is_upper_cased(lower):
    assert address_number(f"1-2 {lower}棟") == f"1-2{lower.upper()}"
    assert address_number(f"1-2 {chr(ord(lower) + 0xFEE0)}棟") == f"1-2{lower.upper()}"  # full width


@pytest.mark.parametrize(
    ("letter", "encoded"),
    [
        ("A", ["CC1", "0"]), ("B", ["CC1", "1"]), ("J", ["CC1", "9"]),
        ("K", ["CC2", "0"]), ("O", ["CC2", "4"]), ("T", ["CC2", "9"]),
        ("U", ["CC3", "0"]), ("Y", ["CC3", "4"]), ("Z", ["CC3", "5"]),
    ],
)  # fmt: skip
def test_letter_encoding(letter, encoded):
    chars = customer_barcode("100-0013", f"{letter}棟")
    assert chars[7:20] == [*encoded] + ["CC4"] * 11


def test_letter_example_from_the_brief():
    # 5 (postal code) + 1+10+3+10+2 + 11+0 (A) + 6*14 (CC4) = 126 = 6*19 + 12 -> check value 7.
    assert customer_barcode("100-0013", "1-3-2 A棟") == chars_of("10000131-3-2CC10CC4CC4CC4CC4CC4CC47")


# --- Padding and truncation (manual p12, p20) -----------------------------------------------


def test_padding_with_cc4():
    chars = customer_barcode("100-0013", "1")
    assert chars[:8] == chars_of("10000131")
    assert chars[8:20] == ["CC4"] * 12


def test_empty_address_is_all_cc4_as_for_business_numbers():
    # Manual p22: an individual number (個別番号, here Japan Post's own 100-8792) is
    # barcoded alone, the 13 address places all CC4: 1+0+0+8+7+9+2 + 13*14 = 209 = 11*19.
    assert customer_barcode("100-8792", "") == [*"1008792", *["CC4"] * 13, "0"]


def test_exactly_thirteen_places_are_not_padded_or_cut():
    chars = customer_barcode("100-0013", "1234-5678-901")
    assert chars[7:20] == list("1234-5678-901")


def test_truncation_at_twenty_characters():
    # p20 case 1: the 20th character is a hyphen, "501" is cut off.
    assert customer_barcode("064-0804", "29丁目1524-23 第2郵便ハウス501")[:20] == list("064080429-1524-23-2-")


def test_truncation_keeps_the_control_code_of_a_cut_letter():
    # p20 case 2: "B" = CC1 1 would take places 20-21, only CC1 stays.
    chars = customer_barcode("910-0067", "3丁目80-25 J1ビル2-B")
    assert chars[:20] == chars_of("91000673-80-25CC191-2CC1")
    assert chars[19] == "CC1"


def test_letter_at_the_end_that_fits():
    chars = customer_barcode("100-0013", "12345678901A")  # 12 characters + 2 places
    assert chars[7:20] == [*"12345678901", "CC1", "0"][:13]


# --- Check digit (manual p21) --------------------------------------------------------


def test_check_values_table():
    assert [CHECK_VALUES[c] for c in "0123456789-"] == list(range(11))
    assert [CHECK_VALUES[f"CC{n}"] for n in range(1, 9)] == list(range(11, 19))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (chars_of("10000131-3-2-503CC4CC4CC4CC4"), "9"),  # p21 example
        (chars_of("4070033400CC4CC4CC4CC4CC4CC4CC4CC4CC4CC4"), "-"),  # value 10
        (chars_of("014011360-1CC4CC4CC4CC4CC4CC4CC4CC4CC4"), "CC8"),  # value 18
    ],
)
def test_check_digit(data, expected):
    assert check_digit(data) == expected


def test_check_digit_rejects_unknown_characters():
    with pytest.raises(ValueError, match=r"^not a customer barcode character: 'A'$"):
        check_digit(["1", "A"])


@settings(deadline=None)  # correctness, not speed: a loaded machine must not fail it
@given(st.lists(st.sampled_from(sorted(CHECK_VALUES)), min_size=20, max_size=20))
def test_check_digit_makes_the_sum_a_multiple_of_19(data):
    digit = check_digit(data)
    assert (sum(CHECK_VALUES[c] for c in data) + CHECK_VALUES[digit]) % 19 == 0


_ADDRESS_ALPHABET = list("0123456789-ABCFKZabf丁目番地号のノ一二三十百郵便ビル棟室 　－ー‐&./・１２Ａｂ")


@settings(max_examples=300, deadline=None)
@given(
    postal_code=st.from_regex(r"[0-9]{5}(0[1-9]|[1-9][0-9])", fullmatch=True),
    after_town=st.text(alphabet=_ADDRESS_ALPHABET, max_size=40),
)
def test_every_barcode_is_well_formed(postal_code, after_town):
    chars = customer_barcode(postal_code, after_town)
    assert len(chars) == 21
    assert all(c in BAR_PATTERNS for c in chars)
    assert chars[:7] == list(postal_code)
    assert sum(CHECK_VALUES[c] for c in chars) % 19 == 0
    data = chars[7:20]
    padding = len(data) - next((i for i, c in enumerate(reversed(data)) if c != "CC4"), len(data))
    assert "CC4" not in data[:padding]  # CC4 only as trailing filler

    number = address_number(after_town)
    assert re.fullmatch(r"([0-9A-Z]([0-9A-Z-]*[0-9A-Z])?)?", number)
    assert "--" not in number
    assert not re.search(r"-[A-Z]|[A-Z]-", number)


# --- Representative and invalid postal codes ----------------------------------------------


@pytest.mark.parametrize(
    ("postal_code", "after_town", "expected"),
    [
        ("100-0000", "1丁目1番", True),  # 東京都千代田区, 以下に掲載がない場合
        ("0600000", "", True),  # 札幌市中央区
        ("350-1100", "22-1", True),
        ("100-0013", "1丁目3番2号", False),
        ("100-0010", "1", False),
        ("564-8550", "", False),  # 吹田市役所, an individual number
        ("100-0013", "以下に掲載がない場合", True),  # the list line leaked into the address
    ],
)
def test_is_representative_postal_code(postal_code, after_town, expected):
    assert is_representative_postal_code(postal_code, after_town) is expected


def test_no_barcode_for_a_representative_postal_code():
    with pytest.raises(RepresentativePostalCodeError):
        customer_barcode("100-0000", "1丁目3番2号")
    with pytest.raises(
        ValueError, match=r"^564-0000 is a representative postal code \(代表の郵便番号\): no customer barcode$"
    ):
        customer_barcode("5640000", "泉町1丁目3番40号")
    # the list line 「以下に掲載がない場合」 leaked into the address: no barcode either
    with pytest.raises(RepresentativePostalCodeError, match=r"^100-0013 is a representative"):
        customer_barcode("100-0013", "以下に掲載がない場合")


@pytest.mark.parametrize("postal_code", ["", "100-001", "10000134", "abc-defg", "1000-013", "100_0013", "12345６"])
def test_invalid_postal_code(postal_code):
    with pytest.raises(ValueError, match=rf"^not a 7-digit postal code: '{postal_code}'$"):
        customer_barcode(postal_code, "1丁目")
    with pytest.raises(ValueError):
        is_representative_postal_code(postal_code, "1丁目")


@pytest.mark.parametrize("postal_code", [None, 1000013, ["100", "0013"]])
def test_a_postal_code_must_be_text(postal_code):
    with pytest.raises(ValueError, match=rf"^postal code must be a string, got {type(postal_code).__name__}$"):
        normalize_postal_code(postal_code)


@pytest.mark.parametrize(
    "postal_code",
    [
        "1000013",
        "100-0013",
        "〒100-0013",
        "１００－００１３",
        "100ー0013",
        " 100-0013 ",
        "100 0013",
        "〒 100 - 0013",
        "〒１００　００１３",
    ],
)
def test_postal_code_spellings(postal_code):
    assert normalize_postal_code(postal_code) == "1000013"
    assert customer_barcode(postal_code, "1丁目3番2号 郵便プラザ503室")[-1] == "9"


# --- Bar patterns ------------------------------------------------------------------------


def test_bar_patterns_table():
    assert set(BAR_PATTERNS) == set(CHECK_VALUES)
    assert all(len(p) == 3 and set(p) <= {LONG, UPPER, LOWER, TIMING} for p in BAR_PATTERNS.values())
    assert len(set(BAR_PATTERNS.values())) == 19  # every character distinct
    assert START_PATTERN == (LONG, LOWER)
    assert STOP_PATTERN == (LOWER, LONG)
    assert BAR_PATTERNS["1"] == (LONG, LONG, TIMING)
    assert BAR_PATTERNS["-"] == (TIMING, LONG, TIMING)
    assert BAR_PATTERNS["CC4"] == (TIMING, LOWER, UPPER)
    assert BAR_PATTERNS["CC8"] == (LONG, LONG, LONG)


# --- SVG -------------------------------------------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"


def _rects(svg: str) -> tuple[ET.Element, list[dict[str, float]]]:
    root = ET.fromstring(svg)
    rects = [{k: float(v) for k, v in r.attrib.items()} for r in root.iter(f"{_SVG}rect")]
    return root, rects


# Manual p12 at 10 pt, in mm: (top, height) of each bar kind; the timing zone is the middle third.
_BAR_GEOMETRY = {LONG: (0.0, 3.6), UPPER: (0.0, 2.4), LOWER: (1.2, 2.4), TIMING: (1.2, 1.2)}


def _decode(rects: list[dict[str, float]], point_size: float = 10.0) -> list[str]:
    """The bar kinds, read from each bar's exact top and height (a bar 0.1 mm off is no bar)."""
    scale = point_size / 10
    kinds = []
    for rect in rects:
        found = [
            kind
            for kind, (top, height) in _BAR_GEOMETRY.items()
            if abs(rect["y"] - top * scale) < 1e-6 and abs(rect["height"] - height * scale) < 1e-6
        ]
        assert len(found) == 1, f"the bar at x={rect['x']} (y={rect['y']}, height={rect['height']}) is no bar kind"
        kinds.append(found[0])
    return kinds


def test_svg_has_67_bars_at_the_manuals_dimensions():
    chars = customer_barcode("100-0013", "1丁目3番2号 郵便プラザ503室")
    svg = customer_barcode_svg(chars)
    root, rects = _rects(svg)
    assert len(rects) == 2 + 63 + 2
    # the markup itself: start code (long, lower), then the "1" (long, long, timing), numbers in mm
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" width="79.8mm" height="3.6mm" viewBox="0 0 79.8 3.6" role="img" '
    )
    assert (
        '<g fill="#000"><rect x="0" y="0" width="0.6" height="3.6"/><rect x="1.2" y="1.2" width="0.6" height="2.4"/>'
        '<rect x="2.4" y="0" width="0.6" height="3.6"/><rect x="3.6" y="0" width="0.6" height="3.6"/>'
        '<rect x="4.8" y="1.2" width="0.6" height="1.2"/>'
    ) in svg
    assert svg.endswith('<rect x="79.2" y="0" width="0.6" height="3.6"/></g></svg>')
    group = root.find(f"{_SVG}g")
    assert group.text is None and all(rect.tail is None for rect in group)  # bars only, nothing between
    assert root.get("width") == "79.8mm"  # 66 pitches of 1.2 mm + one bar of 0.6 mm
    assert root.get("height") == "3.6mm"
    assert root.get("viewBox") == "0 0 79.8 3.6"
    assert {r["width"] for r in rects} == {0.6}
    assert [r["x"] for r in rects] == pytest.approx([i * 1.2 for i in range(67)])
    assert {r["height"] for r in rects} == {3.6, 2.4, 1.2}
    assert _decode(rects) == bars_of(chars)


@pytest.mark.parametrize(("postal_code", "town", "after_town", "expected"), MANUAL_P25[:4])
def test_svg_round_trip(postal_code, town, after_town, expected):
    chars = customer_barcode(postal_code, after_town)
    _, rects = _rects(customer_barcode_svg(chars))
    kinds = _decode(rects)
    assert tuple(kinds[:2]) == START_PATTERN and tuple(kinds[-2:]) == STOP_PATTERN
    inverse = {pattern: char for char, pattern in BAR_PATTERNS.items()}
    assert [inverse[tuple(kinds[i : i + 3])] for i in range(2, 65, 3)] == chars_of(expected)


@pytest.mark.parametrize(("point_size", "width", "height"), [(8, "63.84mm", "2.88mm"), (11.5, "91.77mm", "4.14mm")])
def test_svg_scales_with_point_size(point_size, width, height):
    chars = customer_barcode("100-0013", "1-3-2")
    root, rects = _rects(customer_barcode_svg(chars, point_size=point_size))
    assert (root.get("width"), root.get("height")) == (width, height)
    assert [r["x"] for r in rects] == pytest.approx([i * 1.2 * point_size / 10 for i in range(67)])
    assert [r["width"] for r in rects] == pytest.approx([0.6 * point_size / 10] * 67)
    assert _decode(rects, point_size) == bars_of(chars)


@pytest.mark.parametrize("point_size", [7.9, 11.6, 0])
def test_svg_rejects_point_sizes_outside_8_to_11_5(point_size):
    with pytest.raises(ValueError, match=rf"^point size must be 8.0-11.5, got {point_size}$"):
        customer_barcode_svg(customer_barcode("100-0013", "1"), point_size=point_size)


@pytest.mark.parametrize("point_size", [8, 11.5])
def test_svg_accepts_the_limits(point_size):
    assert customer_barcode_svg(customer_barcode("100-0013", "1"), point_size=point_size).startswith("<svg")


_GOOD = ["1", "0", "0", "0", "0", "1", "3", "1", "-", "3", "-", "2", *["CC4"] * 8, "9"]  # 100-0013 1丁目3番2号
_NOT_A_POSTAL_CODE = ["-", *_GOOD[1:20], "0"]  # "-" (10) for the "1" (1): check digit 9 -> 0, still right


@pytest.mark.parametrize(
    ("chars", "message"),
    [
        (_GOOD[:20], r"^expected 21 barcode characters, got \["),  # too short
        ([*_GOOD, "0"], r"^expected 21 barcode characters, got \["),  # too long (a "0" keeps the check sum)
        ("".join(_GOOD), r"^expected 21 barcode characters, got '"),  # a string, not a list of characters
        ([*_GOOD[:10], "A", *_GOOD[11:]], r"^not customer barcode characters: \['A'\]$"),
        (_NOT_A_POSTAL_CODE, r"^the first 7 characters must be the postal code$"),
        ([*_GOOD[:20], "CC2"], r"^wrong check digit in \["),
    ],
)
def test_svg_rejects_bad_characters(chars, message):
    assert customer_barcode("100-0013", "1丁目3番2号") == _GOOD
    with pytest.raises(ValueError, match=message):
        customer_barcode_svg(chars)


def test_svg_label_names_the_characters():
    chars = customer_barcode("100-0013", "1丁目3番2号 郵便プラザ503室")
    root, _ = _rects(customer_barcode_svg(chars))
    assert root.get("aria-label") == "カスタマバーコード " + " ".join(chars)
