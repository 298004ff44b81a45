"""After a batch is printed: the scan screen for its tracking numbers (お問い合わせ番号の入力) and the
mailing list the post office takes (差出票), printed once every number is in and re-printable.

The scan screen has one field per letter in the order of the list (reference and name beside it); a
barcode scanner types the digits and Enter, and a small static script (``jpki/tracking_scan.js``, no
inline script: the Content-Security-Policy allows scripts from this origin only) moves to the next
field and checks each number as it is entered. The server checks them again (format, Japan Post's
check digit, duplicates) and records them all in one service call (``letters.mailing``); an error
shows at the letter's field. The views are mounted by ``MailingBatchAdmin.get_urls``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki.readlog import record_read
from letters import mailing
from letters.models import Letter, MailingBatch, MailingListPrint
from letters.views import pdf_response

from . import submissions
from .letters import ReasonForm


def status_url(batch) -> str:
    return reverse("admin:letters_mailingbatch_status", args=[batch.pk])


def can_record(user) -> bool:
    return user.has_perm("letters.change_letter") and user.has_perm("letters.view_mailingbatch")


class TrackingScanForm(ReasonForm):
    """One field per letter still to be posted (``tracking_<id>``), then the reason."""

    number_fields = frozenset({"tracking_number"})

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields.pop("reason")
        self.rows = rows
        self.number_fields = frozenset(row["field"] for row in rows) | {"tracking_number"}
        for row in rows:
            if row["done"]:
                continue
            letter = row["letter"]
            self.fields[row["field"]] = forms.CharField(
                label=f"{row['no']}. {letter.reference}",
                required=False,
                max_length=20,
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "numeric",
                        "autocomplete": "off",
                        "data-scan": "1",
                        "size": 18,
                        "aria-describedby": f"name-{letter.pk}",
                    }
                ),
            )
        self.fields["reason"] = reason

    def numbers(self) -> dict[int, str]:
        return {
            row["letter"].pk: self.cleaned_data.get(row["field"], "")
            for row in self.rows
            if not row["done"] and self.cleaned_data.get(row["field"])
        }


class MailingListPrintForm(ReasonForm):
    reason = forms.CharField(
        label=_("印刷の理由"),
        max_length=500,
        initial=_("差出票の印刷"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("再印刷のときは理由を書いてください（例: 郵便局で書き損じたため）。前の版もそのまま保存されます。"),
    )


class TrackingCorrectionForm(ReasonForm):
    tracking_number = forms.CharField(
        label=_("訂正後のお問い合わせ番号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}),
        help_text=_("封筒に貼ったラベルの番号を読み取るか入力してください（11〜13桁、末尾はチェックデジット）。"),
    )
    reason = forms.CharField(
        label=_("訂正の理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("例: 別の封筒のラベルを読み取っていたため。前の番号は履歴に残ります。"),
    )

    def clean_tracking_number(self):
        try:  # the one check of the scan screen and the 差出を記録 form (letters.mailing)
            return mailing.check_tracking_number(self.cleaned_data["tracking_number"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def tracking_view(model_admin, request, pk):
    """お問い合わせ番号の入力: the batch's letters in list order, one field each, saved in one step."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    batch = get_object_or_404(MailingBatch.objects.select_related("office"), pk=pk)
    if not can_record(request.user):
        raise PermissionDenied
    if batch.render_state != MailingBatch.RenderState.DONE:
        messages.warning(request, mailing.MSG_NOT_PRINTED)
        return redirect(status_url(batch))
    rows = mailing.scan_rows(batch)
    form = TrackingScanForm(
        request.POST if request.method == "POST" else None,
        rows=rows,
        initial={"reason": _t("お問い合わせ番号の入力（差出）")},
    )
    once = submissions.OneShot(request, submissions.Scope.of(request.user, "letters_mailingbatch_tracking", obj=batch))
    recorded = None
    try:
        recorded = once.recorded()
        if recorded is None and request.method == "POST" and form.is_valid():
            numbers = form.numbers()
            if not numbers:
                form.add_error(None, _t("お問い合わせ番号が1件も入力されていません。"))
            else:
                done = once.submit(
                    lambda: mailing.batch_record_tracking(
                        batch=batch, actor=request.user, reason=form.cleaned_data["reason"], numbers=numbers
                    ),
                    result_url=lambda _result: status_url(batch),
                )
                messages.success(
                    request, _t("%(count)d通のお問い合わせ番号と差出を記録しました。") % {"count": len(done)}
                )
                return redirect(status_url(batch))
    except submissions.AlreadyRecorded as exc:
        recorded = exc.submission
    except ValidationError as exc:
        _apply_errors(form, exc)
    fields = [(row, form[row["field"]] if row["field"] in form.fields else None) for row in rows]
    record_read(
        request,
        screen="letter_workflow",
        residents=[row["letter"].application.resident_id for row in rows],
        query=str(batch),
    )
    context = {
        **once.context(),
        **(submissions.already_recorded_context(recorded, status_url(batch)) if recorded else {}),
        **model_admin.admin_site.each_context(request),
        "title": _("お問い合わせ番号の入力"),
        "subtitle": str(batch),
        "batch": batch,
        "form": form,
        "fields": fields,
        "remaining": sum(1 for row in rows if not row["done"]),
        "msg_check_digit": _t(mailing.MSG_CHECK_DIGIT),  # the script says what the server would
        # 「訂正」 beside a recorded number: asked only when one is shown (a constant two queries at most)
        "can_correct": any(row["done"] and row["letter"].tracking_number for row in rows)
        and (mailing.latest_list_print(batch.pk) is None or mailing.is_supervisor(request.user)),
        "opts": MailingBatch._meta,
        "back_url": status_url(batch),
        "change_url": reverse("admin:letters_mailingbatch_change", args=[batch.pk]),
    }
    return TemplateResponse(request, "admin/letters/tracking_scan.html", context)


def mailing_list_view(model_admin, request, pk):
    """Print (or re-print) the batch's 差出票: refused, with what is missing, until every number is in."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    batch = get_object_or_404(MailingBatch.objects.select_related("office"), pk=pk)
    if not request.user.has_perm("letters.view_mailingbatch"):
        raise PermissionDenied
    can_print = request.user.has_perm("letters.change_letter")
    missing = mailing.list_missing(batch)
    prints = list(batch.list_prints.select_related("printed_by").order_by("-version"))
    stale = mailing.stale_message(prints[0] if prints else None)
    initial_reason = _t("差出票の再印刷") if prints else _t("差出票の印刷")
    form = MailingListPrintForm(
        request.POST if request.method == "POST" else None,
        initial={"reason": _t("お問い合わせ番号の訂正による差出票の再印刷") if stale else initial_reason},
    )
    once = submissions.OneShot(request, submissions.Scope.of(request.user, "letters_mailingbatch_list", obj=batch))
    recorded = None
    try:
        recorded = once.recorded()
        if recorded is None and request.method == "POST":
            if not can_print:
                raise PermissionDenied
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                list_url = reverse("admin:letters_mailingbatch_list", args=[batch.pk])
                printed = once.submit(
                    lambda: mailing.mailing_list_print(batch=batch, actor=request.user, reason=reason),
                    result_url=lambda _printed: list_url,
                )
                done = _t("差出票（第%(version)d版）を印刷しました。") % {"version": printed.version}
                messages.success(request, done)
                return redirect(list_url)
    except submissions.AlreadyRecorded as exc:
        recorded = exc.submission
    except ValidationError as exc:
        _apply_errors(form, exc)
    context = {
        **once.context(),
        **(submissions.already_recorded_context(recorded, status_url(batch)) if recorded else {}),
        **model_admin.admin_site.each_context(request),
        "title": _("差出票（郵便局へ提出）"),
        "subtitle": str(batch),
        "batch": batch,
        "form": form,
        "missing": missing,
        "prints": prints,
        "stale": stale,
        "can_print": can_print and missing is None,
        "can_record": can_record(request.user),
        "opts": MailingBatch._meta,
        "back_url": status_url(batch),
        "change_url": reverse("admin:letters_mailingbatch_change", args=[batch.pk]),
    }
    return TemplateResponse(request, "admin/letters/mailing_list.html", context)


def mailing_list_download(model_admin, request, pk, version):
    """One stored print of the 差出票 (the read recorded: it names every addressee)."""
    batch = get_object_or_404(MailingBatch, pk=pk)  # the pk lookup answers 404 for an id out of range
    printed = get_object_or_404(
        MailingListPrint.objects.select_related("batch", "batch__office"), batch=batch, version=version
    )
    if not (request.user.has_perm("letters.view_mailingbatch") and request.user.has_perm("letters.view_letter")):
        raise PermissionDenied
    data = mailing.mailing_list_open(printed=printed, actor=request.user, path=request.path)
    record_read(
        request,
        screen="batch_pdf",
        residents=list(printed.batch.letters.values_list("application__resident_id", flat=True)),
        query=str(printed),
    )
    batch = printed.batch
    name = f"差出票-{batch.office.code}-{batch.date:%Y%m%d}-{batch.number}-v{version}.pdf"
    return pdf_response(data, name, inline=request.GET.get("inline") == "1")


def status_context(request, batch, *, done: bool) -> dict:
    """The batch page's next steps once printed: the scan screen and the 差出票 (with what is missing)."""
    if not done:
        return {}
    missing = mailing.list_missing(batch)
    return {
        "tracking_url": reverse("admin:letters_mailingbatch_tracking", args=[batch.pk])
        if can_record(request.user)
        else None,
        "mailing_list_url": reverse("admin:letters_mailingbatch_list", args=[batch.pk]),
        "mailing_list_missing": missing.message if missing else "",
        "mailing_list_stale": mailing.stale_message(mailing.latest_list_print(batch.pk)),
    }


def letter_url(letter) -> str:
    return reverse("admin:letters_letter_change", args=[letter.pk])


def correction_view(model_admin, request, pk):
    """お問い合わせ番号の訂正 of one posted letter: a clerk until the batch's 差出票 is printed, then a
    supervisor; the printed 差出票 is then marked stale and its page offers the re-print."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    letter = get_object_or_404(Letter.objects.select_related("application", "application__resident", "batch"), pk=pk)
    if not mailing.can_correct_tracking(request.user, letter):
        printed = mailing.latest_list_print(letter.batch_id)
        if printed is None or not request.user.has_perm("letters.view_letter"):
            raise PermissionDenied
        # the letter's page offers the link to everyone who sees it: a clerk after the print is told why
        messages.error(
            request,
            _t("この差出の差出票は印刷済みです（第%(version)d版）。印刷後のお問い合わせ番号の訂正は監督者が行います。")
            % {"version": printed.version},
        )
        return redirect(letter_url(letter))
    refusal = mailing.correction_refusal(letter)
    if refusal:  # not posted, or no number: nothing to correct
        messages.error(request, refusal)
        return redirect(letter_url(letter))
    printed = mailing.latest_list_print(letter.batch_id)
    form = TrackingCorrectionForm(request.POST if request.method == "POST" else None)
    once = submissions.OneShot(
        request,
        submissions.Scope.of(
            request.user, "letters_letter_tracking_correction", resident=letter.application.resident_id, obj=letter
        ),
    )
    recorded = None
    try:
        recorded = once.recorded()
        if recorded is None and request.method == "POST" and form.is_valid():
            done = once.submit(
                lambda: mailing.letter_correct_tracking(
                    letter=letter,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    tracking_number=form.cleaned_data["tracking_number"],
                ),
                result_url=letter_url,
            )
            messages.success(
                request,
                _t("%(reference)s のお問い合わせ番号を %(number)s に訂正しました。")
                % {"reference": done.reference, "number": done.tracking_number_display},
            )
            if printed is not None:
                messages.warning(request, mailing.stale_message(mailing.latest_list_print(letter.batch_id)))
                return redirect(reverse("admin:letters_mailingbatch_list", args=[letter.batch_id]))
            return redirect(letter_url(done))
    except submissions.AlreadyRecorded as exc:
        recorded = exc.submission
    except ValidationError as exc:
        _apply_errors(form, exc)
    warning = (
        _t(
            "この差出の差出票は印刷済みです（第%(version)d版）。訂正すると、その差出票は古くなり、再印刷が必要になります。"
        )
        % {"version": printed.version}
        if printed is not None
        else None
    )
    record_read(request, screen="letter_workflow", residents=[letter.application.resident_id], query=letter.reference)
    context = {
        **once.context(),
        **(submissions.already_recorded_context(recorded, letter_url(letter)) if recorded else {}),
        **model_admin.admin_site.each_context(request),
        "title": _("お問い合わせ番号の訂正"),
        "subtitle": letter.reference,
        "form": form,
        "letter": letter,
        "warning": warning,
        "confirm": False,
        "opts": Letter._meta,
        "back_url": letter_url(letter),
    }
    return TemplateResponse(request, "letters/admin/workflow_form.html", context)
