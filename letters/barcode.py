"""Japan Post customer barcode (カスタマバーコード).

Implements the rules of Japan Post's 郵便番号・バーコードマニュアル
(https://www.post.japanpost.jp/zipcode/zipmanual/):

* p11-p12  the symbol: 4-state bars, 3 bars per character, start code, 7 postal-code
  digits, 13 places of address number (住所表示番号), check digit, stop code; the
  dimensions at 8-11.5 pt.
* p17-p20  splitting the address into 住所A (up to the 町域) and 住所B (after it),
  extracting the address number from 住所B (basic rules 1-6 and supplementary rules
  補足1-5), joining it to the postal code, truncating at 20 characters.
* p18      a representative postal code (代表の郵便番号) gets no barcode.
* p21      the check digit (sum of all character values a multiple of 19).
* p22      large-volume business / PO box numbers: the postal code alone, the 13
  address places all filled with CC4 (call ``customer_barcode(code, "")``).
* p25      worked examples (used by the tests).

Only the part of the address *after* the 町域 is passed in (住所B); splitting a
full address needs the town list of the postal-code data and is the caller's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "BAR_PATTERNS",
    "CHECK_VALUES",
    "LONG",
    "LOWER",
    "START_PATTERN",
    "STOP_PATTERN",
    "TIMING",
    "UPPER",
    "RepresentativePostalCodeError",
    "address_number",
    "check_digit",
    "customer_barcode",
    "customer_barcode_svg",
    "is_representative_postal_code",
    "normalize_postal_code",
]

# --- Bar kinds (manual p11: ロングバー, セミロングバー(上), セミロングバー(下), タイミングバー)
LONG = "long"  # from the top line to the bottom line
UPPER = "upper"  # upper semi-long: top line to the bottom of the timing zone
LOWER = "lower"  # lower semi-long: top of the timing zone to the bottom line
TIMING = "timing"  # timing zone only (the middle third)

# Bar patterns of the 19 characters (manual p11, カスタマバーコードの体系).
BAR_PATTERNS: dict[str, tuple[str, str, str]] = {
    "1": (LONG, LONG, TIMING),
    "2": (LONG, LOWER, UPPER),
    "3": (LOWER, LONG, UPPER),
    "4": (LONG, UPPER, LOWER),
    "5": (LONG, TIMING, LONG),
    "6": (LOWER, UPPER, LONG),
    "7": (UPPER, LONG, LOWER),
    "8": (UPPER, LOWER, LONG),
    "9": (TIMING, LONG, LONG),
    "0": (LONG, TIMING, TIMING),
    "-": (TIMING, LONG, TIMING),
    "CC1": (LOWER, UPPER, TIMING),
    "CC2": (LOWER, TIMING, UPPER),
    "CC3": (UPPER, LOWER, TIMING),
    "CC4": (TIMING, LOWER, UPPER),
    "CC5": (UPPER, TIMING, LOWER),
    "CC6": (TIMING, UPPER, LOWER),
    "CC7": (TIMING, TIMING, LONG),
    "CC8": (LONG, LONG, LONG),
}
START_PATTERN: tuple[str, str] = (LONG, LOWER)  # スタートコード (STC)
STOP_PATTERN: tuple[str, str] = (LOWER, LONG)  # ストップコード (SPC)

# チェックデジット計算対応表 (manual p21): 0-9 -> 0-9, "-" -> 10, CC1..CC8 -> 11..18.
_CHARACTERS: tuple[str, ...] = (
    *"0123456789",
    "-",
    *(f"CC{n}" for n in range(1, 9)),
)
CHECK_VALUES: dict[str, int] = {char: value for value, char in enumerate(_CHARACTERS)}

POSTAL_CODE_LENGTH = 7
ADDRESS_PLACES = 13  # 住所表示番号のけた数
DATA_LENGTH = POSTAL_CODE_LENGTH + ADDRESS_PLACES  # 20, before the check digit
FILLER = "CC4"  # pads the address places (manual p12)

# Dimensions at 10 pt in mm (manual p12); everything scales with a/10, 8 <= a <= 11.5.
MIN_POINT_SIZE = 8.0
MAX_POINT_SIZE = 11.5
BAR_WIDTH_MM = 0.6
BAR_PITCH_MM = 1.2
LONG_BAR_MM = 3.6
SEMI_LONG_BAR_MM = 2.4
TIMING_BAR_MM = 1.2


class RepresentativePostalCodeError(ValueError):
    """The postal code is a representative one: the manual forbids a barcode for it."""


# --- Character normalisation -------------------------------------------------------

# Dashes and long-vowel marks people type between address numbers.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u02d7\u30fc\uff70\ufe63\uff0d"
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！..～ -> !..~
_HALFWIDTH.update({0x3000: 0x20, 0xFF65: 0x30FB})  # ideographic space, halfwidth ･
_HALFWIDTH.update({ord(dash): ord("-") for dash in _DASHES})
_ASCII_UPPER = {code: code - 32 for code in range(ord("a"), ord("z") + 1)}

# Basic rule 2: removed without leaving a hyphen (the full-width forms are folded first).
_REMOVED = {ord(char): None for char in "&/・."}

# Supplementary rule 1: kanji numerals right before these become Arabic numerals.
_KANJI_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "弐": 2, "三": 3, "参": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL_BEFORE_MARKER = re.compile(
    "([" + "".join(_KANJI_DIGITS) + "".join(_KANJI_UNITS) + "]+)(?=丁目|丁|番地|番|号|地割|線|の|ノ)"
)
_TOKEN = re.compile(r"[0-9]+|[A-Z]+|-+|[^0-9A-Z-]+")
_HYPHEN_BESIDE_LETTER = re.compile(r"-(?=[A-Z])|(?<=[A-Z])-")
_POSTAL_CODE = re.compile(r"([0-9]{3})-?([0-9]{4})")

# The 「以下に掲載がない場合」 line of the postal-code list, if it leaked into the address.
_NOT_LISTED_MARKERS = ("以下に掲載がない場合", "上記に記載がない場合")


def _halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


def _kanji_numeral_value(numeral: str) -> str:
    """Kanji numeral to Arabic digits: 二十三 -> 23, 百二 -> 102, 一〇三 -> 103."""
    if not any(char in _KANJI_UNITS for char in numeral):
        return "".join(str(_KANJI_DIGITS[char]) for char in numeral)
    total = 0
    pending: int | None = None
    for char in numeral:
        if char in _KANJI_UNITS:
            total += (1 if pending is None else pending) * _KANJI_UNITS[char]
            pending = None
        else:
            pending = _KANJI_DIGITS[char]
    return str(total + (pending or 0))


def address_number(address_after_town: str) -> str:
    """Extract the address number (住所表示番号) from the address after the 町域.

    Returns digits, hyphens and capital letters, e.g. ``"3-20-5B604"`` for
    「東3丁目-20-5 郵便・A&bコーポB604号」 (manual p19). Steps:

    0. full-width ASCII to half-width; dash-like characters (－‐―ー− ...) to "-";
    補足1. kanji numerals right before 丁目/丁/番地/番/号/地割/線/の/ノ to digits
       (other kanji numerals are dropped like any kanji);
    1. lower-case letters to upper case;
    2. remove & / ・ . without a trace;
    3. keep digits, hyphens and single letters (a run of 2+ letters is not kept);
       補足2/3: a single "F" right after a digit (a floor, "2F") is not kept;
    4. every other run of characters before a kept one becomes one hyphen
       (anything after the last kept character is dropped);
    5. repeated hyphens collapse into one; 6. a leading hyphen is removed;
    補足4/5. hyphens before and after a letter are removed (letters that become
       adjacent stay, e.g. "6-7LB106").
    """
    text = _halfwidth(address_after_town)
    text = _KANJI_NUMERAL_BEFORE_MARKER.sub(lambda m: _kanji_numeral_value(m.group(1)), text)
    text = text.translate(_ASCII_UPPER).translate(_REMOVED)

    parts: list[str] = []
    previous = ""
    for token in _TOKEN.findall(text):
        if "0" <= token[0] <= "9":
            parts.append(token)
        elif "A" <= token[0] <= "Z" and len(token) == 1 and not (token == "F" and "0" <= previous[-1:] <= "9"):
            parts.append(token)
        else:  # hyphens, kanji, kana, blanks, symbols, letter runs, the floor "F"
            parts.append("-")
        previous = token
    number = re.sub("-+", "-", "".join(parts)).strip("-")
    return _HYPHEN_BESIDE_LETTER.sub("", number)


def _encode(number: str) -> list[str]:
    """Address number to barcode characters: a letter takes two places (manual p12)."""
    chars: list[str] = []
    for char in number:
        if "A" <= char <= "Z":
            index = ord(char) - ord("A")  # A=CC1 0 ... J=CC1 9, K=CC2 0 ..., Z=CC3 5
            chars += [f"CC{index // 10 + 1}", str(index % 10)]
        else:
            chars.append(char)
    return chars


def normalize_postal_code(postal_code: str) -> str:
    """Return the 7 digits of a postal code ("100-0013", "1000013", "〒１００－００１３")."""
    if not isinstance(postal_code, str):
        raise ValueError(f"postal code must be a string, got {type(postal_code).__name__}")
    text = "".join(_halfwidth(postal_code).split()).removeprefix("〒")
    match = _POSTAL_CODE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a 7-digit postal code: {postal_code!r}")
    return match.group(1) + match.group(2)


def is_representative_postal_code(postal_code: str, address_after_town: str) -> bool:
    """Is this a representative postal code (代表の郵便番号), which gets no barcode?

    Manual p18: a representative code is the one the postal-code list gives under
    「以下に掲載がない場合」 (the municipality's code for towns not listed); its last two
    digits (6th-7th) are in principle "00" (e.g. 100-0000 for 東京都千代田区, 060-0000
    for 札幌市中央区). The code decides; the address only adds the case where that
    list line itself leaked into the address data.
    """
    code = normalize_postal_code(postal_code)
    if code.endswith("00"):
        return True
    return any(marker in (address_after_town or "") for marker in _NOT_LISTED_MARKERS)


def check_digit(chars: Sequence[str]) -> str:
    """The character that makes the sum of all values a multiple of 19 (manual p21)."""
    try:
        total = sum(CHECK_VALUES[char] for char in chars)
    except KeyError as error:
        raise ValueError(f"not a customer barcode character: {error.args[0]!r}") from None
    return _CHARACTERS[-total % 19]


def customer_barcode(postal_code: str, address_after_town: str) -> list[str]:
    """The 21 characters between start and stop code.

    7 postal-code digits, 13 address places (address number, letters as control
    code + digit, padded with CC4 or cut after the 20th character; a letter cut in
    half keeps its control code, manual p20) and the check digit.

    Raises ``ValueError`` for a postal code that is not 7 digits and
    ``RepresentativePostalCodeError`` (a ``ValueError``) for a representative postal
    code: the manual says such mail gets no barcode, so print none.
    For a large-volume business or PO box code (個別番号, e.g. 564-8550) pass
    ``address_after_town=""``: the address places are then all CC4 (manual p22).
    """
    code = normalize_postal_code(postal_code)
    if is_representative_postal_code(code, address_after_town):
        raise RepresentativePostalCodeError(
            f"{code[:3]}-{code[3:]} is a representative postal code (代表の郵便番号): no customer barcode"
        )
    data = [*code, *_encode(address_number(address_after_town or ""))][:DATA_LENGTH]
    data += [FILLER] * (DATA_LENGTH - len(data))
    return [*data, check_digit(data)]


def _validate(chars: Sequence[str]) -> None:
    if isinstance(chars, str) or len(chars) != DATA_LENGTH + 1:
        raise ValueError(f"expected {DATA_LENGTH + 1} barcode characters, got {chars!r}")
    unknown = [char for char in chars if char not in BAR_PATTERNS]
    if unknown:
        raise ValueError(f"not customer barcode characters: {unknown!r}")
    if any(not char.isdigit() for char in chars[:POSTAL_CODE_LENGTH]):
        raise ValueError(f"the first {POSTAL_CODE_LENGTH} characters must be the postal code")
    if sum(CHECK_VALUES[char] for char in chars) % 19:
        raise ValueError(f"wrong check digit in {chars!r}")


def _mm(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def customer_barcode_svg(chars: list[str], *, point_size: float = 10.0) -> str:
    """Inline SVG of the whole symbol: start code, the 21 characters, stop code (67 bars).

    Drawn to the manual's reference dimensions (p12) scaled by ``point_size / 10``:
    at 10 pt bar width 0.6 mm, pitch 1.2 mm (space 0.6 mm), long bar 3.6 mm,
    semi-long 2.4 mm, timing bar 1.2 mm. Width and height are in mm; there is no
    quiet zone in the drawing, the layout must keep the blank margin around it.
    """
    _validate(chars)
    if not MIN_POINT_SIZE <= point_size <= MAX_POINT_SIZE:
        raise ValueError(f"point size must be {MIN_POINT_SIZE}-{MAX_POINT_SIZE}, got {point_size}")
    scale = point_size / 10
    width, pitch = BAR_WIDTH_MM * scale, BAR_PITCH_MM * scale
    timing, semi, long_ = TIMING_BAR_MM * scale, SEMI_LONG_BAR_MM * scale, LONG_BAR_MM * scale
    extent = {  # kind -> (y, height); the timing zone is the middle third
        LONG: (0.0, long_),
        UPPER: (0.0, semi),
        LOWER: (long_ - semi, semi),
        TIMING: ((long_ - timing) / 2, timing),
    }
    bars = [*START_PATTERN, *(kind for char in chars for kind in BAR_PATTERNS[char]), *STOP_PATTERN]
    total_width = (len(bars) - 1) * pitch + width
    rects = "".join(
        f'<rect x="{_mm(i * pitch)}" y="{_mm(extent[kind][0])}" width="{_mm(width)}" height="{_mm(extent[kind][1])}"/>'
        for i, kind in enumerate(bars)
    )
    label = "カスタマバーコード " + " ".join(chars)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_mm(total_width)}mm" '
        f'height="{_mm(long_)}mm" viewBox="0 0 {_mm(total_width)} {_mm(long_)}" '
        f'role="img" aria-label="{label}"><g fill="#000">{rects}</g></svg>'
    )
