"""What every counter screen shares: history pages that 404 on ids that are not ids, the read-only
record admin, and the link to a resident."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from jpki.security import is_valid_pk

from . import history_version
from .changelists import SafeChangeListMixin
from .history_format import JapaneseHistoryContextHelper
from .readlog import ReadLogMixin


class SafeHistoryIdsMixin(ReadLogMixin):
    """For ``SimpleHistoryAdmin`` subclasses: a history URL with an id that is not an id is a 404,
    not a 500 (django-simple-history's ``history_view`` / ``history_form_view`` query with the raw
    value; upstream django-commons/django-simple-history#1108). Every page it serves (list, record,
    history) is in the read log (``ReadLogMixin``); history is the supervisors' (``view_historical*``)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The record page links to its history only for those who may open it (not a link to a 403).
        context["may_view_history"] = self.has_view_history_permission(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_historical_record_context_helper(self, request, historical_record):
        # The diff column in the domain's words: field names, choice labels, dates, 「3文字目」, はい/いいえ.
        return JapaneseHistoryContextHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        if not is_valid_pk(self.model, unquote(object_id)):
            raise Http404
        response = super().history_view(request, object_id, extra_context=extra_context)
        self.log_history_read(request, response, unquote(object_id), "history")
        return response

    # The version page (``history_form_view``): a read-only description, not simple-history's change form.
    object_history_form_template = history_version.TEMPLATE

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One version of a record, read-only (:mod:`jpki.admin.history_version`). django-simple-history's
        own view saves the live record when its form is POSTed back (``SIMPLE_HISTORY_REVERT_DISABLED``
        only hides the button), a write around every service with no reason: only GET (and HEAD) are
        answered, anything else is a 405 before any lookup, for every model and every role."""
        return history_version.version_view(self, request, unquote(object_id), version_id, extra_context)


class ReadOnlyDomainAdmin(SafeChangeListMixin, SafeHistoryIdsMixin, SimpleHistoryAdmin):
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
