"""One version of a record (履歴の版) as staff read it: the page a history list links to
(``.../history/<history_id>/``), served by ``SafeHistoryIdsMixin.history_form_view`` in place of
django-simple-history's change form.

The page is a read-only description, never a form: the version's type (作成 / 変更 / 削除), when, who
and the change reason, then a table of the record's fields in the domain's words with their values as
the history list shows them (:mod:`jpki.admin.history_format`: choices by label, local dates, 「3文字目」,
foreign keys by their text), the fields this version changed marked with their previous value, and
links to the previous and next versions, the history list and the current record.

Only GET and HEAD are answered (a POST to this URL made simple-history save the live record: a write
around every service), only to those who may open the history list (``view_historical*``), and every
page shown is in the read log (``<model>_history_version``). A constant few queries: the version with its
user, its neighbours, one query per related model shown, the current record's existence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from simple_history.utils import get_history_model_for_model

from jpki.security import is_valid_pk

from .audit import CHANGE_TYPES
from .history_format import EMPTY, HIDDEN_FIELDS, diff_rows, field_label, format_date, format_value

TEMPLATE = "admin/history_version.html"
SCREEN = "history_version"
# Related models whose text (``__str__``) reads their own foreign keys: fetched with them (no query per row).
STR_RELATED = {
    "letters.mailingbatch": ("office",),
    "jpki.staffprofile": ("user", "office"),
    "letters.letteraccess": ("user", "letter", "batch__office"),
}


@dataclass
class FieldRow:
    """One field of the record at this version."""

    name: str
    label: str
    value: str
    url: str | None = None
    changed: bool = False
    old: str | None = None  # the previous version's value, when this version changed it
    old_url: str | None = None


def user_label(user) -> str:
    if user is None:
        return EMPTY
    return user.get_full_name() or user.get_username()


def kept_fields(model) -> list:
    """The model's fields that its history keeps (without the primary key)."""
    kept = {f.attname for f in get_history_model_for_model(model)._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname in kept]


def shown_fields(model) -> list:
    """The fields a version shows: those its history keeps, without the bookkeeping timestamps (the
    version's own time is shown above them)."""
    return [f for f in kept_fields(model) if f.name not in HIDDEN_FIELDS]


def neighbours(history_model, pk_attname: str, record):
    """The previous version (the row, for the changes) and the next version's id, in the history
    list's order (``history_date``, then ``history_id``)."""
    same = history_model._default_manager.filter(**{pk_attname: getattr(record, pk_attname)})
    when, hid = record.history_date, record.history_id
    previous = (
        same.filter(Q(history_date__lt=when) | Q(history_date=when, history_id__lt=hid))
        .order_by("-history_date", "-history_id")
        .first()
    )
    following = (
        same.filter(Q(history_date__gt=when) | Q(history_date=when, history_id__gt=hid))
        .order_by("history_date", "history_id")
        .values_list("history_id", flat=True)
        .first()
    )
    return previous, following


def related_labels(admin_site, request, fields, records) -> dict:
    """(related model, pk) → (text, link or None) for the foreign keys of ``records``: one query per
    related model. A link only to a page the user may open (a registered model with view permission)."""
    wanted: dict = {}
    for field in fields:
        if not isinstance(field, models.ForeignKey):
            continue
        for record in records:
            value = getattr(record, field.attname, None) if record is not None else None
            if value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
    labels = {}
    user_model = get_user_model()
    for related, ids in wanted.items():
        queryset = related._base_manager.filter(pk__in=ids)
        extra = STR_RELATED.get(related._meta.label_lower)
        if extra:
            queryset = queryset.select_related(*extra)
        may_link = admin_site.is_registered(related) and admin_site.get_model_admin(related).has_view_permission(
            request
        )
        for obj in queryset:
            text = user_label(obj) if related is user_model else str(obj)
            url = None
            if may_link:
                try:
                    url = reverse(
                        f"{admin_site.name}:{related._meta.app_label}_{related._meta.model_name}_change", args=[obj.pk]
                    )
                except NoReverseMatch:
                    url = None
            labels[(related, obj.pk)] = (text, url, obj)
    return labels


def field_rows(model, fields, record, previous, labels) -> list[FieldRow]:
    changed = {row["field"] for row in diff_rows(model, record, previous)} if previous is not None else set()

    def show(field, source):
        value = getattr(source, field.attname, None)
        if isinstance(field, models.ForeignKey):
            if value is None:
                return EMPTY, None
            return labels.get((field.related_model, value), (f"#{value}", None, None))[:2]
        return format_value(model, field.name, value), None

    rows = []
    for field in fields:
        text, url = show(field, record)
        row = FieldRow(name=field.name, label=field_label(model, field.name), value=text, url=url)
        if field.name in changed:
            row.changed = True
            row.old, row.old_url = show(field, previous)
        rows.append(row)
    return rows


def record_text(model, fields, record, labels) -> str:
    """The record as it was (its ``__str__``), built from the version's own values and the related
    records already fetched: no query (simple-history's ``instance`` reads the fields its history
    leaves out, such as the resident's search keys, from the live row)."""
    pk_attname = model._meta.pk.attname
    instance = model(
        **{pk_attname: getattr(record, pk_attname)}, **{f.attname: getattr(record, f.attname) for f in fields}
    )
    for field in fields:
        if isinstance(field, models.ForeignKey):
            value = getattr(record, field.attname, None)
            found = labels.get((field.related_model, value)) if value is not None else None
            if found is not None:
                setattr(instance, field.name, found[2])
    try:
        return str(instance)
    except ObjectDoesNotExist:  # its text names a related record that is gone: the record by its id
        return f"{model._meta.verbose_name} #{getattr(record, pk_attname)}"


def version_view(model_admin, request, object_id, version_id, extra_context=None):
    """The version page (see the module's docstring); ``object_id`` is already unquoted."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    request.current_app = model_admin.admin_site.name
    model = model_admin.model
    opts = model._meta
    history_model = get_history_model_for_model(model)
    # As the history list: the supervisors' (view_historical* / change_historical*); refused before any
    # lookup, so a refused user learns nothing of which versions exist.
    if not model_admin.has_view_history_or_change_history_permission(request):
        raise PermissionDenied
    if not (is_valid_pk(model, object_id) and is_valid_pk(history_model, version_id)):
        raise Http404
    pk_attname = opts.pk.attname
    record = (
        history_model._default_manager.select_related("history_user")
        .filter(**{pk_attname: object_id, "history_id": version_id})
        .first()
    )
    if record is None:
        raise Http404
    previous, next_id = neighbours(history_model, pk_attname, record)
    fields = shown_fields(model)
    site = model_admin.admin_site
    labels = related_labels(site, request, fields, [record, previous])
    info = f"{site.name}:{opts.app_label}_{opts.model_name}"
    pk = getattr(record, pk_attname)
    exists = model._base_manager.filter(pk=pk).exists()

    def version_url(history_id):
        return reverse(f"{info}_simple_history", args=[pk, history_id]) if history_id else None

    text = record_text(model, kept_fields(model), record, labels)
    context = {
        **site.each_context(request),
        "title": gettext("過去の版（%(model)s）") % {"model": opts.verbose_name},
        "opts": opts,
        "app_label": opts.app_label,
        "original_opts": opts,
        "record": record,
        "record_text": text,
        "type_label": CHANGE_TYPES.get(record.history_type, record.history_type),
        "history_type": record.history_type,
        "when": format_date(timezone.localtime(record.history_date)),
        "user_label": user_label(record.history_user),
        "reason": record.history_change_reason or "",
        "rows": field_rows(model, fields, record, previous, labels),
        "is_creation": record.history_type == "+",
        "previous_url": version_url(previous.history_id if previous is not None else None),
        "next_url": version_url(next_id),
        "history_url": reverse(f"{info}_history", args=[pk]),
        "changelist_url": reverse(f"{info}_changelist"),
        "current_url": reverse(f"{info}_change", args=[pk]) if exists else None,
        **(extra_context or {}),
    }
    response = TemplateResponse(request, model_admin.object_history_form_template, context)
    response.render()
    model_admin.log_history_read(request, response, object_id, SCREEN)
    return response
