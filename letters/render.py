"""Rendering letters to PDF with WeasyPrint (帳票の作成).

Everything printed comes from Django templates under ``templates/letters/``. Every letter page is
one fixed-size A4 ``<div class="page">`` (no automatic page breaks), so the position of the
address block is exact and a batch of letters is simply the concatenation of their pages in one
HTML document: **one** WeasyPrint layout pass for the whole day, written as one PDF.

The inquiry letter (the day's batch) is printed in two layers, like a pre-printed form filled in
by a printer: the FORM layer (``inquiry_form.html``: headings, text, tables, password boxes — the
same for every letter of a variant) is laid out once per variant and drawn once per PDF as a form
XObject that every letter page shows; the FILL layer (``inquiry_fill.html``: reference, QR code,
address block, customer barcode, names, dates) is set in the boxes of the form's placeholders.
One pass then lays out ~20 small boxes per letter instead of ~250: 1,000 letters (2,000 pages) in
about 20 s on two cores instead of about 7 min (``manage.py bench_letters``).

Fonts: names and addresses (住民票の文字) are set in IPAmj明朝 (文字情報基盤), body text in IPAex明朝.
Only those two families are declared; there is no generic fallback to a gothic or Latin face.

Nothing here ever prints a password (暗証番号) or the individual number (個人番号): the password
boxes are blank.
"""

from __future__ import annotations

import base64
import logging
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

#: Font families used in every letter (and the only ones that may appear in a PDF).
REGISTER_FONT = "IPAmjMincho"  # IPAmj明朝: names and addresses in the register's own characters
BODY_FONT = "IPAexMincho"  # IPAex明朝: body text
EXPECTED_FONTS = frozenset({REGISTER_FONT, BODY_FONT})

DEFAULT_WINDOW_MM = (23.0, 12.0, 90.0, 45.0)
WINDOW_PLAY_MM = 3.0  # the address block keeps this much distance from every side of the window

KIND_PHRASES = {
    "new": "電子証明書の新規発行",
    "renewal": "電子証明書の更新",
    "password_init": "電子証明書の暗証番号（パスワード）の初期化",
    "revocation": "電子証明書の失効",
    "reissue": "電子証明書の再発行",
}

COUNTER_HOURS_TEXT = "月曜日〜金曜日 午前9時〜午後5時30分（土曜日・日曜日・祝日・休日、12月29日〜1月3日を除く）"

_ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)


def wareki(day: date | datetime | None) -> str:
    """A date in the Japanese era calendar (和暦): 令和8年11月25日. First year is 元年."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    for start, name in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def seireki(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def window_mm() -> tuple[float, float, float, float]:
    value = getattr(settings, "LETTER_WINDOW_MM", DEFAULT_WINDOW_MM)
    left, top, width, height = (float(v) for v in value)
    return left, top, width, height


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
    """The reference as a QR code: a PNG with one pixel per module (quiet zone of 2 modules), printed at
    18 mm without smoothing (``image-rendering: pixelated``), so it scans like the vector drawing did.

    A raster image is laid out as one replaced box and embedded once per letter (both pages share it);
    WeasyPrint draws an SVG image anew, element by element, on every page.
    """
    import segno

    qr = segno.make(text, error="m", micro=False)
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr.matrix_iter(scale=1, border=2)]
    return _data_uri(_png_gray(rows, len(rows[0])))


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


#: Width and height in mm of the customer barcode at 10 pt (67 bars), as set for img.cbarimg in letters.css.
CUSTOMER_BARCODE_MM = (79.8, 3.6)


def customer_barcode_markup(postal_code: str, address_after_town: str) -> str:
    """Japan Post customer barcode (カスタマバーコード) as an image, or "" when none applies."""
    try:
        from letters.barcode import customer_barcode

        chars = customer_barcode(postal_code, address_after_town)
        if not chars:
            return ""
        uri, width_mm, height_mm = customer_barcode_png(chars, point_size=10.0)
        if (width_mm, height_mm) == CUSTOMER_BARCODE_MM:  # the size in letters.css (img.cbarimg)
            return mark_safe(f'<img class="cbarimg" alt="カスタマバーコード" src="{uri}">')
        return mark_safe(
            f'<img class="cbarimg" alt="カスタマバーコード" style="width: {width_mm}mm; height: {height_mm}mm" '
            f'src="{uri}">'
        )
    except Exception:  # noqa: BLE001 - no barcode is better than no letter
        logger.info("no customer barcode for %s", postal_code, exc_info=True)
        return ""


def _office_block() -> dict[str, str]:
    return {
        "postal_code": getattr(settings, "OFFICE_RETURN_POSTAL_CODE", "564-8550"),
        "address": getattr(settings, "OFFICE_RETURN_ADDRESS", "大阪府吹田市泉町1丁目3番40号"),
        "name": getattr(settings, "OFFICE_RETURN_NAME", "吹田市役所 市民部 市民課"),
        "phone": getattr(settings, "OFFICE_PHONE", "06-6384-1231"),
        "extensions": getattr(settings, "OFFICE_PHONE_EXTENSIONS", "内線2275・2276"),
        "city": getattr(settings, "CITY_NAME", "吹田市"),
    }


def _certificate_names(signing: bool, user: bool) -> list[str]:
    names = []
    if signing:
        names.append("署名用電子証明書")
    if user:
        names.append("利用者証明用電子証明書")
    return names


def _proxy_of(application):
    try:
        return application.proxy
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return None


def _certificates_of(application) -> list:
    if application.pk is None:
        return []
    certs = list(application.certificates.all())
    return sorted(certs, key=lambda c: (c.kind != "signing", c.pk or 0))


@dataclass
class LetterData:
    """What a letter needs, independent of whether the rows are saved (specimens use unsaved ones)."""

    kind: str
    application: Any
    reference: str
    rendered_at: datetime
    version: int = 1
    certificates: list | None = None
    guides: bool = False  # draw the envelope window outline (specimens, for aligning printers)


def letter_context(data: LetterData) -> dict[str, Any]:
    app = data.application
    resident = app.resident
    proxy = _proxy_of(app)
    rules = _password_rules()
    certs = data.certificates if data.certificates is not None else _certificates_of(app)
    cert_rows = []
    for cert in certs:
        opens = None
        try:
            from jpki.rules import renewal_window

            opens, _closes = renewal_window(cert.expires_on)
        except Exception:  # noqa: BLE001
            pass
        cert_rows.append(
            {
                "name": cert.get_kind_display(),
                "issued_on": wareki(cert.issued_on),
                "expires_on": wareki(cert.expires_on),
                "expires_on_ad": seireki(cert.expires_on),
                "renewal_opens": wareki(opens) if opens else "",
            }
        )
    address_after_town = "".join(p for p in (resident.address_block, resident.address_building) if p)
    return {
        "kind": data.kind,
        "reference": data.reference,
        "version": data.version,
        "qr": qr_png_uri(data.reference),
        "app": app,
        "kind_phrase": KIND_PHRASES.get(app.kind, app.get_kind_display()),
        "certificate_names": _certificate_names(app.signing_requested, app.user_requested),
        "resident": resident,
        "resident_birth": wareki(resident.birth_date),
        "proxy": proxy,
        "proxy_birth": wareki(proxy.proxy_birth_date) if proxy else "",
        "received_on": wareki(app.received_at),
        "visit1_on": wareki(proxy.visit1_at) if proxy else wareki(app.received_at),
        "office": app.office,
        "return": _office_block(),
        "letter_date": wareki(data.rendered_at),
        "barcode": customer_barcode_markup(resident.postal_code, address_after_town),
        "guides": data.guides,
        "needs_password": app.kind in ("new", "renewal", "password_init", "reissue"),
        "signing_boxes": range(16),
        "user_boxes": range(4),
        "signing_rule": rules[0],
        "user_rule": rules[1],
        "certificates": cert_rows,
        "counter_hours": COUNTER_HOURS_TEXT,
    }


def _password_rules() -> tuple[str, str]:
    try:
        from jpki.rules import SIGNING_CERTIFICATE_PASSWORD_RULE, USER_CERTIFICATE_PASSWORD_RULE

        return SIGNING_CERTIFICATE_PASSWORD_RULE, USER_CERTIFICATE_PASSWORD_RULE
    except ImportError:  # pragma: no cover
        return (
            "署名用電子証明書のパスワード: 6文字以上16文字以内の英数字。英字と数字をそれぞれ1文字以上含めてください。",
            "利用者証明用電子証明書のパスワード: 4桁の数字。",
        )


TEMPLATES = {
    "inquiry": "letters/inquiry_fill.html",
    "application_form": "letters/application_form.html",
    "inquiry_request": "letters/inquiry_request.html",
    "validity_slip": "letters/validity_slip.html",
}

#: Letter kinds printed as a FORM layer (the same for every letter of a variant: laid out once per variant,
#: drawn once per PDF as a form XObject that every letter page shows) under a FILL layer (the letter's own
#: data, set in the boxes of the form's placeholders). kind -> form template; the fill is TEMPLATES[kind].
#: The day's batch is all inquiry letters: laying out and drawing ~20 small boxes per letter instead of
#: ~250 is what makes one pass over 1,000 letters fast (see :func:`benchmark`).
FORM_TEMPLATES = {
    "inquiry": "letters/inquiry_form.html",
}


def inquiry_form_context(data: LetterData, context: dict[str, Any]) -> dict[str, Any]:
    """The variables of the inquiry letter's form layer: nothing that belongs to one letter only."""
    app = data.application
    return {
        "kind_display": app.get_kind_display(),
        "app_kind": app.kind,
        "kind_phrase": context["kind_phrase"],
        "certificate_names": tuple(context["certificate_names"]),
        "needs_password": context["needs_password"],
        "signing_requested": bool(app.signing_requested),
        "user_requested": bool(app.user_requested),
        "return": tuple(sorted(context["return"].items())),
        "counter_hours": context["counter_hours"],
        "signing_rule": context["signing_rule"],
        "user_rule": context["user_rule"],
        "signing_boxes": range(16),
        "user_boxes": range(4),
        "guides": bool(data.guides),
    }


FORM_CONTEXTS = {"inquiry": inquiry_form_context}


def letter_html(data: LetterData, context: dict[str, Any] | None = None) -> str:
    """The pages of one letter (a fragment of ``<div class="page">`` elements).

    For a kind in :data:`FORM_TEMPLATES` these are the fill-layer pages only, positioned for the
    variant's form layout (``context`` then carries ``fk`` and ``fit`` from
    :meth:`FormLayout.fill_context`; without a context they are worked out here).
    """
    if context is None:
        if data.kind in FORM_TEMPLATES:
            return _prepare([data])[0][0]
        context = letter_context(data)
    return render_to_string(TEMPLATES[data.kind], context)


def window_boxes() -> dict[str, dict[str, float]]:
    """The envelope window and the address block inside it (play on every side), in mm."""
    left, top, width, height = window_mm()
    return {
        "window": {"left": left, "top": top, "width": width, "height": height},
        "addr": {
            "left": left + WINDOW_PLAY_MM,
            "top": top + WINDOW_PLAY_MM,
            "width": width - 2 * WINDOW_PLAY_MM,
            "height": height - 2 * WINDOW_PLAY_MM,
        },
    }


def document_html(fragments: Iterable[str], *, title: str = "帳票", extra_css: str = "") -> str:
    return render_to_string(
        "letters/document.html",
        {
            "fragments": [mark_safe(f) for f in fragments],
            "title": title,
            "extra_css": mark_safe(extra_css),
            **window_boxes(),
        },
    )


# --- the PDF machinery lives in letters.engine (form and fill layers, batches, one letter's PDF) -----

from .engine import (  # noqa: E402 - after the content helpers that the engine uses
    CHUNK_LETTERS,
    FormLayout,
    RenderedBatch,
    benchmark,
    clear_form_cache,
    extract_pages,
    form_layout,
    html_to_document,
    letters_stylesheet,
    refusing_url_fetcher,
    render_letter,
    render_letters,
    sample_letter_data,
    write_pdf,
)
from .engine import prepare as _prepare  # noqa: E402 - letter_html works out a fill's form through it

# --- reports ---------------------------------------------------------------------------------


def mailing_list_html(*, office, on: date, number: int, rows: list[dict], printed_at: datetime) -> str:
    """The day's mailing list (差出票) for registered letters."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["mail_class"]] = counts.get(row["mail_class"], 0) + 1
    return render_to_string(
        "letters/mailing_list.html",
        {
            "office": office,
            "date": wareki(on),
            "number": number,
            "rows": rows,
            "counts": counts,
            "total": len(rows),
            "printed_at": timezone.localtime(printed_at) if timezone.is_aware(printed_at) else printed_at,
            "return": _office_block(),
        },
    )


def mailing_rows(letters: Iterable) -> list[dict]:
    from letters.models import format_tracking_number

    rows = []
    for i, letter in enumerate(letters, start=1):
        resident = letter.application.resident
        rows.append(
            {
                "no": i,
                "reference": letter.reference,
                "mail_class": letter.get_mail_class_display(),
                "tracking_number": format_tracking_number(letter.tracking_number),
                "postal_code": resident.postal_code,
                "address": resident.address,
                "name": resident.name,
            }
        )
    return rows


def render_mailing_list(*, office, on: date, number: int, letters: Iterable, printed_at: datetime) -> bytes:
    html = document_html(
        [mailing_list_html(office=office, on=on, number=number, rows=mailing_rows(letters), printed_at=printed_at)],
        title="差出票",
    )
    return write_pdf(html_to_document(html))


def render_ledger(*, office, start: date, end: date, rows: list[dict], printed_at: datetime) -> bytes:
    html = document_html(
        [
            render_to_string(
                "letters/ledger.html",
                {
                    "office": office,
                    "start": wareki(start),
                    "end": wareki(end),
                    "single_day": start == end,
                    "rows": rows,
                    "total": len(rows),
                    "printed_at": timezone.localtime(printed_at),
                    "return": _office_block(),
                },
            )
        ],
        title="電子証明書交付記録簿",
    )
    return write_pdf(html_to_document(html))


def page_is_a4_portrait(width_pt: float, height_pt: float) -> bool:
    return abs(width_pt - 595.28) < 1.5 and abs(height_pt - 841.89) < 1.5


def mm(value: float) -> float:
    """Millimetres to PDF points."""
    return value * 72.0 / 25.4


__all__ = [
    "BODY_FONT",
    "CHUNK_LETTERS",
    "FormLayout",
    "clear_form_cache",
    "form_layout",
    "html_to_document",
    "letters_stylesheet",
    "refusing_url_fetcher",
    "sample_letter_data",
    "write_pdf",
    "EXPECTED_FONTS",
    "LetterData",
    "REGISTER_FONT",
    "RenderedBatch",
    "benchmark",
    "extract_pages",
    "letter_html",
    "render_ledger",
    "render_letter",
    "render_letters",
    "render_mailing_list",
    "wareki",
    "window_mm",
]
