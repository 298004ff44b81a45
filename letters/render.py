"""Rendering letters to PDF with WeasyPrint (帳票の作成).

Everything printed comes from Django templates under ``templates/letters/``. Every letter page is
one fixed-size A4 ``<div class="page">`` (no automatic page breaks), so the position of the
address block is exact and a batch of letters is simply the concatenation of their pages in one
HTML document: **one** WeasyPrint layout pass for the whole day.

Fonts: names and addresses (住民票の文字) are set in IPAmj明朝 (文字情報基盤), body text in IPAex明朝.
Only those two families are declared; there is no generic fallback to a gothic or Latin face.

Nothing here ever prints a password (暗証番号) or the individual number (個人番号): the password
boxes are blank.
"""
from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

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


def qr_svg(text: str, size_mm: float = 16.0) -> str:
    """The reference as a QR code (inline SVG, vector): scanning it types the reference."""
    import segno

    qr = segno.make(text, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=2, omitsize=True, dark="#000")
    return mark_safe(svg.replace("<svg ", f'<svg width="{size_mm}mm" height="{size_mm}mm" ', 1))


def svg_img(svg: str, *, css_class: str, alt: str) -> str:
    """An SVG drawn as an image (vector). Much cheaper for WeasyPrint than inline SVG in the DOM."""
    import base64

    if "xmlns=" not in svg:
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return mark_safe(f'<img class="{css_class}" alt="{alt}" src="data:image/svg+xml;base64,{data}">')


def customer_barcode_markup(postal_code: str, address_after_town: str) -> str:
    """Japan Post customer barcode (カスタマバーコード) as inline SVG, or "" when none applies."""
    try:
        from letters.barcode import customer_barcode, customer_barcode_svg

        chars = customer_barcode(postal_code, address_after_town)
        if not chars:
            return ""
        return svg_img(customer_barcode_svg(chars, point_size=10.0), css_class="cbarimg", alt="カスタマバーコード")
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
        "qr": svg_img(qr_svg(data.reference), css_class="qrimg", alt=data.reference),
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
    "inquiry": "letters/inquiry.html",
    "application_form": "letters/application_form.html",
    "inquiry_request": "letters/inquiry_request.html",
    "validity_slip": "letters/validity_slip.html",
}


def letter_html(data: LetterData) -> str:
    """The pages of one letter (a fragment of ``<div class="page">`` elements)."""
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


def document_html(fragments: Iterable[str], *, title: str = "帳票") -> str:
    return render_to_string(
        "letters/document.html",
        {"fragments": [mark_safe(f) for f in fragments], "title": title, **window_boxes()},
    )


_FONT_CONFIG = None


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def html_to_document(html: str):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=_font_config())


def write_pdf(document) -> bytes:
    return document.write_pdf(uncompressed_pdf=False)


@dataclass
class RenderedBatch:
    pdf: bytes
    page_count: int
    first_pages: dict[str, int] = field(default_factory=dict)  # reference -> 1-based first page
    letter_pages: dict[str, int] = field(default_factory=dict)  # reference -> number of pages

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


#: Letters laid out per WeasyPrint pass in a batch. WeasyPrint's layout time grows faster than the
#: page count in very long documents (measured: 20 letters 12 pages/s, 200 letters 8, 1000 letters 3.5
#: on this machine), so a batch is laid out in chunks whose pages are then written as ONE PDF
#: (``Document.copy`` of all pages: one font subset, one file). ``None`` = a single pass.
BATCH_CHUNK_LETTERS = 50


def _anchor_pages(document, offset: int, first_pages: dict[str, int]) -> int | None:
    report_start = None
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                first_pages.setdefault(anchor[len("letter-"):], offset + index + 1)
            elif anchor == "report-start" and report_start is None:
                report_start = offset + index + 1
    return report_start


def render_letters(
    datas: Sequence[LetterData], *, extra_fragments: Sequence[str] = (), title: str = "帳票",
    chunk_letters: int | None = None,
) -> RenderedBatch:
    """Render letters (and e.g. the mailing list after them) into ONE PDF.

    The letters are laid out ``chunk_letters`` at a time (default :data:`BATCH_CHUNK_LETTERS`;
    ``0``/``None`` for a single pass); the pages of every pass are written together in one
    ``write_pdf`` so the batch is one file with one font subset.
    """
    chunk = BATCH_CHUNK_LETTERS if chunk_letters is None else chunk_letters
    fragments = [letter_html(d) for d in datas]
    groups: list[list[str]] = (
        [fragments[i:i + chunk] for i in range(0, len(fragments), chunk)] if chunk and fragments else [fragments]
    )
    if extra_fragments:
        groups[-1] = [*groups[-1], *extra_fragments]
    documents = [html_to_document(document_html(group, title=title)) for group in groups]
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
    combined = documents[0] if len(documents) == 1 else documents[0].copy([p for d in documents for p in d.pages])
    pdf = write_pdf(combined)
    return RenderedBatch(pdf=pdf, page_count=total_pages, first_pages=first_pages, letter_pages=letter_pages)


def render_letter(data: LetterData) -> RenderedBatch:
    return render_letters([data], title=data.reference)


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


# --- benchmark -------------------------------------------------------------------------------


def sample_letter_data(i: int = 0, *, kind: str = "inquiry", at: datetime | None = None) -> LetterData:
    """An unsaved sample application (nothing is written to the database)."""
    from letters.samples import sample_application

    at = at or timezone.now()
    app, certs = sample_application(i, at=at)
    return LetterData(kind=kind, application=app, reference=f"SU-{at.year}-{900000 + i:06d}", rendered_at=at, certificates=certs)


def benchmark(n: int = 1000, *, per_letter_sample: int = 50, kind: str = "inquiry") -> dict:
    """Pages/s of one batch of ``n`` letters in one pass against one document per letter.

    The per-letter figure is measured on ``per_letter_sample`` letters and extrapolated to ``n``.
    Also the time of a single letter preview (render + write of one letter).
    Nothing is written to the database or to the private storage.
    """
    now = timezone.now()
    # warm up fonts (the first render of a process loads the font files)
    render_letter(sample_letter_data(0, kind=kind, at=now))

    datas = [sample_letter_data(i, kind=kind, at=now) for i in range(n)]
    t0 = time.perf_counter()
    batch = render_letters(datas, title="benchmark")
    batch_seconds = time.perf_counter() - t0
    batch_pages = batch.page_count

    sample = datas[: max(1, min(per_letter_sample, n))]
    t0 = time.perf_counter()
    sample_pages = 0
    for d in sample:
        sample_pages += render_letter(d).page_count
    sample_seconds = time.perf_counter() - t0
    per_letter_seconds_est = sample_seconds / len(sample) * n

    previews = []
    for d in datas[:5]:
        t0 = time.perf_counter()
        render_letter(d)
        previews.append(time.perf_counter() - t0)
    previews.sort()
    return {
        "letters": n,
        "kind": kind,
        "batch_pages": batch_pages,
        "batch_seconds": round(batch_seconds, 3),
        "batch_pages_per_second": round(batch_pages / batch_seconds, 1),
        "batch_pdf_bytes": len(batch.pdf),
        "per_letter_sample": len(sample),
        "per_letter_sample_seconds": round(sample_seconds, 3),
        "per_letter_seconds_extrapolated": round(per_letter_seconds_est, 1),
        "per_letter_pages_per_second": round(sample_pages / sample_seconds, 1),
        "preview_seconds_median": round(previews[len(previews) // 2], 3),
        "preview_seconds_max": round(previews[-1], 3),
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
