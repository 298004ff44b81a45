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
