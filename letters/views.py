"""Permission-checked views for letters' PDFs (帳票の表示・ダウンロード).

PDFs hold personal data: they are served only here, to a logged-in user with
``letters.view_letter``, never from a public path. Every access is recorded (LetterAccess).
"""
from __future__ import annotations

import calendar
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from jpki.models import Office

from . import render, services
from .models import Letter, LetterAccess, MailingBatch


def pdf_response(data: bytes, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "letter.pdf"
    from urllib.parse import quote

    response["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Length"] = str(len(data))
    return response


def _letter_response(request, pk: int, *, inline: bool):
    letter = get_object_or_404(Letter.objects.select_related("application", "batch"), pk=pk)
    action = LetterAccess.Action.PREVIEW if inline else LetterAccess.Action.DOWNLOAD
    try:
        data = services.letter_open(letter=letter, actor=request.user, action=action, path=request.path)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages), content_type="text/plain; charset=utf-8")
    return pdf_response(data, f"{letter.reference}.pdf", inline=inline)


@require_GET
@login_required
@permission_required("letters.view_letter", raise_exception=True)
def letter_preview(request, pk: int):
    """The letter shown in the browser (inline)."""
    return _letter_response(request, pk, inline=True)


@require_GET
@login_required
@permission_required("letters.view_letter", raise_exception=True)
def letter_download(request, pk: int):
    """The letter as a file (attachment)."""
    return _letter_response(request, pk, inline=False)


@require_GET
@login_required
@permission_required("letters.view_mailingbatch", raise_exception=True)
def batch_download(request, pk: int):
    batch = get_object_or_404(MailingBatch.objects.select_related("office"), pk=pk)
    if not request.user.has_perm("letters.view_letter"):
        raise PermissionDenied
    try:
        data = services.batch_open(batch=batch, actor=request.user, path=request.path)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages), content_type="text/plain; charset=utf-8")
    name = f"差出-{batch.office.code}-{batch.date:%Y%m%d}-{batch.number}.pdf"
    return pdf_response(data, name, inline=request.GET.get("inline") == "1")


@require_GET
@login_required
@permission_required("letters.view_letter", raise_exception=True)
def lookup(request):
    """A typed or scanned letter reference (?q=SU-2026-000123) → the application's admin page."""
    query = request.GET.get("q", "")
    letter = services.find_by_reference(query)
    if letter is None:
        messages.warning(request, f"照会番号「{query}」の帳票は見つかりませんでした。")
        return redirect(reverse("admin:letters_letter_changelist"))
    return redirect(reverse("admin:jpki_application_change", args=[letter.application_id]))


def _can_view_ledger(user) -> bool:
    return user.has_perm("letters.view_ledger") or user.has_perm("letters.view_letteraccess")


@require_GET
@login_required
def ledger(request):
    """電子証明書交付記録簿 per office and day (?date=YYYY-MM-DD) or month (?month=YYYY-MM), PDF or CSV."""
    if not _can_view_ledger(request.user):
        raise PermissionDenied
    office_id = request.GET.get("office")
    office = get_object_or_404(Office, pk=office_id) if office_id else getattr(
        getattr(request.user, "staff_profile", None), "office", None
    )
    if office is None:
        return HttpResponseBadRequest("窓口を指定してください（?office=）。", content_type="text/plain; charset=utf-8")
    try:
        if request.GET.get("month"):
            year, month = (int(x) for x in request.GET["month"].split("-"))
            start = date(year, month, 1)
            end = date(year, month, calendar.monthrange(year, month)[1])
            label = f"{year:04d}{month:02d}"
        else:
            start = end = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else timezone.localdate()
            label = start.strftime("%Y%m%d")
    except (ValueError, KeyError):
        return HttpResponseBadRequest("日付は date=YYYY-MM-DD または month=YYYY-MM で指定してください。",
                                      content_type="text/plain; charset=utf-8")
    rows = services.ledger_rows(office=office, start=start, end=end)
    filename = f"交付記録簿-{office.code}-{label}"
    if request.GET.get("format") == "csv":
        body = "\ufeff" + services.ledger_csv(rows)  # BOM: Excel opens UTF-8 CSV correctly
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        from urllib.parse import quote

        response["Content-Disposition"] = f"attachment; filename=\"ledger-{label}.csv\"; filename*=UTF-8''{quote(filename)}.csv"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store, private"
        return response
    pdf = render.render_ledger(office=office, start=start, end=end, rows=rows, printed_at=timezone.now())
    return pdf_response(pdf, f"{filename}.pdf", inline=request.GET.get("inline") == "1")
