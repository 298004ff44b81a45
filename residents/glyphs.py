"""Which characters the letters' fonts can print.

Names and addresses are printed in IPAmj明朝 (the 文字情報基盤 set of resident registers) with
IPAex明朝 (JIS X 0213) for the rest. A character that neither font has would be printed by a
fallback face or as an empty box, so it is caught when it enters the register (the feed's dry
run and the counter's screens list it, like the 代替文字 check) and a letter that holds one is
refused at rendering.

The fonts' character maps (``cmap``) are read once with fontTools, located through fontconfig
(``fc-match``), the same lookup WeasyPrint's Pango uses. Variation selectors are not glyphs of
their own: an IVS prints as its base character when the font has no variant, so they never make
a character unprintable. Text is compared in NFC, the form the register stores.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

__all__ = ["LETTER_FONT_FAMILIES", "font_files", "is_printable_char", "unprintable_characters"]

#: The families the letters use, in the order Pango tries them.
LETTER_FONT_FAMILIES = ("IPAmjMincho", "IPAexMincho")

# Debian's paths (fonts-ipamj-mincho, fonts-ipaexfont-mincho), used when fc-match is missing.
_KNOWN_FILES = {
    "IPAmjMincho": ("/usr/share/fonts/truetype/ipamj/ipamjm.ttf",),
    "IPAexMincho": ("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",),
}

_lock = threading.Lock()
_covered: frozenset[int] | None = None


class LetterFontMissing(RuntimeError):
    """A letter font is not installed: nothing can be checked (or printed) without it."""


def _is_variation_selector(code: int) -> bool:
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180D


def font_files() -> dict[str, Path]:
    """The installed file of each letter font family (fontconfig's answer, else Debian's path)."""
    found: dict[str, Path] = {}
    fc_match = shutil.which("fc-match")
    for family in LETTER_FONT_FAMILIES:
        path = None
        if fc_match:
            result = subprocess.run(
                [fc_match, "--format=%{family}\n%{file}", family],
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
            lines = result.stdout.splitlines()
            if result.returncode == 0 and len(lines) >= 2 and family in lines[0].split(","):
                path = Path(lines[1])
        if path is None or not path.is_file():
            path = next((Path(p) for p in _KNOWN_FILES[family] if Path(p).is_file()), None)
        if path is None:
            raise LetterFontMissing(f"letter font {family} is not installed (Debian: .ci/install-system)")
        found[family] = path
    return found


def _coverage() -> frozenset[int]:
    global _covered
    with _lock:
        if _covered is None:
            codes: set[int] = set()
            for path in font_files().values():
                font = TTFont(path, lazy=True, fontNumber=0)
                try:
                    codes.update(font.getBestCmap() or {})
                finally:
                    font.close()
            _covered = frozenset(codes)
        return _covered


def is_printable_char(char: str) -> bool:
    """True when a letter font has this character (variation selectors and controls of layout count)."""
    code = ord(char)
    if _is_variation_selector(code):
        return True
    return code in _coverage()


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` (in NFC) that no letter font has, each once, in order of appearance."""
    seen: list[str] = []
    for char in unicodedata.normalize("NFC", text or ""):
        if char not in seen and not is_printable_char(char):
            seen.append(char)
    return seen
