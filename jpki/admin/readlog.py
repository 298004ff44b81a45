"""The read log in the screens (閲覧ログ): :class:`ReadLogMixin` logs every list, record and history page
of the domain admins (``jpki.readlog.record_read``: one row per page, with the residents it showed),
and :class:`ReadLogAdmin` is the supervisors' read-only view of that log.

Which residents a record shows is found by following its foreign keys to ``residents.Resident``
(a card: ``resident``; a certificate: ``card__resident``; a letter: ``application__resident``), so a
model added later is logged without code here; ``read_log_resident_path`` names the path where it
cannot be derived (a mailing batch: ``letters__application__resident``).
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.db.models import ForeignKey, OneToOneField
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from jpki.models import ReadLog, ReadLogResident
from jpki.readlog import record_read, request_query
from residents.models import Resident

from .changelists import SafeChangeListMixin

DOMAIN_APPS = ("residents", "jpki", "letters")
MAX_DEPTH = 3

# Screens of the custom pages (the admin's own pages are <model>_list/_page/_history/_history_version).
CUSTOM_SCREENS = (
    "resident_search",
    "workflow_form",
    "workflow_confirm",
    "workflow_done",
    "letter_workflow",
    "letter_preview",
    "letter_download",
    "batch_pdf",
    "ledger_pdf",
    "ledger_csv",
    "audit",
    "audit_csv",
    "dashboard",
    "timeline",
    "timeline_pdf",
)


@functools.cache
def derived_resident_path(model) -> tuple | None:
    """The shortest chain of forward foreign keys from ``model`` to ``Resident`` (``()`` for the
    resident itself), or None when its records belong to no resident."""
    if model is Resident:
        return ()
    frontier, seen = [(model, ())], {model}
    for _depth in range(MAX_DEPTH):
        following = []
        for current, chain in frontier:
            for field in current._meta.concrete_fields:
                if not isinstance(field, (ForeignKey, OneToOneField)):
                    continue
                target = field.related_model
                if target is Resident:
                    return chain + (field,)
                if target in seen or target._meta.app_label not in DOMAIN_APPS:
                    continue
                seen.add(target)
                following.append((target, chain + (field,)))
        frontier = following
    return None


def _resident_id_of(obj, chain: tuple):
    """Walk the foreign keys of ``chain`` on an instance (no query when they were selected)."""
    if not chain:
        return obj.pk
    for field in chain[:-1]:
        obj = getattr(obj, field.name, None)
        if obj is None:
            return None
    return getattr(obj, chain[-1].attname, None)


class ReadLogMixin:
    """For ``ModelAdmin`` subclasses: the list page logs the residents of the rows it shows (with the
    search and filters), the record page and the history pages log the record's residents."""

    # "a__b__resident": where the residents of a record are when they cannot be derived (a reverse or
    # many-valued path; such a model's list shows no residents and is not logged). None: derived.
    read_log_resident_path: str | None = None
    read_log_list_screen: str | None = None  # default "<model>_list"

    def read_log_screen(self, view: str) -> str:
        if view == "list" and self.read_log_list_screen:
            return self.read_log_list_screen
        return f"{self.model._meta.model_name}_{view}"

    def _read_log_chain(self):
        if self.read_log_resident_path:
            return None
        return derived_resident_path(self.model)

    def _logs_reads(self) -> bool:
        return bool(self.read_log_resident_path) or self._read_log_chain() is not None

    def read_log_residents_of_rows(self, rows):
        """Resident ids of the rows of a list page (no query), or None when the list shows none."""
        chain = self._read_log_chain()
        if chain is None:
            return None
        return [_resident_id_of(obj, chain) for obj in rows]

    def read_log_residents_of_object(self, obj):
        chain = self._read_log_chain()
        if chain is not None:
            return [_resident_id_of(obj, chain)]
        return self.read_log_residents_of_id(obj.pk)

    def read_log_residents_of_id(self, object_id):
        """Resident ids of the record ``object_id`` (one query unless it is a resident)."""
        chain = self._read_log_chain()
        if chain == ():
            return [object_id]
        if chain is not None:
            path = "__".join(f.name for f in chain)
        elif self.read_log_resident_path:
            path = self.read_log_resident_path
        else:
            return []
        values = self.model._default_manager.filter(pk=object_id).values_list(path, flat=True)
        return [value for value in values if value is not None]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None and response.status_code == 200:
            residents = self.read_log_residents_of_rows(cl.result_list)  # the page's rows, shown next
            if residents is not None:
                record_read(
                    request,
                    screen=self.read_log_screen("list"),
                    residents=residents,
                    query=request_query(request, drop=(PAGE_VAR,)),
                )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and response.status_code == 200 and self._logs_reads():
            record_read(request, screen=self.read_log_screen("page"), residents=self.read_log_residents_of_object(obj))
        return response

    def log_history_read(self, request, response, object_id, view: str) -> None:
        """For the history pages (``SafeHistoryIdsMixin``): log a page that was shown."""
        if response.status_code == 200 and self._logs_reads():
            record_read(request, screen=self.read_log_screen(view), residents=self.read_log_residents_of_id(object_id))


def known_screens(site=None) -> list[str]:
    site = site or admin.site
    screens = set(CUSTOM_SCREENS)
    for model_admin in (site.get_model_admin(m) for m in apps.get_models() if site.is_registered(m)):
        if isinstance(model_admin, ReadLogMixin) and model_admin._logs_reads():
            screens.update(model_admin.read_log_screen(view) for view in ("list", "page", "history", "history_version"))
    return sorted(screens)


class ScreenFilter(admin.SimpleListFilter):
    """The screens that log reads (known in advance: no DISTINCT over the whole log)."""

    title = _("画面")
    parameter_name = "screen"

    def lookups(self, request, model_admin):
        return [(name, name) for name in known_screens(model_admin.admin_site)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(screen=self.value())
        return queryset


@admin.register(ReadLog)
class ReadLogAdmin(SafeChangeListMixin, ReadLogMixin, admin.ModelAdmin):
    """Who read which residents' data, when, from where, through which screen (閲覧ログ): supervisors
    only (``jpki.view_readlog``), read-only. A row's page lists its residents (and is itself logged)."""

    list_display = ("read_at", "user", "office", "screen", "resident_count", "ip_address", "query")
    list_select_related = ("user", "office")
    list_filter = ("user", "office", ScreenFilter, ("read_at", admin.DateFieldListFilter))
    search_fields = ("=residents__id",)
    search_help_text = _("住民IDで検索（その住民を表示した閲覧）")
    show_full_result_count = False
    list_per_page = 100
    actions = None
    fields = ("read_at", "user", "office", "ip_address", "screen", "path", "query", "resident_count", "resident_list")
    readonly_fields = fields

    @admin.display(description=_("表示した住民"))
    def resident_list(self, obj):
        ids = ReadLogResident.objects.filter(log=obj).values_list("resident_id", flat=True)
        residents = Resident.objects.filter(pk__in=ids).order_by("kana_search", "id").only("id", "name", "name_kana")
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> <small>{}</small></div>',
            ((reverse("admin:residents_resident_change", args=[r.pk]), r.name, r.name_kana) for r in residents),
        ) or format_html("{}", "—")

    # The list shows counts only; a row's page shows the residents: log those.
    def read_log_residents_of_rows(self, rows):
        return None

    def _logs_reads(self) -> bool:
        return True

    def read_log_residents_of_id(self, object_id):
        return list(ReadLogResident.objects.filter(log_id=object_id).values_list("resident_id", flat=True))

    def read_log_residents_of_object(self, obj):
        return self.read_log_residents_of_id(obj.pk)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
