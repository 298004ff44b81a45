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
import gc
import hashlib
import io
import logging
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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

#: The part of the folded letter that is always visible through the window of a 長形3号 window envelope
#: (left, top, width, height in mm from the sheet's top-left corner): a typical window of 90 × 45 mm at
#: 23 mm from the left and 12–14 mm from the top, less 2 mm on every side for the letter's movement
#: inside the envelope (and the top taken at 14 mm). README, "Mail-safety".
DEFAULT_WINDOW_MM = (25.0, 16.0, 86.0, 39.0)
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


#: Letter kinds mailed in a window envelope: their address block is fitted to the window (letters.fit).
WINDOW_KINDS = frozenset({"inquiry"})


def _local_date(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


#: Letter kinds that print only the resident (never the proxy's name or address).
RESIDENT_ONLY_KINDS = frozenset({"validity_slip"})


def _check_printable(resident, proxy) -> None:
    """Refuse the letter (``fit.UnprintableCharacter``) when a printed name or address holds a character that
    neither IPAmj明朝 nor IPAex明朝 has: never a fallback face, never an empty box."""
    from letters import fit

    fields = [
        ("氏名", resident.name),
        ("通称", getattr(resident, "alias_name", "")),
        ("住所（町域まで）", resident.address_town),
        ("住所（番地）", resident.address_block),
        ("方書", resident.address_building),
    ]
    if proxy is not None:
        fields += [("代理人の氏名", proxy.proxy_name), ("代理人の住所", proxy.proxy_address)]
    fit.check_printable(fields)


def address_block(resident) -> tuple[Any, str]:
    """The fitted address block (``fit.BlockLayout``) for the window setting and its barcode markup.

    Raises ``fit.AddressBlockDoesNotFit`` (a ValidationError naming the field) when it cannot fit."""
    from letters import fit

    inner = window_boxes()["addr"]
    after_town = "".join(p for p in (resident.address_block, resident.address_building) if p)
    chars = customer_barcode_chars(resident.postal_code, after_town)
    layout = fit.fit_address_block(
        postal_code=resident.postal_code,
        address=f"{resident.address_town}{resident.address_block}",
        building=resident.address_building or "",
        name=resident.name,
        alias=getattr(resident, "alias_name", "") or "",
        barcode=bool(chars),
        width_mm=inner["width"],
        height_mm=inner["height"],
    )
    markup = customer_barcode_markup(chars, point_size=layout.barcode_pt) if layout.barcode_pt else ""
    return layout, markup


def check_letter(kind: str, application) -> None:
    """Raise ``fit.LetterRefused`` (a ValidationError naming the field) when a letter of this kind for this
    application cannot be printed: an unprintable character, or an address block that does not fit."""
    resident = application.resident
    _check_printable(resident, None if kind in RESIDENT_ONLY_KINDS else _proxy_of(application))
    if kind in WINDOW_KINDS:
        address_block(resident)


def letter_refusal(data: LetterData) -> str | None:
    """Why this letter cannot be printed (the message naming the field), or None when it can."""
    from letters import fit

    try:
        letter_context(data)
    except fit.LetterRefused as refused:
        return refused.messages[0]
    return None


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
    _check_printable(resident, None if data.kind in RESIDENT_ONLY_KINDS else proxy)
    block = barcode = None
    if data.kind in WINDOW_KINDS:
        block, barcode = address_block(resident)
    deadline = _local_date(data.rendered_at) + timedelta(days=int(getattr(settings, "PROXY_REPLY_DEADLINE_DAYS", 14)))
    return {
        "kind": data.kind,
        "reference": data.reference,
        "version": data.version,
        "qr": qr_svg_uri(data.reference),
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
        "block": block,
        "barcode": barcode or "",
        "reply_deadline": wareki(deadline),
        "guides": data.guides,
        "needs_password": app.kind in ("new", "renewal", "password_init", "reissue"),
        "signing_boxes": range(16),
        "user_boxes": range(4),
        "signing_rule": rules[0],
        "user_rule": rules[1],
        "certificates": cert_rows,
        "counter_hours": COUNTER_HOURS_TEXT,
        **_letterhead(),
    }


def _letterhead() -> dict[str, Any]:
    """Optional 文書番号 and 「公印省略」 (settings LETTER_DOCUMENT_NUMBER, LETTER_SEAL_OMITTED)."""
    return {
        "document_number": getattr(settings, "LETTER_DOCUMENT_NUMBER", "") or "",
        "seal_omitted": bool(getattr(settings, "LETTER_SEAL_OMITTED", False)),
    }


_HALF_WIDTH_BRACKETS = re.compile(r"\(([^()]*[^\x00-\x7f][^()]*)\)")


def _full_width_brackets(text: str) -> str:
    """Brackets around Japanese text in full width, as Japanese typesetting wants: 「(数字のみ)」 → 「（数字のみ）」."""
    return _HALF_WIDTH_BRACKETS.sub(r"（\1）", text)


def _password_rules() -> tuple[str, str]:
    try:
        from jpki.rules import SIGNING_CERTIFICATE_PASSWORD_RULE, USER_CERTIFICATE_PASSWORD_RULE

        return _full_width_brackets(SIGNING_CERTIFICATE_PASSWORD_RULE), _full_width_brackets(
            USER_CERTIFICATE_PASSWORD_RULE
        )
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
        **_letterhead(),
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


# --- WeasyPrint: per-page costs that grow with the length of the document, or need not be paid -----
#
# Laying out page k of a document, WeasyPrint 70 (a) scans the cascaded styles of EVERY element of the
# document to find the margin boxes of page k's page type (``set_page_type_computed_styles``) and
# (b) walks all the other pages for ``position: fixed`` boxes to repeat (``layout_fixed_boxes``). Both
# make one long document quadratic: a third of the time of a 1,000-letter batch. The replacements
# below do the same work without the scans: (a) looks up the (page type, margin box) entries that
# ``add_page_declarations`` can have made, (b) returns at once while one of our documents without any
# ``position: fixed`` is laid out (other documents get the original, over the pages that have
# fixed boxes only). And (c) ``make_margin_boxes`` builds and sizes 16 empty margin boxes on every
# page even when no @page rule gives that page any (a letter page: 15 % of its layout); it now
# returns at once for such a page and runs as before for the others (the mailing list's footer).
# They are only installed on the WeasyPrint versions they were checked against (_WEASYPRINT_CHECKED;
# tests/letters/test_render_speed.py checks fixed boxes and margin boxes still work); other versions
# run unchanged, just slower on long batches.

_WEASYPRINT_CHECKED = ("70.",)
_NO_FIXED_BOXES: ContextVar[bool] = ContextVar("letters_no_fixed_boxes", default=False)
_POSITION_FIXED = re.compile(r"position\s*:\s*fixed", re.IGNORECASE)
_WEASYPRINT_PATCHED = False


def _page_pseudo_types(style_for) -> tuple:
    """Every pseudo type (margin boxes, @footnote …) named by an @page rule of the document's sheets."""
    cached = getattr(style_for, "_letters_page_pseudo_types", None)
    if cached is None:
        found = []
        for sheet, _origin, _specificity in style_for._sheets:
            for _rule, selector_list, _declarations in sheet.page_rules:
                for _spec, pseudo_type, _page_selector in selector_list:
                    if pseudo_type and pseudo_type not in found:
                        found.append(pseudo_type)
        cached = tuple(found)
        style_for._letters_page_pseudo_types = cached
    return cached


def _set_page_type_computed_styles(page_type, html, style_for):
    """``weasyprint.layout.page.set_page_type_computed_styles`` without scanning every element."""
    style_for.add_page_declarations(page_type)
    style_for.set_computed_styles(page_type, root=html.etree_element, parent=html.etree_element, base_url=html.base_url)
    cascaded = style_for.get_cascaded_styles()
    for pseudo_type in _page_pseudo_types(style_for):
        if (page_type, pseudo_type) in cascaded:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type, root=html.etree_element, parent=page_type, base_url=html.base_url
            )


def _patch_weasyprint() -> bool:
    global _WEASYPRINT_PATCHED
    if _WEASYPRINT_PATCHED:
        return True
    import operator

    import weasyprint
    from weasyprint import layout as wp_layout
    from weasyprint.css import StyleFor
    from weasyprint.layout import page as wp_page

    if not weasyprint.__version__.startswith(_WEASYPRINT_CHECKED):
        return False
    needed = (
        getattr(wp_page, "set_page_type_computed_styles", None),
        getattr(wp_layout, "layout_fixed_boxes", None),
        getattr(wp_layout, "make_margin_boxes", None),
        getattr(StyleFor, "get_computed_styles", None),
        getattr(StyleFor, "add_page_declarations", None),
        getattr(StyleFor, "get_cascaded_styles", None),
    )
    if not all(needed):
        return False
    original_fixed = wp_layout.layout_fixed_boxes
    has_fixed = operator.attrgetter("fixed_boxes")

    def layout_fixed_boxes(context, pages, containing_page):
        if _NO_FIXED_BOXES.get():
            return iter(())
        return original_fixed(context, list(filter(has_fixed, pages)), containing_page)

    original_margin_boxes = wp_layout.make_margin_boxes

    def make_margin_boxes(context, page, state):
        computed = context.style_for.get_computed_styles()
        page_type = page.page_type
        if any((page_type, pseudo_type) in computed for pseudo_type in _page_pseudo_types(context.style_for)):
            return original_margin_boxes(context, page, state)
        return iter(())  # no @page rule with margin boxes applies to this page: none is generated

    wp_page.set_page_type_computed_styles = _set_page_type_computed_styles
    wp_layout.layout_fixed_boxes = layout_fixed_boxes
    wp_layout.make_margin_boxes = make_margin_boxes
    _WEASYPRINT_PATCHED = True
    return True


_FONT_CONFIG = None


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


_STYLESHEET: tuple[str, Any] | None = None


def letters_stylesheet():
    """``templates/letters/letters.css`` parsed ONCE into a ``weasyprint.CSS`` shared by every render
    (parsing it took a fifth of the time of a one-letter preview). Parsed again if the file changes.
    Given to WeasyPrint as a user style sheet; the per-document rules (window, form slots) stay in the
    document's ``<style>`` and never set the same properties."""
    global _STYLESHEET
    text = render_to_string("letters/letters.css")
    cached = _STYLESHEET
    if cached is None or cached[0] != text:
        from weasyprint import CSS

        cached = _STYLESHEET = (text, CSS(string=text, font_config=_font_config(), url_fetcher=refusing_url_fetcher()))
    return cached[1]


def _stylesheet_digest() -> str:
    letters_stylesheet()
    return hashlib.sha256(_STYLESHEET[0].encode("utf-8")).hexdigest()[:16]


def refusing_url_fetcher():
    """WeasyPrint's URL fetcher for letters: every URL is refused except ``data:`` URIs (QR codes and
    barcodes are inlined as data URIs, fonts come from fontconfig), so a letter can never make the
    server fetch an http(s) URL or read a local file, whatever its HTML holds. WeasyPrint passes data
    URIs through the fetcher too; a refused URL is a warning and the resource is left out."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def html_to_document(html: str):
    from weasyprint import HTML

    _patch_weasyprint()
    stylesheet = letters_stylesheet()
    token = _NO_FIXED_BOXES.set(_POSITION_FIXED.search(html) is None and _POSITION_FIXED.search(_STYLESHEET[0]) is None)
    try:
        return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=refusing_url_fetcher()).render(
            stylesheets=[stylesheet], font_config=_font_config()
        )
    finally:
        _NO_FIXED_BOXES.reset(token)


def write_pdf(document) -> bytes:
    return document.write_pdf(uncompressed_pdf=False)


# --- form layer ------------------------------------------------------------------------------


def _slot_boxes(page_box) -> dict[str, Any]:
    """The principal box of every element with ``data-slot`` on a laid-out page (first box in tree order:
    anonymous boxes share their parent's element and come after it)."""
    found: dict[str, Any] = {}
    stack = [page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and getattr(element, "get", None) is not None:
            name = element.get("data-slot")
            if name and name not in found:
                found[name] = box
        children = getattr(box, "children", None)
        if children:
            stack.extend(reversed(children))
    return found


def _fit_pt(text: str, width_px: float, size_pt: float = 10.0, minimum_pt: float = 6.5) -> float | None:
    """A smaller font size when ``text`` would not fit on one line of ``width_px`` (None when it fits).

    A slot is one line of its form's table cell; the estimate counts wide characters as 1 em and the
    others as 0.6 em, which errs on the side of shrinking.
    """
    import unicodedata

    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)
    needed_px = ems * size_pt * 96 / 72
    if needed_px <= width_px or needed_px == 0:
        return None
    return round(max(minimum_pt, size_pt * width_px / needed_px * 0.98), 2)


class FormLayout:
    """One variant's form layer, laid out once: its pages and the boxes of its placeholders.

    The fill layer is positioned from :attr:`css` (``.{key}-{slot}`` rules: left/top/width/height of the
    placeholder's content box in CSS px, each fill page being a 210 × 297 mm ``.page`` at the origin) and
    each fill page is drawn over the form page of the same index (:class:`_FormPage`).
    """

    def __init__(self, html: str, key: str):
        self.key = key
        document = html_to_document(html)
        self.pages = document.pages
        self.slots: dict[str, tuple[int, float, float, float, float]] = {}
        for index, page in enumerate(self.pages):
            for name, box in _slot_boxes(page._page_box).items():
                self.slots[name] = (index, box.content_box_x(), box.content_box_y(), box.width, box.height)
        self.css = "\n".join(
            f".{key}-{name} {{ left: {x:.3f}px; top: {y:.3f}px; width: {w:.3f}px; height: {h:.3f}px; }}"
            for name, (_i, x, y, w, h) in sorted(self.slots.items())
        )

    def fill_context(self, context: dict[str, Any]) -> dict[str, Any]:
        fit = {}
        for name, text in (
            ("office", getattr(context.get("office"), "name", "") or ""),
            ("proxy", _proxy_line(context.get("proxy"))),
        ):
            if name in self.slots:
                _page, _x, _y, width, height = self.slots[name]
                size = _fit_pt(text, width)
                # smaller type, same line box: stays on the middle of its row
                fit[name] = f"font-size: {size}pt; line-height: {height:.3f}px" if size else ""
        return {**context, "fk": self.key, "fit": fit}


def _proxy_line(proxy) -> str:
    if proxy is None:
        return "—"
    relation = f"（本人との関係: {proxy.relation}）" if proxy.relation else ""
    return f"{proxy.proxy_name or '—'}{relation}"


_FORMS: dict[str, FormLayout] = {}
_FORMS_LOCK = threading.Lock()
_FORMS_MAX = 64


def form_layout(fragment: str) -> FormLayout:
    """The laid-out form for a form-layer fragment, kept for the process (a handful of variants a day).

    Keyed by the whole form document (fragment, window setting) and the style sheet, so any change in
    a template or a setting makes a new layout.
    """
    html = document_html([fragment], title="form")
    digest = hashlib.sha256(f"{_stylesheet_digest()}\n{html}".encode()).hexdigest()
    with _FORMS_LOCK:
        layout = _FORMS.get(digest)
        if layout is None:
            if len(_FORMS) >= _FORMS_MAX:
                _FORMS.pop(next(iter(_FORMS)))
            layout = _FORMS[digest] = FormLayout(html, key=f"k{digest[:10]}")
        return layout


class _FormPage:
    """A fill page drawn over its form page. The form page is drawn ONCE per PDF into a form XObject
    (WeasyPrint's own ``Stream.add_group``, as for ``opacity``), and every letter page using it only
    refers to that XObject: the PDF holds the form's content once, and drawing 2,000 pages costs little
    more than drawing their fills."""

    def __init__(self, page, form_page, drawn: dict):
        self.__dict__.update(page.__dict__)
        self._fill_page = page
        self._form_page = form_page
        self._drawn = drawn  # id(form page) -> (resources of the PDF being written, its form XObject)

    def paint(self, stream, scale=1):
        from weasyprint.draw import draw_page

        with stream.stacked():
            stream.transform(a=scale, d=scale)
            drawn = self._drawn.get(id(self._form_page))
            group = drawn[1] if drawn is not None and drawn[0] is stream._resources else None
            if group is None:  # first page of this form in this PDF
                group = stream.add_group(*stream.page_rectangle)
                group.extra.pop("Group", None)  # a plain form XObject, not a transparency group
                group._ctm_stack = [stream.ctm]
                draw_page(self._form_page._page_box, group)
                self._drawn[id(self._form_page)] = (stream._resources, group)
            stream.draw_x_object(group.id)
            draw_page(self._fill_page._page_box, stream)


@dataclass
class RenderedBatch:
    pdf: bytes
    page_count: int
    first_pages: dict[str, int] = field(default_factory=dict)  # reference -> 1-based first page
    letter_pages: dict[str, int] = field(default_factory=dict)  # reference -> number of pages

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


#: Letters laid out per WeasyPrint pass in a batch; ``None`` = the whole batch in ONE pass (the default).
#: With the inquiry letter split into a form layer (laid out once) and a small fill layer, one pass over
#: 1,000 letters runs at well over 50 pages/s and grows linearly with the batch (``manage.py
#: bench_letters``), so chunking is no longer needed; ``chunk_letters`` still allows it.
BATCH_CHUNK_LETTERS: int | None = None


def _page_marker(page) -> str | None:
    """``data-letter`` of the ``.page`` box a page shows (a few levels down: page, html, body, .page)."""
    level = [page._page_box]
    for _depth in range(4):
        below = []
        for box in level:
            element = getattr(box, "element", None)
            if element is not None and getattr(element, "get", None) is not None:
                marker = element.get("data-letter")
                if marker:
                    return marker
            below.extend(getattr(box, "children", None) or ())
        level = below
    return None


def _anchor_pages(document, offset: int, first_pages: dict[str, int]) -> int | None:
    """First page of every letter (``id="letter-…"`` or, on fill pages, ``data-letter``) and of the report.

    Fill pages carry no ``id``: WeasyPrint compares every page's anchors with all the anchors of the
    pages before it, which is quadratic in the length of the batch."""
    report_start = None
    for index, page in enumerate(document.pages):
        marker = _page_marker(page)
        if marker:
            first_pages.setdefault(marker, offset + index + 1)
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                first_pages.setdefault(anchor[len("letter-") :], offset + index + 1)
            elif anchor == "report-start" and report_start is None:
                report_start = offset + index + 1
    return report_start


_GC_LOCK = threading.Lock()
_GC_HOLDERS = 0
_GC_WAS_ENABLED = True


@contextmanager
def _no_cyclic_gc():
    """Pause Python's cyclic garbage collector while a batch is laid out and written.

    WeasyPrint allocates millions of small objects (styles, boxes, text layouts) that stay alive until
    the PDF is written; every full collection walks all of them again, which cost a quarter of the
    time of a 300-letter batch and more the longer the batch. Reference counting still frees what dies;
    the collector resumes (when the last concurrent render ends) exactly as it was.
    """
    global _GC_HOLDERS, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_HOLDERS == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_HOLDERS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_HOLDERS -= 1
            if _GC_HOLDERS == 0 and _GC_WAS_ENABLED:
                gc.enable()


def _prepare(datas: Sequence[LetterData]) -> tuple[list[str], list[FormLayout | None]]:
    """Fill fragments of the letters and, per letter, its form layout (None for single-layer kinds)."""
    fragments: list[str] = []
    forms: list[FormLayout | None] = []
    by_variant: dict[tuple, FormLayout] = {}
    for data in datas:
        context = letter_context(data)
        form_template = FORM_TEMPLATES.get(data.kind)
        if form_template is None:
            fragments.append(letter_html(data, context))
            forms.append(None)
            continue
        form_context = FORM_CONTEXTS[data.kind](data, context)
        variant = (data.kind, *form_context.items())
        layout = by_variant.get(variant)
        if layout is None:
            form_context["return"] = dict(form_context["return"])
            layout = by_variant[variant] = form_layout(render_to_string(form_template, form_context))
        fragments.append(letter_html(data, layout.fill_context(context)))
        forms.append(layout)
    return fragments, forms


def render_letters(
    datas: Sequence[LetterData],
    *,
    extra_fragments: Sequence[str] = (),
    title: str = "帳票",
    chunk_letters: int | None = None,
) -> RenderedBatch:
    """Render letters (and e.g. the mailing list after them) into ONE PDF.

    By default the letters (their fill layers) are laid out in ONE WeasyPrint pass; ``chunk_letters``
    lays them out that many at a time instead. Each variant's form layer is laid out once (and kept for
    the process) and drawn once into the PDF; the pages of every pass are written together in one
    ``write_pdf``, so the batch is one file with one font subset.
    """
    with _no_cyclic_gc():
        return _render_letters(datas, extra_fragments, title, chunk_letters)


def _render_letters(datas, extra_fragments, title, chunk_letters) -> RenderedBatch:
    chunk = BATCH_CHUNK_LETTERS if chunk_letters is None else chunk_letters
    fragments, forms = _prepare(datas)
    indexes = list(range(len(fragments)))
    groups: list[list[int]] = (
        [indexes[i : i + chunk] for i in range(0, len(indexes), chunk)] if chunk and indexes else [indexes]
    )
    css = "\n".join(dict.fromkeys(f.css for f in forms if f is not None))
    documents = []
    for number, group in enumerate(groups):
        parts = [fragments[i] for i in group]
        if number == len(groups) - 1:
            parts += list(extra_fragments)
        documents.append(html_to_document(document_html(parts, title=title, extra_css=css)))
    first_pages: dict[str, int] = {}
    report_start = None
    offset = 0
    for document in documents:
        found = _anchor_pages(document, offset, first_pages)
        report_start = report_start or found
        offset += len(document.pages)
    total_pages = offset
    end_of_letters = (report_start - 1) if report_start else total_pages
    letter_pages: dict[str, int] = {}
    starts = sorted(first_pages.items(), key=lambda kv: kv[1])
    for i, (ref, start) in enumerate(starts):
        stop = starts[i + 1][1] - 1 if i + 1 < len(starts) else end_of_letters
        letter_pages[ref] = stop - start + 1
    pages = [p for d in documents for p in d.pages]
    drawn: dict[int, tuple[Any, Any]] = {}
    for data, form in zip(datas, forms, strict=False):
        if form is None:
            continue
        start = first_pages[data.reference] - 1
        if letter_pages[data.reference] != len(form.pages):
            raise RuntimeError(
                f"{data.reference}: fill has {letter_pages[data.reference]} pages, form {len(form.pages)}"
            )
        for i, form_page in enumerate(form.pages):
            pages[start + i] = _FormPage(pages[start + i], form_page, drawn)
    pdf = write_pdf(documents[0].copy(pages))
    return RenderedBatch(pdf=pdf, page_count=total_pages, first_pages=first_pages, letter_pages=letter_pages)


def render_letter(data: LetterData) -> RenderedBatch:
    return render_letters([data], title=data.reference)


# --- reports ---------------------------------------------------------------------------------


def mailing_list_html(
    *, office, on: date, number: int, rows: list[dict], printed_at: datetime, version: int | None = None
) -> str:
    """The batch's mailing list (差出票: 番号, 受取人, 料金, 備考, a total). While a tracked letter has no
    tracking number yet (the batch's own PDF) it is an enclosure check list, titled so."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["mail_class"]] = counts.get(row["mail_class"], 0) + 1
    total_fee = sum(row.get("fee", 0) for row in rows)
    return render_to_string(
        "letters/mailing_list.html",
        {
            "office": office,
            "date": wareki(on),
            "number": number,
            "rows": rows,
            "counts": counts,
            "total": len(rows),
            "total_fee_text": f"{total_fee:,}円",
            "draft": any(row.get("tracked") and not row["tracking_number"] for row in rows),
            "version": version,
            "printed_at": timezone.localtime(printed_at) if timezone.is_aware(printed_at) else printed_at,
            "return": _office_block(),
        },
    )


def mailing_rows(letters: Iterable) -> list[dict]:
    from letters.mailing import mail_fee
    from letters.models import TRACKED_MAIL_CLASSES, format_tracking_number

    rows = []
    for i, letter in enumerate(letters, start=1):
        resident = letter.application.resident
        fee = mail_fee(letter.mail_class)
        rows.append(
            {
                "no": i,
                "reference": letter.reference,
                "mail_class": letter.get_mail_class_display(),
                "tracked": letter.mail_class in TRACKED_MAIL_CLASSES,
                "tracking_number": format_tracking_number(letter.tracking_number),
                "postal_code": resident.postal_code,
                "address": resident.address,
                "name": resident.name,
                "fee": fee,
                "fee_text": f"{fee:,}円",
            }
        )
    return rows


def render_mailing_list(
    *, office, on: date, number: int, letters: Iterable, printed_at: datetime, version: int | None = None
) -> bytes:
    rows = mailing_rows(letters)
    html = document_html(
        [mailing_list_html(office=office, on=on, number=number, rows=rows, printed_at=printed_at, version=version)],
        title="差出票",
    )
    return write_pdf(html_to_document(html))


def render_ledger(*, office, start: date, end: date, rows: list[dict], printed_at: datetime) -> bytes:
    """The 交付記録簿 as PDF (rows from ``letters.ledger.ledger_rows``: the fee once per application)."""
    total_fee = sum(row.get("fee") or 0 for row in rows)
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
                    "total_fee": total_fee,
                    "total_fee_text": f"{total_fee:,}円",
                    "applications": len({row.get("application_id") for row in rows if row.get("application_id")}),
                    "printed_at": timezone.localtime(printed_at),
                    "return": _office_block(),
                },
            )
        ],
        title="電子証明書交付記録簿",
    )
    return write_pdf(html_to_document(html))


# --- benchmark -------------------------------------------------------------------------------


def sample_letter_data(i: int = 0, *, kind: str = "inquiry", at: datetime | None = None) -> LetterData:
    """An unsaved sample application (nothing is written to the database)."""
    from letters.samples import sample_application

    at = at or timezone.now()
    app, certs = sample_application(i, at=at)
    return LetterData(
        kind=kind, application=app, reference=f"SU-{at.year}-{900000 + i:06d}", rendered_at=at, certificates=certs
    )


def clear_form_cache() -> None:
    """Forget the laid-out form layers (the next render lays its forms out again)."""
    with _FORMS_LOCK:
        _FORMS.clear()


def _timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def benchmark(n: int = 1000, *, per_letter_sample: int = 50, kind: str = "inquiry", previews: int = 7) -> dict:
    """Pages/s of one batch of ``n`` letters in ONE pass against one document per letter, and previews.

    - batch: ``render_letters`` of ``n`` sample letters, as ``print_day`` does (without the mailing list),
      form cache emptied first, so laying out the form is part of the figure;
    - one document per letter: ``render_letter`` of the first ``per_letter_sample`` letters, one after the
      other (form kept, like a day of counter work), extrapolated to ``n``;
    - preview: ``render_letter`` of one letter, the median of ``previews`` letters with the form laid out
      (every preview of the day but the first of its variant), and once right after emptying the cache.

    Wall and CPU seconds (``time.process_time``) are both given, with the load average before and after:
    on a shared machine the CPU figure is the one that does not depend on the other processes.
    Nothing is written to the database or to the private storage.
    """
    import os

    load_before = os.getloadavg()
    now = timezone.now()
    # warm up: the first render of a process loads the font files and WeasyPrint's modules
    render_letter(sample_letter_data(0, kind=kind, at=now))

    datas = [sample_letter_data(i, kind=kind, at=now) for i in range(n)]
    clear_form_cache()
    batch, batch_seconds, batch_cpu = _timed(render_letters, datas, title="benchmark")
    batch_pages = batch.page_count

    sample = datas[: max(1, min(per_letter_sample, n))]
    sample_pages = 0
    sample_seconds = sample_cpu = 0.0
    for d in sample:
        result, wall, cpu = _timed(render_letter, d)
        sample_pages += result.page_count
        sample_seconds += wall
        sample_cpu += cpu
    per_letter_seconds_est = sample_seconds / len(sample) * n

    times = sorted(_timed(render_letter, d)[1] for d in datas[1 : 1 + max(1, previews)])
    clear_form_cache()
    _result, cold_preview, _cpu = _timed(render_letter, datas[0])
    return {
        "letters": n,
        "kind": kind,
        "batch_pages": batch_pages,
        "batch_seconds": round(batch_seconds, 3),
        "batch_cpu_seconds": round(batch_cpu, 3),
        "batch_pages_per_second": round(batch_pages / batch_seconds, 1),
        "batch_pages_per_cpu_second": round(batch_pages / batch_cpu, 1),
        "batch_pdf_bytes": len(batch.pdf),
        "batch_chunk_letters": BATCH_CHUNK_LETTERS,
        "per_letter_sample": len(sample),
        "per_letter_sample_seconds": round(sample_seconds, 3),
        "per_letter_seconds_extrapolated": round(per_letter_seconds_est, 1),
        "per_letter_pages_per_second": round(sample_pages / sample_seconds, 1),
        "per_letter_pages_per_cpu_second": round(sample_pages / sample_cpu, 1),
        "preview_seconds_median": round(times[len(times) // 2], 3),
        "preview_seconds_max": round(times[-1], 3),
        "preview_count": len(times),
        "preview_cold_seconds": round(cold_preview, 3),
        "load_before": tuple(round(x, 2) for x in load_before),
        "load_after": tuple(round(x, 2) for x in os.getloadavg()),
        "cpus": os.cpu_count(),
    }


def page_is_a4_portrait(width_pt: float, height_pt: float) -> bool:
    return abs(width_pt - 595.28) < 1.5 and abs(height_pt - 841.89) < 1.5


def extract_pages(pdf: bytes, first_page: int, count: int) -> bytes:
    """Pages ``first_page`` .. ``first_page + count - 1`` (1-based) of a stored batch PDF."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for index in range(first_page - 1, first_page - 1 + count):
        writer.add_page(reader.pages[index])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mm(value: float) -> float:
    """Millimetres to PDF points."""
    return value * 72.0 / 25.4


__all__ = [
    "BODY_FONT",
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
