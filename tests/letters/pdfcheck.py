"""Helpers to look inside a PDF the way the tests need (text, fonts, per-character geometry)."""

import io
import re

import pdfplumber
from pypdf import PdfReader

MM = 72.0 / 25.4


def text_of(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def font_names(pdf: bytes) -> set[tuple[str, bool, bool]]:
    """(base name without the subset tag, embedded, subset) of every font on every page."""
    reader = PdfReader(io.BytesIO(pdf))
    found = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).lstrip("/")
            subset = bool(re.match(r"^[A-Z]{6}\+", name))
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add((name.split("+", 1)[-1], embedded, subset))
    return found


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(float(p.width), float(p.height)) for p in doc.pages]


def chars(pdf: bytes, page: int = 0) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return list(doc.pages[page].chars)


def images(pdf: bytes, page: int = 0) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return list(doc.pages[page].images)


def raster(pdf: bytes, *, page: int = 1, dpi: int = 150, gray: bool = True):
    """One page (1-based) rendered by poppler's pdftoppm, as a Pillow image (greyscale by default)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        args = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page)]
        args += ["-gray"] if gray else ["-png"]
        subprocess.run([*args, str(src), str(Path(tmp) / "out")], check=True, timeout=120)
        (out,) = sorted(Path(tmp).glob("out*"))
        image = Image.open(out)
        image.load()
        return image


def dark_pixels(image, box_pt: tuple[float, float, float, float], *, dpi: int, threshold: int = 160) -> int:
    """How many pixels darker than ``threshold`` lie in ``box_pt`` = (x0, top, x1, bottom) in PDF points."""
    scale = dpi / 72.0
    x0, top, x1, bottom = (round(v * scale) for v in box_pt)
    x0, top = max(x0, 0), max(top, 0)
    x1, bottom = min(x1, image.width), min(bottom, image.height)
    if x1 <= x0 or bottom <= top:
        return 0
    histogram = image.convert("L").crop((x0, top, x1, bottom)).histogram()
    return sum(histogram[:threshold])


def qr_codes(pdf: bytes, *, dpi: int = 100) -> list[list[str]]:
    """The QR codes zbar decodes on each page rendered at ``dpi`` (pdftoppm + zbarimg)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(src), str(Path(tmp) / "p")], check=True, timeout=120)
        found = []
        for png in sorted(Path(tmp).glob("p*.png")):
            result = subprocess.run(
                ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            found.append([line for line in result.stdout.splitlines() if line])
        return found


def font_families(pdf: bytes) -> set[str]:
    """The font names that pdfplumber sees on the characters of every page, subset tag stripped."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {c["fontname"].split("+", 1)[-1] for page in doc.pages for c in page.chars}


def glyph_problems(pdf: bytes, expected_texts: list[str]) -> list[str]:
    """Characters printed without a real glyph: a character of ``expected_texts`` that is not among the
    page's characters (a .notdef has no text), or a character set in a font whose installed file has no
    glyph for it (a .notdef mapped to text). Variation selectors and spaces are not glyphs of their own."""
    import unicodedata

    from fontTools.ttLib import TTFont

    from residents.glyphs import font_files

    cmaps = {}
    for family, path in font_files().items():
        font = TTFont(path, lazy=True, fontNumber=0)
        cmaps[family] = set(font.getBestCmap() or {})
        font.close()
    problems = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        seen = set()
        for page in doc.pages:
            for c in page.chars:
                family = c["fontname"].split("+", 1)[-1].removesuffix("-Bold")
                for char in c["text"]:
                    seen.add(char)
                    if char.isspace() or unicodedata.category(char) in ("Mn", "Cf", "Zs"):
                        continue
                    if family not in cmaps or ord(char) not in cmaps[family]:
                        problems.append(f"{char!r} in {c['fontname']}")
    for text in expected_texts:
        for char in unicodedata.normalize("NFC", text):
            code = ord(char)
            if char.isspace() or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
                continue
            if char not in seen:
                problems.append(f"{char!r} missing from the text layer")
    return problems
