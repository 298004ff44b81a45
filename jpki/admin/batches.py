"""Mailing batches (差出) in the admin: the list, the batch with its letters, and the page of its
rendering: progress while a worker renders the PDF, the download when done, the reason and
「再度印刷する」 when it failed or was interrupted (``letters.batches``).

A batch is made from the letters screens (``jpki.admin.letters``: 「本日の照会書を一括印刷」 and the
action on selected letters), which then open its page here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from letters import batches
from letters.models import Letter, MailingBatch

from . import tracking
from .base import SafeChangeListMixin, SafeHistoryIdsMixin
from .letters import ReasonForm


def _batch_status_url(batch) -> str:
    return reverse("admin:letters_mailingbatch_status", args=[batch.pk])


class LetterInline(admin.TabularInline):
    model = Letter
    fk_name = "batch"
    fields = (
        "reference",
        "application",
        "mail_class",
        "tracking_number",
        "posted_at",
        "returned_at",
        "batch_first_page",
        "print_refusal",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BatchRetryForm(ReasonForm):
    reason = forms.CharField(
        label=_("再度印刷する理由"),
        max_length=500,
        initial=_("中断した一括印刷の再実行"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


@admin.register(MailingBatch)
class MailingBatchAdmin(SafeChangeListMixin, SafeHistoryIdsMixin, SimpleHistoryAdmin):
    list_display = (
        "date",
        "office",
        "number",
        "letter_count",
        "state_col",
        "printed_at",
        "printed_by",
        "page_count",
        "pdf_link",
    )
    list_filter = ("render_state", "office", "date")
    list_select_related = ("office", "printed_by")
    date_hierarchy = "date"
    readonly_fields = (
        "office",
        "date",
        "number",
        "created_at",
        "created_by",
        "state_col",
        "render_attempts",
        "render_queued_at",
        "render_started_at",
        "render_finished_at",
        "render_error",
        "printed_at",
        "printed_by",
        "sha256",
        "page_count",
        "note",
        "pdf_link",
        "mailing_links",
    )
    exclude = ("pdf", "render_state")
    inlines = [LetterInline]
    read_log_resident_path = "letters__application__resident"  # the read log: a batch page shows its letters
    actions = None
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(letters_n=Count("letters"))

    @admin.display(description=_("通数"), ordering="letters_n")
    def letter_count(self, obj):
        return obj.letters_n

    @admin.display(description=_("印刷の状態"), ordering="render_state")
    def state_col(self, obj):
        # Lists go by the deadline only (no look-up of each row's task); the batch's own page asks the worker.
        status = batches.batch_status(obj, letter_count=obj.letters_n, check_task=False)
        return format_html('<a href="{}">{}</a>', _batch_status_url(obj), status.label)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        if not obj.pdf or obj.render_state != MailingBatch.RenderState.DONE:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("letters:batch_download", args=[obj.pk]), _("一括印刷PDF"))

    @admin.display(description=_("お問い合わせ番号・差出票"))
    def mailing_links(self, obj):
        if obj.render_state != MailingBatch.RenderState.DONE:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:letters_mailingbatch_tracking", args=[obj.pk]),
            _("お問い合わせ番号を入力（スキャン）"),
            reverse("admin:letters_mailingbatch_list", args=[obj.pk]),
            _("差出票"),
        )

    # --- the batch's rendering: progress, result, 「再度印刷する」 ---
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", wrap(self.status_view), name="letters_mailingbatch_status"),
            path("<int:pk>/tracking/", wrap(self.tracking_view), name="letters_mailingbatch_tracking"),
            path("<int:pk>/mailing-list/", wrap(self.mailing_list_view), name="letters_mailingbatch_list"),
            path(
                "<int:pk>/mailing-list/<int:version>/pdf/",
                wrap(self.mailing_list_download),
                name="letters_mailingbatch_list_pdf",
            ),
            *super().get_urls(),
        ]

    def tracking_view(self, request, pk):
        return tracking.tracking_view(self, request, pk)

    def mailing_list_view(self, request, pk):
        return tracking.mailing_list_view(self, request, pk)

    def mailing_list_download(self, request, pk, version):
        return tracking.mailing_list_download(self, request, pk, version)

    def status_view(self, request, pk):
        """Where the batch's PDF stands. Queued or rendering: the page reloads itself every few seconds
        (a meta refresh, no script). Done: the download. Failed or interrupted: why, and the retry."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        batch = get_object_or_404(MailingBatch.objects.select_related("office", "printed_by"), pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        can_retry_perm = request.user.has_perm("letters.change_letter") and request.user.has_perm(
            "letters.change_mailingbatch"
        )
        form = BatchRetryForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if not can_retry_perm:
                raise PermissionDenied
            if form.is_valid():
                try:
                    batches.mailing_batch_retry(batch=batch, actor=request.user, reason=form.cleaned_data["reason"])
                except ValidationError as exc:
                    messages.warning(request, " ".join(exc.messages))
                    return redirect(_batch_status_url(batch))
                messages.success(request, _("%(batch)s の印刷をもう一度受け付けました。") % {"batch": batch})
                return redirect(_batch_status_url(batch))
        status = batches.batch_status(batch)
        context = {
            **self.admin_site.each_context(request),
            "title": _("一括印刷の状況"),
            "subtitle": str(batch),
            "batch": batch,
            "status": status,
            "form": form,
            "can_retry": status.can_retry and can_retry_perm,
            "refresh_seconds": 3 if status.in_progress else None,
            "refused_letters": list(batch.letters.exclude(print_refusal="").order_by("reference_root", "version"))
            if status.state == MailingBatch.RenderState.DONE
            else [],
            "download_url": reverse("letters:batch_download", args=[batch.pk])
            if status.state == MailingBatch.RenderState.DONE and request.user.has_perm("letters.view_letter")
            else None,
            "opts": self.model._meta,
            "change_url": reverse("admin:letters_mailingbatch_change", args=[batch.pk]),
            **tracking.status_context(request, batch, done=status.state == MailingBatch.RenderState.DONE),
        }
        return TemplateResponse(request, "letters/admin/batch_status.html", context)
