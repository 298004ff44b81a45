"""The register feed for supervisors (異動連携): upload → dry-run report → apply (single-use token)
→ result, and the read-only list and detail of the runs (:class:`jpki.models.FeedRun`).

The uploaded file is kept in the private storage (``PRIVATE_STORAGE_ROOT/feeds/<sha256>.csv``,
never in the session) between the dry run and the apply; ``FEED_MAX_UPLOAD_BYTES`` caps its size.
The report names residents (certificates to be revoked, characters, matches): every view of it is
in the read log.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki import services
from jpki.models import FeedRun
from jpki.readlog import record_read
from jpki.roles import SUPERVISOR
from residents.feed import EVENT_LABELS

from . import submissions
from .base import ReadOnlyDomainAdmin

PROCEDURE = "feed_apply"
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
ENCODINGS = (("utf-8", _("UTF-8（BOM 付きも可）")), ("cp932", _("cp932（Shift_JIS）")))


def max_upload_bytes() -> int:
    return int(getattr(settings, "FEED_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))


def feed_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "feeds"


def can_run_feed(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=SUPERVISOR).exists())


class FeedUploadForm(forms.Form):
    file = forms.FileField(label=_("異動連携ファイル（CSV）"))
    encoding = forms.ChoiceField(label=_("文字コード"), choices=ENCODINGS, initial="utf-8")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("ファイルが大きすぎます（上限 %(limit)s MB）。") % {"limit": f"{limit / 1024 / 1024:.0f}"}
            )
        if upload.size == 0:
            raise ValidationError(_("ファイルが空です。"))
        return upload


def _store(data: bytes, sha256: str) -> str:
    """Keep the file for the apply step (named by its digest: the same file is stored once)."""
    folder = feed_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{sha256}.csv"
    if not target.exists():
        target.write_bytes(data)
        target.chmod(0o600)
    return f"feeds/{sha256}.csv"


def _stored_bytes(run: FeedRun) -> bytes | None:
    if not run.stored_file:
        return None
    target = Path(settings.PRIVATE_STORAGE_ROOT) / run.stored_file
    return target.read_bytes() if target.is_file() else None


def _scope(request, run: FeedRun) -> submissions.Scope:
    return submissions.Scope.of(request.user, PROCEDURE, obj=run)


def _content(run: FeedRun) -> dict:
    return {"run": run.pk, "sha256": run.sha256}


def _residents_of(run: FeedRun) -> list[int]:
    report = run.report or {}
    return [r["resident_id"] for r in report.get("revocations", []) if r.get("resident_id")]


@admin.register(FeedRun)
class FeedRunAdmin(ReadOnlyDomainAdmin):
    list_display = ("started_at", "file_name", "dry_run", "outcome", "rows", "certificates_revoked", "skipped")
    list_display_links = ("started_at", "file_name")
    list_filter = ("outcome", "dry_run")
    list_select_related = ("started_by",)
    show_full_result_count = False
    search_fields = ("=sha256", "file_name")
    change_form_template = "admin/jpki/feed/report.html"
    change_list_template = "admin/jpki/feed/change_list.html"

    def get_urls(self):
        site = self.admin_site
        return [
            path("upload/", site.admin_view(self.upload_view), name="jpki_feedrun_upload"),
            path("<int:run_id>/apply/", site.admin_view(self.apply_view), name="jpki_feedrun_apply"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"feed_upload_url": reverse("admin:jpki_feedrun_upload") if can_run_feed(request.user) else None}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            return super().change_view(request, object_id, form_url, extra_context)
        record_read(request, screen="feed_report", residents=_residents_of(run), query=f"run={run.pk}")
        return TemplateResponse(request, self.change_form_template, self._report_context(request, run))

    def _report_context(self, request, run: FeedRun, **extra) -> dict:
        report = run.report or {}
        counts = [
            (
                _t("%(label)s（%(kind)s）") % {"label": _t(EVENT_LABELS[k]), "kind": k},
                k,
                report.get("counts", {}).get(k, 0),
            )
            for k in EVENT_LABELS
        ]
        can_apply = (
            run.dry_run
            and run.outcome == FeedRun.Outcome.DRY_RUN_CLEAN
            and can_run_feed(request.user)
            and _stored_bytes(run) is not None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("異動連携の結果") if not run.dry_run else _("異動連携の試行結果"),
            "run": run,
            "report": report,
            "counts": [c for c in counts if c[2]],
            "can_apply": can_apply,
            "upload_url": reverse("admin:jpki_feedrun_upload") if can_run_feed(request.user) else None,
        }
        if can_apply:
            context["apply_url"] = reverse("admin:jpki_feedrun_apply", args=[run.pk])
            context["submission_field"] = submissions.FIELD
            context["submission_token"] = submissions.issue(_scope(request, run), _content(run))
        context.update(extra)
        return context

    def upload_view(self, request):
        if not can_run_feed(request.user):
            raise PermissionDenied
        form = FeedUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            from residents.feed import sha256_of

            stored = _store(data, sha256_of(data))
            result = services.feed_import(
                data=data,
                file_name=Path(form.cleaned_data["file"].name).name,
                actor=request.user,
                dry_run=True,
                encoding=form.cleaned_data["encoding"],
                stored_file=stored,
            )
            return redirect(reverse("admin:jpki_feedrun_change", args=[result.run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("異動連携ファイルの取込（試行）"),
            "form": form,
            "max_mb": f"{max_upload_bytes() / 1024 / 1024:.0f}",
        }
        return TemplateResponse(request, "admin/jpki/feed/upload.html", context)

    def apply_view(self, request, run_id: int):
        if not can_run_feed(request.user):
            raise PermissionDenied
        run = get_object_or_404(FeedRun, pk=run_id)
        if request.method != "POST":
            return redirect(reverse("admin:jpki_feedrun_change", args=[run.pk]))
        scope = _scope(request, run)
        token = request.POST.get(submissions.FIELD)
        data = _stored_bytes(run)
        if data is None or not run.dry_run or run.outcome != FeedRun.Outcome.DRY_RUN_CLEAN:
            messages.error(request, _("この試行結果からは反映できません。ファイルをもう一度取り込んでください。"))
            return redirect(reverse("admin:jpki_feedrun_change", args=[run.pk]))
        try:
            result = submissions.submit_once(
                token,
                scope,
                lambda: services.feed_import(
                    data=data,
                    file_name=run.file_name,
                    actor=request.user,
                    dry_run=False,
                    encoding=run.encoding,
                    stored_file=run.stored_file,
                ),
                content=_content(run),
                result_url=lambda r: reverse("admin:jpki_feedrun_change", args=[r.run.pk]),
            )
        except submissions.AlreadyRecorded as exc:
            messages.warning(request, submissions.MSG_ALREADY_RECORDED)
            return redirect(exc.submission.result_url or reverse("admin:jpki_feedrun_changelist"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("admin:jpki_feedrun_change", args=[run.pk]))
        if result.refusals:
            messages.error(request, _("拒否された行があるため、ファイル全体を反映していません。"))
        else:
            messages.success(request, _("異動連携ファイルを反映しました。"))
        return redirect(reverse("admin:jpki_feedrun_change", args=[result.run.pk]))
