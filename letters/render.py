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

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_noop

from letters.marks import (  # noqa: F401  (re-exported: the letters' marks live in letters.marks)
    CUSTOMER_BARCODE_MM,
    QR_QUIET_MODULES,
    customer_barcode_chars,
    customer_barcode_markup,
    customer_barcode_png,
    qr_png_uri,
    qr_svg_uri,
)

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

# Japanese by nature: everything below is printed on the letters.
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
        (gettext_noop("氏名"), resident.name),
        (gettext_noop("通称"), getattr(resident, "alias_name", "")),
        (gettext_noop("住所（町域まで）"), resident.address_town),
        (gettext_noop("住所（番地）"), resident.address_block),
        (gettext_noop("方書"), resident.address_building),
    ]
    if proxy is not None:
        fields += [
            (gettext_noop("代理人の氏名"), proxy.proxy_name),
            (gettext_noop("代理人の住所"), proxy.proxy_address),
        ]
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
