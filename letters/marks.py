"""The machine-readable marks of a letter: the reference as a QR code (vector, 4-module quiet zone) and
Japan Post's customer barcode (カスタマバーコード) as an image drawn to the manual's dimensions.

Split out of ``letters.render`` (which re-exports these names) so that the renderer stays one thing.
"""

from __future__ import annotations

import base64
import logging
import struct
import zlib
from collections.abc import Sequence
from functools import lru_cache

from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)


def _png_gray(rows: Sequence[bytes], width: int) -> bytes:
    """A minimal 8-bit greyscale PNG (no Pillow round trip: WeasyPrint embeds it as it is)."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=4096)
def qr_png_uri(text: str) -> str:
    """The reference as a QR code PNG, one pixel per module, quiet zone of 2 modules (kept for callers that
    want a raster; the letters print :func:`qr_svg_uri`, vector with the full 4-module quiet zone)."""
    import segno

    qr = segno.make(text, error="m", micro=False)
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr.matrix_iter(scale=1, border=2)]
    return _data_uri(_png_gray(rows, len(rows[0])))


#: ISO/IEC 18004 quiet zone: 4 modules of light on every side, inside the image.
QR_QUIET_MODULES = 4


@lru_cache(maxsize=4096)
def qr_svg_uri(text: str) -> str:
    """The reference as a QR code drawn as vector (an SVG data URI: one path of filled module runs,
    4-module quiet zone included), so that a scanner or a fax that resamples the page still reads it
    (a one-pixel-per-module image blurs below 150 dpi; the vector decodes at 100 dpi)."""
    import segno

    qr = segno.make(text, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=QR_QUIET_MODULES))
    size = len(rows)
    path = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                path.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'shape-rendering="crispEdges"><path fill="#000" d="{"".join(path)}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii")


def customer_barcode_png(chars: list[str], *, point_size: float = 10.0) -> tuple[str, float, float]:
    """The customer barcode as (PNG data URI, width mm, height mm), to the manual's dimensions.

    One pixel is half a bar pitch wide (= the bar width, 0.6 mm at 10 pt) and a third of a long bar high
    (= the timing bar, 1.2 mm): bars, spaces and the four bar heights fall exactly on pixel edges, so
    the picture drawn at (width mm, height mm) without smoothing has the same geometry as
    :func:`letters.barcode.customer_barcode_svg`.
    """
    from letters import barcode as cb

    cb._validate(chars)  # the same checks as customer_barcode_svg
    if not cb.MIN_POINT_SIZE <= point_size <= cb.MAX_POINT_SIZE:
        raise ValueError(f"point size must be {cb.MIN_POINT_SIZE}-{cb.MAX_POINT_SIZE}, got {point_size}")
    scale = point_size / 10
    bars = [*cb.START_PATTERN, *(kind for char in chars for kind in cb.BAR_PATTERNS[char]), *cb.STOP_PATTERN]
    thirds = {cb.LONG: (0, 1, 2), cb.UPPER: (0, 1), cb.LOWER: (1, 2), cb.TIMING: (1,)}
    width_px = 2 * len(bars) - 1
    rows = []
    for third in range(3):
        row = bytearray(b"\xff" * width_px)
        for i, kind in enumerate(bars):
            if third in thirds[kind]:
                row[2 * i] = 0
        rows.append(bytes(row))
    width_mm = ((len(bars) - 1) * cb.BAR_PITCH_MM + cb.BAR_WIDTH_MM) * scale
    return _data_uri(_png_gray(rows, width_px)), round(width_mm, 4), round(cb.LONG_BAR_MM * scale, 4)


#: Width and height in mm of the customer barcode picture at 10 pt (67 bars) from customer_barcode_png
#: (the height is the tolerance top 3.6 mm; the letters draw it 3.5 mm high, see customer_barcode_markup).
CUSTOMER_BARCODE_MM = (79.8, 3.6)


def customer_barcode_chars(postal_code: str, address_after_town: str) -> list[str] | None:
    """The customer barcode's characters, or None when none applies (representative code, no number)."""
    try:
        from letters.barcode import customer_barcode

        return customer_barcode(postal_code, address_after_town) or None
    except Exception:  # noqa: BLE001 - no barcode is better than no letter
        logger.info("no customer barcode for %s", postal_code, exc_info=True)
        return None


def customer_barcode_markup(chars: list[str] | None, *, point_size: float = 10.0) -> str:
    """Japan Post customer barcode (カスタマバーコード) as an image at ``point_size``, or "" without one.

    The long bar is drawn at 3.5 × a/10 mm (``letters.fit.BARCODE_LONG_BAR_10PT_MM``), the middle of
    the manual's tolerance 3.40–3.60; the timing bar a third of it (1.17 × a/10, tolerance 1.05–1.35).
    The 2 mm quiet space around it is the image's margin (``img.cbarimg`` in letters.css).
    """
    if not chars:
        return ""
    from letters.fit import BARCODE_LONG_BAR_10PT_MM

    uri, width_mm, _top_of_tolerance = customer_barcode_png(chars, point_size=point_size)
    height_mm = round(BARCODE_LONG_BAR_10PT_MM * point_size / 10, 4)
    return mark_safe(
        f'<img class="cbarimg" alt="カスタマバーコード" style="width: {width_mm}mm; height: {height_mm}mm" src="{uri}">'
    )
