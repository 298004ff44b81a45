"""Permission-checked views for letters' PDFs (帳票の表示・ダウンロード).

PDFs hold personal data: they are served only here, to a logged-in user with
``letters.view_letter``, never from a public path. Every access is recorded (LetterAccess), and every
read of personal data (a letter, a batch, the ledger) is in the read log (``jpki.readlog``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from jpki.models import Office
from jpki.readlog import record_read, request_query

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
    record_read(
        request,
        screen="letter_preview" if inline else "letter_download",
        residents=[letter.application.resident_id],
        query=letter.reference,
    )
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
    record_read(
        request,
        screen="batch_pdf",
        query=str(batch),
        residents=batch.letters.filter(print_refusal="").values_list("application__resident_id", flat=True),
    )
    # Japanese by nature: the file names of the printed documents
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
        messages.warning(request, _t("照会番号「%(query)s」の帳票は見つかりませんでした。") % {"query": query})
        return redirect(reverse("admin:letters_letter_changelist"))
    return redirect(reverse("admin:jpki_application_change", args=[letter.application_id]))


LEDGER_EARLIEST = date(2000, 1, 1)  # before the system (and the My Number card): no ledger to print
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})", re.ASCII)


class LedgerParamsForm(forms.Form):
    """The ledger's query string (?office=&date=YYYY-MM-DD | month=YYYY-MM&format=pdf|csv): what does not
    make sense is a 400 with a Japanese message per parameter, never a 500."""

    office = forms.ModelChoiceField(
        queryset=Office.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _lazy("窓口の指定が正しくありません（office= には窓口の番号を指定してください）。")
        },
    )
    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _lazy("日付は date=YYYY-MM-DD で指定してください。")},
    )
    month = forms.CharField(
        required=False, max_length=7, error_messages={"max_length": _lazy("月は month=YYYY-MM で指定してください。")}
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("pdf", "PDF"), ("csv", "CSV")],
        error_messages={"invalid_choice": _lazy("形式は format=pdf または format=csv で指定してください。")},
    )

    @staticmethod
    def latest() -> date:
        return timezone.localdate() + timedelta(days=1)

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value is not None and not LEDGER_EARLIEST <= value <= self.latest():
            raise forms.ValidationError(
                _t("日付は%(start)sから%(end)sまでで指定してください。")
                % {"start": f"{LEDGER_EARLIEST:%Y-%m-%d}", "end": f"{self.latest():%Y-%m-%d}"}
            )
        return value

    def clean_month(self):
        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        match = _MONTH.fullmatch(text)
        month = int(match.group(2)) if match else 0
        if not match or not 1 <= month <= 12:
            raise forms.ValidationError(_t("月は month=YYYY-MM で指定してください。"))
        first = date(int(match.group(1)), month, 1)
        latest = self.latest()
        if not LEDGER_EARLIEST <= first <= latest:
            raise forms.ValidationError(
                _t("月は%(start)sから%(end)sまでで指定してください。")
                % {"start": f"{LEDGER_EARLIEST:%Y-%m}", "end": f"{latest:%Y-%m}"}
            )
        return first

    def period(self) -> tuple[date, date, str]:
        """(first day, last day, the file name's label): the month, else the day, else today."""
        first = self.cleaned_data.get("month")
        if first is not None:
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            return first, last, f"{first:%Y%m}"
        day = self.cleaned_data.get("date") or timezone.localdate()
        return day, day, f"{day:%Y%m%d}"

    def error_text(self) -> str:
        return "\n".join(str(message) for errors in self.errors.values() for message in errors)


def _can_view_ledger(user) -> bool:
    return user.has_perm("letters.view_ledger") or user.has_perm("letters.view_letteraccess")


@require_GET
@login_required
def ledger(request):
    """電子証明書交付記録簿 per office and day (?date=YYYY-MM-DD) or month (?month=YYYY-MM), PDF or CSV."""
    if not _can_view_ledger(request.user):
        raise PermissionDenied
    params = LedgerParamsForm(request.GET)
    if not params.is_valid():
        return HttpResponseBadRequest(params.error_text(), content_type="text/plain; charset=utf-8")
    office = params.cleaned_data["office"] or getattr(getattr(request.user, "staff_profile", None), "office", None)
    if office is None:
        return HttpResponseBadRequest(
            _t("窓口を指定してください（?office=）。"), content_type="text/plain; charset=utf-8"
        )
    start, end, label = params.period()
    rows = services.ledger_rows(office=office, start=start, end=end)
    record_read(
        request,
        screen="ledger_csv" if request.GET.get("format") == "csv" else "ledger_pdf",
        residents=[row["resident_id"] for row in rows],
        query=request_query(request),
    )
    filename = f"交付記録簿-{office.code}-{label}"
    if request.GET.get("format") == "csv":
        body = "\ufeff" + services.ledger_csv(rows)  # BOM: Excel opens UTF-8 CSV correctly
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        from urllib.parse import quote

        response["Content-Disposition"] = (
            f"attachment; filename=\"ledger-{label}.csv\"; filename*=UTF-8''{quote(filename)}.csv"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store, private"
        return response
    pdf = render.render_ledger(office=office, start=start, end=end, rows=rows, printed_at=timezone.now())
    return pdf_response(pdf, f"{filename}.pdf", inline=request.GET.get("inline") == "1")
