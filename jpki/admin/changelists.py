"""Query strings a list page cannot use (使えない絞り込み条件): a Japanese message and the unfiltered
list, never a 500.

Django's ``ChangeList`` checks a lookup only as far as building the queryset; a value that parses but
that the database or the calendar cannot take fails later, while the page is counted, as a 500:
``?received_at__gte=0001-01-01`` (in UTC, before year 1), a date drill-down to December 9999 (the
month after it does not exist), ``?id__in=99999999999999999999`` (not a 64-bit integer), a NUL
(PostgreSQL text cannot hold it). :class:`SafeChangeListMixin` checks the query string against what
makes sense before any query (:func:`query_problem`: years 1868–2999, 64-bit integers, no control
characters, no regular expressions, page numbers from 1), and turns whatever still fails while the
list is built into Django's own handling of an invalid lookup (``IncorrectLookupParameters``: a
redirect to ``?e=1``, the unfiltered list), in both cases with a message in Japanese.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from residents.safety import text_problem

# Dates a filter may name: from the first year of Meiji (the register's oldest era; the search box
# reads M/T/S/H/R dates) to 2999. Outside, no record exists and the database may not even convert.
YEAR_MIN, YEAR_MAX = 1868, 2999
INT_MAX = 2**63 - 1  # the widest integer column (BigAutoField) on every database
MAX_VALUE_LENGTH = 500
MAX_PAGE = 100_000
REFUSED_LOOKUPS = frozenset({"regex", "iregex"})  # no screen builds them; a bad pattern is a database error
YEAR_TRANSFORMS = frozenset({"year", "iso_year"})
INT_TRANSFORMS = frozenset({"month", "day", "week", "week_day", "iso_week_day", "quarter", "hour", "minute", "second"})
LIST_LOOKUPS = frozenset({"in", "range"})
# The changelist's own parameters; Django parses them itself (a bad ?p= or ?o= is ignored, ?q= is a form).
CONTROL_PARAMS = frozenset(
    {PAGE_VAR, ORDER_VAR, SEARCH_VAR, ALL_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR}
)
_SHOWABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,60}")


def _int_value(text: str):
    """The integer a query value spells (Django reads it with ``int()``), or None."""
    try:
        return int(text.strip())
    except (ValueError, TypeError):
        return None


def _year_reason(year) -> str | None:
    if year is None:
        return _("年は数字で指定してください")
    if not YEAR_MIN <= year <= YEAR_MAX:
        return _("年は%(min)s年から%(max)s年までで指定してください") % {"min": YEAR_MIN, "max": YEAR_MAX}
    return None


def _date_reason(text: str) -> str | None:
    """A date or date-time value outside the years that make sense (unparsable ones are Django's)."""
    try:
        value = parse_datetime(text) or parse_date(text)
    except (ValueError, TypeError, OverflowError):
        return None
    if value is None:
        return None
    return _year_reason(value.year)


def _field_and_rest(model, key: str):
    """The model field a lookup names (following relations) and the transforms/lookup after it."""
    opts, field = model._meta, None
    parts = key.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return field, parts[index:]
        if field.is_relation and field.related_model is not None and index < len(parts) - 1:
            opts = field.related_model._meta
            continue
        return field, parts[index + 1 :]
    return field, []


def _hierarchy_reason(key: str, value: str) -> str | None:
    """``<date_hierarchy>__year/__month/__day`` (the drill-down links)."""
    part = key.rsplit(LOOKUP_SEP, 1)[1]
    number = _int_value(value)
    if part == "year":
        return _year_reason(number)
    upper = 12 if part == "month" else 31
    if number is None or not 1 <= number <= upper:
        return _("月は1から12まで、日は1から31までの数字で指定してください")
    return None


def _value_reason(field, rest: list[str], value: str) -> str | None:
    lookup = rest[-1] if rest else "exact"
    if lookup == "isnull":
        return None
    pieces = value.split(",") if lookup in LIST_LOOKUPS else [value]
    for piece in pieces:
        number = _int_value(piece)
        if number is not None and abs(number) > INT_MAX:
            return _("数値が大きすぎます")
        if isinstance(field, models.DateField):
            if YEAR_TRANSFORMS & set(rest):
                reason = _year_reason(number)
            elif INT_TRANSFORMS & set(rest):
                reason = None if number is not None else _("数字で指定してください")
            else:
                reason = _date_reason(piece)
            if reason:
                return reason
    return None


def _param_reason(model_admin, key: str, values: list[str]) -> str | None:
    for text in (key, *values):
        if text_problem(text):
            return _("使用できない文字が含まれています")
        if len(text) > MAX_VALUE_LENGTH:
            return _("条件が長すぎます")
    if key == PAGE_VAR:
        for value in values:
            number = _int_value(value)
            if number is not None and not 1 <= number <= MAX_PAGE:
                return _("ページ番号が範囲外です")
        return None
    if key in CONTROL_PARAMS:
        return None
    hierarchy = getattr(model_admin, "date_hierarchy", None)
    if hierarchy and key in {f"{hierarchy}__year", f"{hierarchy}__month", f"{hierarchy}__day"}:
        for value in values:
            reason = _hierarchy_reason(key, value)
            if reason:
                return reason
        return None
    field, rest = _field_and_rest(model_admin.model, key)
    if REFUSED_LOOKUPS & set(rest):
        return _("この条件は使用できません")
    for value in values:
        reason = _value_reason(field, rest, value)
        if reason:
            return reason
    return None


def query_problem(model_admin, request) -> str | None:
    """A Japanese message when the list's query string holds a value that cannot make sense (before
    any query is run), else None. Unknown parameters and unparsable values are left to Django, which
    answers them with its own invalid-lookup redirect."""
    for key, values in request.GET.lists():
        reason = _param_reason(model_admin, key, values)
        if reason:
            name = key if _SHOWABLE_NAME.fullmatch(key) else "?"
            message = _("絞り込みの条件「%(param)s」は使用できません（%(reason)s）。条件を外して一覧を表示しています。")
            return message % {"param": name, "reason": reason}
    return None


def invalid_lookup_message() -> str:
    return _("絞り込みの条件が正しくないため、条件を外して一覧を表示しています。")


class SafeChangeListMixin:
    """For ``ModelAdmin`` subclasses (put it first among the bases): a list page whose query string
    holds a value that cannot make sense shows the unfiltered list with a Japanese message, never a
    500 (see the module's docstring)."""

    def changelist_view(self, request, extra_context=None):
        # Django answers an invalid lookup that arrives *with* ?e=1 with "admin/invalid_setup.html"
        # ("something's wrong with your database installation"); the e=1 page's own links never carry
        # it, so a hand-made URL with e=1 and filters is first tried without it.
        if request.method == "GET" and ERROR_FLAG in request.GET and any(k != ERROR_FLAG for k in request.GET):
            query = request.GET.copy()
            query.pop(ERROR_FLAG)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request):
        problem = query_problem(self, request)
        if problem is not None:
            messages.warning(request, problem, fail_silently=True)
            raise IncorrectLookupParameters(problem)
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.warning(request, invalid_lookup_message(), fail_silently=True)
            raise
        except (ArithmeticError, ValueError, TypeError, ValidationError, DataError) as exc:
            # Whatever the checks above did not foresee and the database refused while counting.
            messages.warning(request, invalid_lookup_message(), fail_silently=True)
            raise IncorrectLookupParameters(exc) from exc


def protect_every_list(site=None) -> None:
    """Give :class:`SafeChangeListMixin` to every list page of ``site`` that lacks it: Django's own
    (users, groups), django-axes', django-tasks' and any screen registered without it. Each such
    ``ModelAdmin`` is registered again as a subclass with the mixin first (the site's public API).
    Called once, after every screen is registered (``jpki.admin``, imported by ``autodiscover`` after
    the apps listed before it)."""
    from django.apps import apps
    from django.contrib import admin

    site = site or admin.site
    for model in apps.get_models():
        if not site.is_registered(model):
            continue
        current = type(site.get_model_admin(model))
        if issubclass(current, SafeChangeListMixin):
            continue
        safe = type(
            current.__name__,
            (SafeChangeListMixin, current),
            {"__module__": current.__module__, "__doc__": current.__doc__},
        )
        site.unregister(model)
        site.register(model, safe)


__all__ = ["SafeChangeListMixin", "invalid_lookup_message", "protect_every_list", "query_problem"]
