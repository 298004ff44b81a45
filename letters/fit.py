"""Fitting the address block into the envelope window (宛名の窓内配置), with the fonts' own metrics.

The address block of the inquiry letter (postal code, address with 方書, name + 様, 通称, customer
barcode, 転送不要) must be wholly visible through the window of a 長形3号 envelope with at least
``WINDOW_PLAY_MM`` of play on every side, for every address and name the register accepts
(LETTERS.md, "Mail-safety"). This module decides, before WeasyPrint sees the letter, the type size
of every line, where the 方書 wraps, and whether the customer barcode fits; every line is then set
as its own box of the computed height with ``white-space: nowrap`` (nothing is ever clipped), so
the layout on paper is exactly the one measured here.

Widths come from the advance widths (``hmtx``) of the letter fonts read with fontTools: IPAmj明朝
for the register's characters (falling back, like Pango, to IPAex明朝 for what IPAmj lacks) and
IPAex明朝 for the rest. Variation selectors (IVS) have no width and never split from their base
character. A measured width is compared with the line's width less ``WIDTH_SAFETY``.

The rules, tried in order until the block fits (``STEPS``): the type shrinks step by step (never
below ``MIN_PT``), the 方書 wraps onto as many lines as the height allows, the barcode is set at the
largest point size (8–11.5 pt, Japan Post) that fits the width with its 2 mm quiet space, and as a
last resort the barcode (optional in LETTERS.md) is left out rather than shrinking the name
further. Past that the letter is refused with :class:`AddressBlockDoesNotFit`, whose message names
the field that is too long. A character that neither font has refuses the letter too
(:class:`UnprintableCharacter`): it would print in a fallback face or as an empty box.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_noop

__all__ = [
    "AddressBlockDoesNotFit",
    "BlockLayout",
    "LetterRefused",
    "MIN_PT",
    "UnprintableCharacter",
    "check_printable",
    "fit_address_block",
    "text_width_mm",
]

PT_MM = 25.4 / 72
MIN_PT = 8.0  # LETTERS.md: the type never shrinks below 8 pt
WINDOW_PLAY_MM = 3.0
WIDTH_SAFETY = 0.96  # measured width must stay within 96 % of the line (kerning, rounding, hinting)

# Vertical rhythm, in mm (letters.css mirrors none of these: the template gets the computed heights).
GAP_ADDRESS_MM = 0.4  # between the postal code and the address
GAP_NAME_MM = 0.8  # between the address and the name
GAP_NOFWD_MM = 0.8  # between the name and 転送不要 when there is no barcode
NOFWD_BOX_MM = 2 * 0.3 + 2 * 0.15  # border (0.3 mm) and padding (0.15 mm) above and below 転送不要
NOFWD_SIDES_MM = 2 * 0.3 + 2 * 1.5  # border and padding left and right
NOFWD_LETTER_SPACING_MM = 0.5
# Japanese by nature: printed on the letter
NOFWD_TEXT = "転送不要"
SAMA = "様"
POSTAL_MARK = "〒"

# Customer barcode (Japan Post, 郵便番号・バーコードマニュアル p12): at a points, width 79.8 × a/10 mm;
# the long bar is drawn at 3.5 × a/10 mm, the middle of the tolerance 3.40–3.60 × a/10 (the nominal
# 3.6 is the top of it: ink spread would push it out); quiet space of 2 mm on every side.
BARCODE_QUIET_MM = 2.0
BARCODE_WIDTH_10PT_MM = 79.8
BARCODE_LONG_BAR_10PT_MM = 3.5
BARCODE_POINT_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0)


@dataclass(frozen=True)
class Step:
    """Type sizes (pt) of one attempt and the line height as a multiple of the size."""

    postal: float
    address: float
    name: float
    nofwd: float
    line_height: float
    barcode_max_pt: float


#: Attempts in order of preference; each is tried with the barcode, then all again without it.
STEPS = (
    Step(10.0, 10.0, 14.0, 10.0, 1.25, 10.0),
    Step(10.0, 9.5, 13.0, 10.0, 1.2, 10.0),
    Step(9.5, 9.0, 12.0, 9.5, 1.2, 9.5),
    Step(9.0, 8.5, 11.0, 9.0, 1.2, 9.0),
    Step(9.0, 8.0, 10.0, 9.0, 1.15, 8.0),
    Step(8.0, 8.0, 9.0, 8.0, 1.15, 8.0),
    Step(8.0, 8.0, 8.0, 8.0, 1.15, 8.0),
)


class LetterRefused(ValidationError):
    """The letter cannot be printed as it is: the message says which field and why (staff can act)."""

    def __init__(self, field_label: str, message: str):
        self.field_label = field_label
        super().__init__(message, code="letter_refused")


class AddressBlockDoesNotFit(LetterRefused):
    """The address block does not fit the envelope window even at the smallest type."""


class UnprintableCharacter(LetterRefused):
    """A character of a name or address that neither letter font has."""


# --- font metrics ---------------------------------------------------------------------------------

_lock = threading.Lock()
_metrics: dict[str, tuple[dict[int, int], float]] | None = None


def _font_metrics() -> dict[str, tuple[dict[int, int], float]]:
    """family -> ({code point: advance width in font units}, units per em), read once per process."""
    global _metrics
    with _lock:
        if _metrics is None:
            from fontTools.ttLib import TTFont

            from residents.glyphs import font_files

            loaded = {}
            for family, path in font_files().items():
                font = TTFont(path, lazy=True, fontNumber=0)
                try:
                    cmap = font.getBestCmap() or {}
                    hmtx = font["hmtx"]
                    widths = {code: hmtx[glyph][0] for code, glyph in cmap.items()}
                    loaded[family] = (widths, float(font["head"].unitsPerEm))
                finally:
                    font.close()
            _metrics = loaded
        return _metrics


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180D


def char_em(char: str, *, register: bool) -> float:
    """Advance of one character in em: IPAmj明朝 then IPAex明朝 for register text, the reverse otherwise."""
    if _is_variation_selector(char) or unicodedata.category(char) in ("Mn", "Cf"):
        return 0.0
    metrics = _font_metrics()
    order = ("IPAmjMincho", "IPAexMincho") if register else ("IPAexMincho", "IPAmjMincho")
    for family in order:
        widths, upm = metrics[family]
        advance = widths.get(ord(char))
        if advance is not None:
            return advance / upm
    return 1.0  # unprintable: refused by check_printable before it matters


def text_width_mm(text: str, size_pt: float, *, register: bool = True) -> float:
    return sum(char_em(c, register=register) for c in text) * size_pt * PT_MM


def _clusters(text: str) -> list[str]:
    """Characters with their variation selectors / combining marks attached (never split apart)."""
    out: list[str] = []
    for char in text:
        if out and (_is_variation_selector(char) or unicodedata.category(char) in ("Mn", "Me")):
            out[-1] += char
        else:
            out.append(char)
    return out


# Characters that may not start a line (行頭禁則, a short list) and ASCII word characters kept together.
_NO_LINE_START = set("、。，．,.)）」』】〕〉》・ー～々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")


def _is_word(cluster: str) -> bool:
    return cluster[0].isascii() and cluster[0].isalnum()


def wrap(text: str, width_mm: float, size_pt: float, *, register: bool = True) -> list[str]:
    """Greedy line breaking within ``width_mm``: anywhere between Japanese characters, between ASCII
    words (a word longer than a line is cut), never before a closing bracket or a small kana."""
    limit = width_mm * WIDTH_SAFETY
    lines: list[str] = []
    current: list[str] = []
    width = 0.0
    for cluster in _clusters(text):
        w = text_width_mm(cluster, size_pt, register=register)
        if current and width + w > limit:
            cut = len(current)
            if _is_word(cluster):  # move the word begun on this line to the next one
                while cut > 0 and _is_word(current[cut - 1]):
                    cut -= 1
                if cut == 0:
                    cut = len(current)
            elif cluster[0] in _NO_LINE_START and len(current) > 1:
                cut = len(current) - 1
            carried = current[cut:]
            line = "".join(current[:cut]).rstrip(" 　")
            if line:
                lines.append(line)
            while carried and not carried[0].strip():
                carried.pop(0)
            current = carried
            width = text_width_mm("".join(current), size_pt, register=register)
        if not current and not cluster.strip():
            continue  # no space at the start of a line
        current.append(cluster)
        width += w
    if current:
        lines.append("".join(current).rstrip(" 　"))
    return lines


# --- the block --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    size_pt: float
    height_mm: float


@dataclass
class BlockLayout:
    """The address block as the template sets it: every line with its size and height (mm)."""

    postal: Line
    address: list[Line]
    building: list[Line]
    name: Line
    sama_pt: float
    alias: Line | None
    nofwd: Line
    barcode_pt: float | None
    barcode_width_mm: float = 0.0
    barcode_height_mm: float = 0.0
    gaps: dict[str, float] = field(default_factory=dict)
    height_mm: float = 0.0
    width_mm: float = 0.0
    nofwd_width_mm: float = 0.0

    @property
    def lines(self) -> list[Line]:
        return [self.postal, *self.address, *self.building, self.name, *([self.alias] if self.alias else [])]


def _fit_size(text: str, width_mm: float, preferred: float, *, register: bool, suffix_em: float = 0.0) -> float | None:
    """The largest size ≤ ``preferred`` (steps of 0.5 pt, not below MIN_PT) at which one line fits."""
    size = preferred
    while size >= MIN_PT - 1e-9:
        needed = text_width_mm(text, size, register=register) + suffix_em * size * PT_MM
        if needed <= width_mm * WIDTH_SAFETY:
            return size
        size -= 0.5
    return None


def check_printable(fields: list[tuple[str, str]]) -> None:
    """Refuse (:class:`UnprintableCharacter`) a field holding a character no letter font has."""
    from residents.glyphs import unprintable_characters

    for label, value in fields:
        missing = unprintable_characters(value or "")
        if missing:
            shown = _t("、").join(
                _t("「%(char)s」(U+%(codepoint)s)") % {"char": c, "codepoint": f"{ord(c):04X}"} for c in missing
            )
            raise UnprintableCharacter(
                label,
                _t(
                    "%(field)sの文字 %(chars)s は帳票の書体（IPAmj明朝・IPAex明朝）にないため印刷できません。"
                    "住民記録で代替文字を登録するか、%(field)sを確認してください。"
                )
                % {"field": _t(label), "chars": shown},
            )


def fit_address_block(
    *,
    postal_code: str,
    address: str,
    building: str,
    name: str,
    alias: str = "",
    barcode: bool,
    width_mm: float,
    height_mm: float,
) -> BlockLayout:
    """The sizes and lines of the address block for an inner box of ``width_mm`` × ``height_mm``.

    Raises :class:`AddressBlockDoesNotFit` naming the field (氏名, 通称, 住所, 方書) that does not fit.
    """
    if width_mm <= 0 or height_mm <= 0:
        raise AddressBlockDoesNotFit(gettext_noop("窓"), _t("封筒の窓の設定（LETTER_WINDOW_MM）が小さすぎます。"))
    sama_em = 0.25 + char_em(SAMA, register=False) * 0.9  # 様 at 0.9 × the name's size after a 0.25 em gap
    too_long: list[str] = []
    for with_barcode in (True, False) if barcode else (False,):
        for step in STEPS:
            layout = _attempt(
                step, postal_code, address, building, name, alias, with_barcode, width_mm, height_mm, sama_em
            )
            if isinstance(layout, BlockLayout):
                return layout
            too_long.append(layout)
    # the field named is the one the smallest attempt found too long (height: the 方書, or the address)
    label = too_long[-1]
    raise AddressBlockDoesNotFit(
        label,
        _t(
            "%(field)sが長すぎるため、宛名が封筒の窓（余白%(play)smm）に収まりません"
            "（文字を%(min_pt)sポイントまで縮小しても入りません）。%(field)sを確認してください。"
        )
        % {"field": _t(label), "play": f"{WINDOW_PLAY_MM:g}", "min_pt": f"{MIN_PT:g}"},
    )


def _attempt(step, postal_code, address, building, name, alias, with_barcode, width, height, sama_em):
    """A BlockLayout when this step fits, else the label of the field that does not."""

    def line_h(size: float) -> float:
        return size * step.line_height * PT_MM

    postal_text = f"{POSTAL_MARK}{postal_code}"
    postal_pt = _fit_size(postal_text, width, step.postal, register=False)
    if postal_pt is None:
        return gettext_noop("郵便番号")
    address_pt = _fit_size(address, width, step.address, register=True)
    if address_pt is None:
        return gettext_noop("住所")
    name_pt = _fit_size(name, width, step.name, register=True, suffix_em=sama_em)
    if name_pt is None:
        return gettext_noop("氏名")
    alias_line = None
    if alias:
        alias_text = f"（通称）{alias}"  # Japanese by nature: printed on the letter
        alias_pt = _fit_size(alias_text, width, min(step.address + 1, step.name), register=True)
        if alias_pt is None:
            return gettext_noop("通称")
        alias_line = Line(alias_text, alias_pt, line_h(alias_pt))
    building_lines = [Line(t, step.address, line_h(step.address)) for t in wrap(building, width, step.address)]

    barcode_pt = None
    if with_barcode:
        barcode_pt = next(
            (
                pt
                for pt in BARCODE_POINT_SIZES
                if pt <= step.barcode_max_pt and BARCODE_WIDTH_10PT_MM * pt / 10 + 2 * BARCODE_QUIET_MM <= width
            ),
            None,
        )
        if barcode_pt is None:
            return gettext_noop("方書")  # (only when the window is too narrow for any barcode: then try without)
    nofwd = Line(NOFWD_TEXT, step.nofwd, line_h(step.nofwd))
    gaps = {"address": GAP_ADDRESS_MM, "name": GAP_NAME_MM, "nofwd": 0.0 if barcode_pt else GAP_NOFWD_MM}
    barcode_h = BARCODE_LONG_BAR_10PT_MM * barcode_pt / 10 if barcode_pt else 0.0
    layout = BlockLayout(
        postal=Line(postal_text, postal_pt, line_h(postal_pt)),
        address=[Line(address, address_pt, line_h(address_pt))],
        building=building_lines,
        name=Line(name, name_pt, line_h(name_pt)),
        sama_pt=round(name_pt * 0.9, 2),
        alias=alias_line,
        nofwd=nofwd,
        barcode_pt=barcode_pt,
        barcode_width_mm=round(BARCODE_WIDTH_10PT_MM * barcode_pt / 10, 3) if barcode_pt else 0.0,
        barcode_height_mm=round(barcode_h, 3),
        gaps=gaps,
        width_mm=width,
    )
    layout.nofwd_width_mm = round(  # the content box; border and padding (NOFWD_SIDES_MM) come outside
        text_width_mm(NOFWD_TEXT, step.nofwd, register=False) / WIDTH_SAFETY + 4 * NOFWD_LETTER_SPACING_MM, 3
    )
    total = sum(line.height_mm for line in layout.lines) + nofwd.height_mm + NOFWD_BOX_MM + sum(gaps.values())
    if barcode_pt:
        total += barcode_h + 2 * BARCODE_QUIET_MM
    layout.height_mm = total
    if total > height:
        return gettext_noop("方書") if building else gettext_noop("住所")
    return layout
