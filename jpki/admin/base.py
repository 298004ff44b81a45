"""What every counter screen shares: history pages that 404 on ids that are not ids, the read-only
record admin, and the link to a resident."""
from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from jpki.security import is_valid_pk


class SafeHistoryIdsMixin:
    """For ``SimpleHistoryAdmin`` subclasses: a history URL with an id that is not an id is a 404,
    not a 500 (django-simple-history's ``history_view`` / ``history_form_view`` query with the raw
    value; upstream django-commons/django-simple-history#1108)."""

    def history_view(self, request, object_id, extra_context=None):
        if not is_valid_pk(self.model, unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        if not (is_valid_pk(self.model, unquote(object_id)) and is_valid_pk(history_model, version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


class ReadOnlyDomainAdmin(SafeHistoryIdsMixin, SimpleHistoryAdmin):
    """A domain record as a read-only page with its history (field diffs and the change reason)."""

    actions = None
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def resident_link(resident):
    if resident is None:
        return "—"
    url = reverse("admin:residents_resident_change", args=[resident.pk])
    return format_html('<a href="{}">{}</a><br><small>{}</small>', url, resident.name, resident.name_kana)
