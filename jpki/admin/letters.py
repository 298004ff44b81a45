"""Letters in the admin: preview, download, re-print with a reason, mailing, returns, replies,
the day's batch print, and the reference search (照会番号で検索).

The admin stays thin: every write is a service in ``letters.services``; each workflow is its own
admin view with its own form and permission check.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from jpki.models import Office
from jpki.readlog import record_read
from letters import batches, services
from letters.models import Letter, LetterAccess, MailClass, ReturnReason

from . import ledger, submissions
from .base import SafeChangeListMixin, SafeHistoryIdsMixin
from .forms import NoIndividualNumberForm

# --- forms ---------------------------------------------------------------------------------------


class ReasonForm(NoIndividualNumberForm, forms.Form):
    """Every letters form: a reason, and no 個人番号 in any text field (the tracking number aside)."""

    number_fields = frozenset({"tracking_number"})
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


class ReprintForm(ReasonForm):
    reason = forms.CharField(
        label=_("再印刷の理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("例: 印刷不良のため、封入時に汚損したため。前の版のPDFはそのまま保存されます。"),
    )


class MailingForm(ReasonForm):
    mail_class = forms.ChoiceField(label=_("郵便の種類"), choices=MailClass.choices, initial=MailClass.REGISTERED)
    tracking_number = forms.CharField(
        label=_("お問い合わせ番号"),
        max_length=20,
        required=False,
        help_text=_("簡易書留・特定記録は必須。11〜13桁の数字（例: 1234-5678-9013）。"),
    )
    at = forms.DateTimeField(label=_("差出日時"), required=False, help_text=_("空欄なら現在時刻"))


class ReturnForm(ReasonForm):
    return_reason = forms.ChoiceField(label=_("返戻理由"), choices=ReturnReason.choices)
    note = forms.CharField(label=_("返戻の内容（その他の場合）"), max_length=200, required=False)
    at = forms.DateTimeField(label=_("返戻日"), required=False, help_text=_("空欄なら現在時刻"))


class ReplyForm(ReasonForm):
    at = forms.DateTimeField(label=_("受理日時"), required=False, help_text=_("空欄なら現在時刻"))


class PrintDayForm(ReasonForm):
    office = forms.ModelChoiceField(label=_("窓口"), queryset=Office.objects.filter(is_active=True))
    date = forms.DateField(label=_("差出日"), initial=timezone.localdate)


class CreateLetterForm(ReasonForm):
    kind = forms.ChoiceField(label=_("帳票の種類"), choices=Letter.Kind.choices)


def _letter_url(letter) -> str:
    return reverse("admin:letters_letter_change", args=[letter.pk])


def _batch_accepted(request, batch):
    """After a batch was made: its page (``jpki.admin.batches``), where the PDF appears once the worker
    has rendered it."""
    if batch is None:
        messages.info(request, _("印刷する照会書はありません。"))
        return redirect(reverse("admin:letters_letter_changelist"))
    accepted = _("%(batch)s（%(count)d通）の印刷を受け付けました。")
    messages.success(request, accepted % {"batch": batch, "count": batch.letters.count()})
    return redirect(reverse("admin:letters_mailingbatch_status", args=[batch.pk]))


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Letter --------------------------------------------------------------------------------------


class ReferenceSearchMixin:
    """The changelist search box understands a typed or scanned letter reference."""

    def get_search_results(self, request, queryset, search_term):
        letter = services.find_by_reference(search_term) if search_term else None
        if letter is not None:
            root = letter.reference_root
            return queryset.filter(reference_root=root), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Letter)
class LetterAdmin(SafeChangeListMixin, SafeHistoryIdsMixin, ReferenceSearchMixin, SimpleHistoryAdmin):
    list_display = (
        "reference",
        "kind",
        "version",
        "resident_col",
        "application_link",
        "rendered_at",
        "mail_class",
        "tracking_col",
        "posted_at",
        "returned_at",
        "reply_received_at",
        "is_current",
        "pdf_links",
    )
    list_display_links = ("reference",)
    list_filter = (
        "kind",
        "is_current",
        "mail_class",
        ("posted_at", admin.EmptyFieldListFilter),
        ("returned_at", admin.EmptyFieldListFilter),
        "return_reason",
        "application__office",
    )
    list_select_related = ("application", "application__resident", "rendered_by")
    search_fields = ("=reference", "=reference_root", "=tracking_number", "application__resident__name_search")
    search_help_text = _("照会番号（QRコードの読取りも可）、お問い合わせ番号、氏名で検索")
    raw_id_fields = ("application", "previous", "batch", "rendered_by")
    show_full_result_count = False
    list_per_page = 50
    date_hierarchy = "rendered_at"
    actions = ["print_selected"]
    readonly_fields = (
        "workflow_links",
        "kind",
        "application_link",
        "resident_col",
        "reference",
        "reference_root",
        "version",
        "previous",
        "is_current",
        "reprint_after_mailing",
        "reason",
        "rendered_at",
        "rendered_by",
        "sha256",
        "page_count",
        "mail_class",
        "tracking_col",
        "batch",
        "batch_first_page",
        "posted_at",
        "returned_at",
        "return_reason",
        "return_note",
        "reply_received_at",
        "access_log",
    )
    fieldsets = (
        (None, {"fields": ("workflow_links",)}),
        (
            _("帳票"),
            {
                "fields": (
                    "kind",
                    "reference",
                    "version",
                    "previous",
                    "is_current",
                    "reprint_after_mailing",
                    "reason",
                    "application_link",
                    "resident_col",
                    "rendered_at",
                    "rendered_by",
                    "sha256",
                    "page_count",
                )
            },
        ),
        (
            _("郵送"),
            {
                "fields": (
                    "mail_class",
                    "tracking_col",
                    "batch",
                    "batch_first_page",
                    "posted_at",
                    "returned_at",
                    "return_reason",
                    "return_note",
                    "reply_received_at",
                )
            },
        ),
        (_("出力記録"), {"fields": ("access_log",)}),
    )

    # records are made by the services, never through a raw form
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def _can_write(self, request) -> bool:
        return request.user.has_perm("letters.change_letter")

    # --- columns ---
    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        resident = obj.application.resident
        url = reverse("admin:residents_resident_change", args=[resident.pk])
        return format_html('<a href="{}">{}</a>', url, resident.name)

    @admin.display(description=_("申請"))
    def application_link(self, obj):
        url = reverse("admin:jpki_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application)

    @admin.display(description=_("お問い合わせ番号"), ordering="tracking_number")
    def tracking_col(self, obj):
        return obj.tracking_number_display or "—"

    @admin.display(description=_("PDF"))
    def pdf_links(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> / <a href="{}">{}</a>',
            reverse("letters:preview", args=[obj.pk]),
            _t("表示"),
            reverse("letters:download", args=[obj.pk]),
            _t("保存"),
        )

    @admin.display(description=_("操作"))
    def workflow_links(self, obj):
        links = [
            (reverse("letters:preview", args=[obj.pk]), _t("プレビュー")),
            (reverse("letters:download", args=[obj.pk]), _t("ダウンロード")),
        ]
        if obj.is_current:
            label = _t("再印刷（発送済みのため控え）") if obj.posted_at else _t("再印刷（理由を記録）")
            links.append((reverse("admin:letters_letter_reprint", args=[obj.pk]), label))
        if obj.is_mailed_kind and obj.is_current:
            if obj.posted_at is None:
                links.append((reverse("admin:letters_letter_mailing", args=[obj.pk]), _t("差出を記録")))
            elif obj.returned_at is None and obj.reply_received_at is None:
                links.append((reverse("admin:letters_letter_return", args=[obj.pk]), _t("返戻を記録")))
                links.append((reverse("admin:letters_letter_reply", args=[obj.pk]), _t("回答書の受理を記録")))
            if obj.posted_at is not None and obj.tracking_number:
                links.append(
                    (reverse("admin:letters_letter_tracking_correction", args=[obj.pk]), _t("お問い合わせ番号を訂正"))
                )
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    @admin.display(description=_("出力記録（直近20件）"))
    def access_log(self, obj):
        rows = obj.accesses.select_related("user").order_by("-at")[:20]
        return (
            format_html_join(
                "",
                "<div>{} {} {}</div>",
                ((timezone.localtime(a.at).strftime("%Y-%m-%d %H:%M"), a.user, a.get_action_display()) for a in rows),
            )
            or "—"
        )

    # --- workflow views ---
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reprint/", wrap(self.reprint_view), name="letters_letter_reprint"),
            path("<int:pk>/mailing/", wrap(self.mailing_view), name="letters_letter_mailing"),
            path("<int:pk>/return/", wrap(self.return_view), name="letters_letter_return"),
            path("<int:pk>/reply/", wrap(self.reply_view), name="letters_letter_reply"),
            path(
                "<int:pk>/tracking-correction/", wrap(self.correction_view), name="letters_letter_tracking_correction"
            ),
            path("print-day/", wrap(self.print_day_view), name="letters_letter_print_day"),
            path("ledger/", wrap(self.ledger_view), name="letters_letter_ledger"),
            path("create/<int:application_id>/", wrap(self.create_view), name="letters_letter_create"),
            *super().get_urls(),
        ]

    def ledger_view(self, request):
        return ledger.ledger_screen(self, request)

    def _workflow(self, request, letter, form_class, title, run, *, initial=None, warning=None):
        """Form → result; with a ``warning`` (a letter already mailed) form → confirm (the warning, the
        reason again, 「控えとして再印刷する」) → result."""
        if not self._can_write(request):
            raise PermissionDenied
        form = form_class(request.POST or None, initial=initial or {})
        # Each one once: the form carries a single-use token (the procedure is the URL's name).
        once = submissions.OneShot(
            request,
            submissions.Scope.of(
                request.user, request.resolver_match.url_name, resident=letter.application.resident_id, obj=letter
            ),
        )
        recorded = None
        confirm = False
        try:
            recorded = once.recorded()
            if recorded is None and request.method == "POST" and form.is_valid():
                if warning and request.POST.get("mailed_confirmed") != "1":
                    confirm = True
                else:
                    result = once.submit(lambda: run(form.cleaned_data), result_url=_letter_url)
                    messages.success(
                        request,
                        _t("%(title)s: %(reference)s を記録しました。")
                        % {"title": title, "reference": result.reference},
                    )
                    return redirect(_letter_url(result))
        except submissions.AlreadyRecorded as exc:
            recorded = exc.submission
        except ValidationError as exc:
            _apply_errors(form, exc)
        context = {
            **once.context(),
            **(submissions.already_recorded_context(recorded) if recorded else {}),
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": letter.reference if letter else None,
            "form": form,
            "letter": letter,
            "warning": warning,
            "confirm": confirm,
            "opts": self.model._meta,
            "back_url": reverse("admin:letters_letter_change", args=[letter.pk])
            if letter
            else reverse("admin:letters_letter_changelist"),
        }
        record_read(request, screen="letter_workflow", residents=[letter.application.resident_id], query=str(title))
        return TemplateResponse(request, "letters/admin/workflow_form.html", context)

    def reprint_view(self, request, pk):
        letter = get_object_or_404(Letter, pk=pk)
        return self._workflow(
            request,
            letter,
            ReprintForm,
            _t("再印刷"),
            lambda d: services.letter_reprint(letter=letter, actor=request.user, reason=d["reason"]),
            warning=services.mailed_warning(letter) if letter.is_current else None,
        )

    def mailing_view(self, request, pk):
        letter = get_object_or_404(Letter, pk=pk)
        return self._workflow(
            request,
            letter,
            MailingForm,
            _t("差出の記録"),
            lambda d: services.letter_record_mailing(
                letter=letter,
                actor=request.user,
                reason=d["reason"],
                tracking_number=d["tracking_number"],
                mail_class=d["mail_class"],
                at=d["at"],
            ),
            initial={"mail_class": letter.mail_class, "reason": _t("照会書兼回答書を差出")},
        )

    def return_view(self, request, pk):
        letter = get_object_or_404(Letter, pk=pk)
        return self._workflow(
            request,
            letter,
            ReturnForm,
            _t("返戻の記録"),
            lambda d: services.letter_record_return(
                letter=letter,
                actor=request.user,
                reason=d["reason"],
                return_reason=d["return_reason"],
                note=d["note"],
                at=d["at"],
            ),
            initial={"reason": _t("照会書兼回答書が返戻された")},
        )

    def reply_view(self, request, pk):
        letter = get_object_or_404(Letter, pk=pk)
        return self._workflow(
            request,
            letter,
            ReplyForm,
            _t("回答書の受理"),
            lambda d: services.letter_record_reply(letter=letter, actor=request.user, reason=d["reason"], at=d["at"]),
            initial={"reason": _t("回答書（封入・割印あり）を受理")},
        )

    def correction_view(self, request, pk):
        from .tracking import correction_view  # the tracking screens' module (it imports this one)

        return correction_view(self, request, pk)

    def create_view(self, request, application_id):
        from jpki.models import Application

        application = get_object_or_404(Application, pk=application_id)
        if not request.user.has_perm("letters.add_letter"):
            raise PermissionDenied
        form = CreateLetterForm(
            request.POST or None, initial={"kind": request.GET.get("kind", ""), "reason": _t("帳票の作成")}
        )
        once = submissions.OneShot(
            request,
            submissions.Scope.of(
                request.user, request.resolver_match.url_name, resident=application.resident_id, obj=application
            ),
        )
        recorded = None
        try:
            recorded = once.recorded()
            if recorded is None and request.method == "POST" and form.is_valid():
                letter = once.submit(
                    lambda: services.letter_create(
                        kind=form.cleaned_data["kind"],
                        application=application,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    ),
                    result_url=_letter_url,
                )
                messages.success(
                    request,
                    _t("%(kind)s %(reference)s を作成しました。")
                    % {"kind": letter.get_kind_display(), "reference": letter.reference},
                )
                return redirect(_letter_url(letter))
        except submissions.AlreadyRecorded as exc:
            recorded = exc.submission
        except ValidationError as exc:
            _apply_errors(form, exc)
        context = {
            **once.context(),
            **(submissions.already_recorded_context(recorded) if recorded else {}),
            **self.admin_site.each_context(request),
            "title": _t("帳票の作成"),
            "subtitle": str(application),
            "form": form,
            "opts": self.model._meta,
            "back_url": reverse("admin:jpki_application_change", args=[application.pk]),
        }
        return TemplateResponse(request, "letters/admin/workflow_form.html", context)

    def print_day_view(self, request):
        if not self._can_write(request):
            raise PermissionDenied
        office = getattr(getattr(request.user, "staff_profile", None), "office", None)
        form = PrintDayForm(request.POST or None, initial={"office": office, "reason": _t("本日分の照会書を印刷")})
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.mailing_batch_create(
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    office=form.cleaned_data["office"],
                    on=form.cleaned_data["date"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return _batch_accepted(request, batch)
        context = {
            **self.admin_site.each_context(request),
            "title": _t("本日の照会書を一括印刷"),
            "form": form,
            "opts": self.model._meta,
            "back_url": reverse("admin:letters_letter_changelist"),
        }
        return TemplateResponse(request, "letters/admin/workflow_form.html", context)

    @admin.action(description=_("選択した照会書を一括印刷（1つのPDF）"), permissions=["change"])
    def print_selected(self, request, queryset):
        letters = list(queryset.select_related("application"))
        offices = {lt.application.office_id for lt in letters}
        if len(offices) != 1:
            self.message_user(request, _t("一括印刷は1つの窓口の照会書ごとに行ってください。"), messages.ERROR)
            return None
        office = letters[0].application.office
        try:
            batch = services.mailing_batch_create(
                actor=request.user, reason="選択した照会書の一括印刷", office=office, letters=letters
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        return _batch_accepted(request, batch)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self._can_write(request):
            extra_context["print_day_url"] = reverse("admin:letters_letter_print_day")
        if request.user.has_perm("letters.view_mailingbatch"):
            extra_context["open_batches"] = batches.batches_not_done()
        extra_context["can_view_ledger"] = ledger.can_view_ledger(request.user)
        return super().changelist_view(request, extra_context)

    change_list_template = "letters/admin/letter_change_list.html"


# --- LetterAccess (read-only log for supervisors) ------------------------------------------------


@admin.register(LetterAccess)
class LetterAccessAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ("at", "user", "action", "letter", "batch", "path")
    list_filter = ("action", "at")
    list_select_related = ("user", "letter", "batch", "batch__office")
    search_fields = ("=letter__reference", "=letter__reference_root", "user__username")
    date_hierarchy = "at"
    show_full_result_count = False
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
