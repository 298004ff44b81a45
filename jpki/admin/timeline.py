"""The resident's timeline (住民ごとの経過): one page, newest first, of everything that happened to one
resident and their cards, certificates, applications, proxy authorizations, identity documents and
letters (their history rows: who, when, office, reason, field changes old → new in the domain's words),
plus who viewed their record (``RecordView``, the read log ``ReadLog``, the letters' ``LetterAccess``).

Supervisors only (``jpki.view_recordview``, as the audit); a clerk gets a refusal page in Japanese.
Each source is one query (with the id of each row's previous version as a subquery, limited to what the
page needs), merge-sorted in Python; then a constant few queries for the previous versions (one per kind
on the page), the staff and the offices: the count does not grow with the rows. The page and its PDF
(WeasyPrint through ``letters.render``) are in the read log.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.fields import IntegerField
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jpki.models import Application, Card, Office, OutsideHoursRecord, ReadLogResident, RecordView
from jpki.readlog import record_read, request_query
from jpki.security import is_valid_pk
from residents.models import Resident

from .audit import CHANGE_TYPES, SOURCES, _letter_access_model, resident_id_max
from .history_format import diff_rows, render_diff

PER_PAGE = 30
PDF_MAX_ROWS = 2000
PERMISSION = "jpki.view_recordview"
SCREEN, PDF_SCREEN = "timeline", "timeline_pdf"

VIEW_KIND, ACCESS_KIND, OUTSIDE_KIND = "view", "letteraccess", "outside_hours"
# The history sources that belong to one resident (audit.SOURCES with a path to the resident).
HISTORY_KEYS = ("resident", "card", "certificate", "application", "proxy", "document", "letter")
# Reads the timeline shows through another source: the resident page is also a RecordView.
READS_SHOWN_ELSEWHERE = ("resident_page",)
SCREEN_LABELS = {
    "resident_search": _("住民検索"),
    "resident_page": _("住民画面"),
    "audit": _("監査"),
    "audit_csv": _("監査（CSV）"),
    "dashboard": _("窓口の状況"),
    SCREEN: _("住民ごとの経過"),
    PDF_SCREEN: _("住民ごとの経過（PDF）"),
}


VIEW_SUFFIXES = {
    "list": _("%(model)sの一覧"),
    "page": _("%(model)sの画面"),
    "history": _("%(model)sの変更履歴"),
    "history_version": _("%(model)sの過去の版"),
}


def screen_label(screen: str) -> str:
    """A read-log screen name as staff say it (``certificate_history`` → 電子証明書の変更履歴)."""
    if screen in SCREEN_LABELS:
        return str(SCREEN_LABELS[screen])
    for suffix, text in sorted(VIEW_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if screen.endswith("_" + suffix):
            name = screen[: -len(suffix) - 1]
            for model in apps.get_models():
                if model._meta.model_name == name and model._meta.app_label in ("jpki", "residents", "letters"):
                    return str(text) % {"model": model._meta.verbose_name}
    return screen


def history_sources():
    by_key = {s.key: s for s in SOURCES}
    return [by_key[k] for k in HISTORY_KEYS if k in by_key and by_key[k].model() is not None]


def kind_choices():
    choices = [(s.key, s.label()) for s in history_sources()]
    if _letter_access_model() is not None:
        choices.append((ACCESS_KIND, _("帳票の出力")))
    choices.append((OUTSIDE_KIND, _("時間外")))
    choices.append((VIEW_KIND, _("閲覧")))
    return choices


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("記録の種類"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()


@dataclass
class Entry:
    ts: object
    row_id: int
    kind: str
    type: str
    user_id: int | None = None
    office_id: int | None = None
    reason: str = ""
    record: object = None  # the history row
    prev_id: int | None = None
    object_id: int | None = None
    subject: str = ""
    read_log: bool = False  # a row of the read log (linked to its page), not a RecordView


def _history_stream(source, resident_id: int, need: int) -> list[Entry]:
    model = source.model()
    previous = (
        model.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    office = F(source.office_path) if source.office_path else Value(None, output_field=IntegerField())
    rows = (
        model.objects.filter(**{source.resident_path: resident_id})
        .annotate(prev_hid=Subquery(previous), office_ref=office)
        .order_by("-history_date", "-history_id")[:need]
    )
    return [
        Entry(
            ts=r.history_date,
            row_id=r.history_id,
            kind=source.key,
            type=r.history_type,
            user_id=r.history_user_id,
            office_id=r.office_ref,
            reason=r.history_change_reason or "",
            record=r,
            prev_id=r.prev_hid,
            object_id=r.id,
            subject=_subject(source, r),
        )
        for r in rows
    ]


def _subject(source, record) -> str:
    """The record as text from its history row alone (simple-history's ``instance`` reads the fields left
    out of the history, the resident's search keys, from the live row: a query per row)."""
    model = apps.get_model(source.app_label, source.model_name)
    values = {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields if hasattr(record, f.attname)}
    return str(model(**values))


def _view_stream(resident_id: int, need: int) -> list[Entry]:
    views = (
        RecordView.objects.filter(resident_id=resident_id)
        .order_by("-viewed_at", "-id")
        .values("id", "viewed_at", "user_id", "office_id")[:need]
    )
    entries = [
        Entry(
            ts=v["viewed_at"],
            row_id=v["id"],
            kind=VIEW_KIND,
            type="view",
            user_id=v["user_id"],
            office_id=v["office_id"],
            subject=str(SCREEN_LABELS["resident_page"]),
        )
        for v in views
    ]
    reads = (
        ReadLogResident.objects.filter(resident_id=resident_id)
        .exclude(log__screen__in=READS_SHOWN_ELSEWHERE)
        .order_by("-log__read_at", "-log_id")
        .values("log_id", "log__read_at", "log__user_id", "log__office_id", "log__screen", "log__query")[:need]
    )
    entries += [
        Entry(
            ts=r["log__read_at"],
            row_id=r["log_id"],
            kind=VIEW_KIND,
            type="view",
            user_id=r["log__user_id"],
            office_id=r["log__office_id"],
            reason=_filled_terms(r["log__query"]),
            subject=screen_label(r["log__screen"]),
            read_log=True,
        )
        for r in reads
    ]
    entries.sort(key=lambda e: (e.ts, e.row_id), reverse=True)
    return entries[:need]


def _outside_stream(resident_id: int, need: int) -> list[Entry]:
    """The procedures recorded outside counter hours (``OutsideHoursRecord``): who, when, which procedure."""
    rows = (
        OutsideHoursRecord.objects.filter(resident_id=resident_id)
        .order_by("-recorded_at", "-id")
        .values("id", "recorded_at", "recorded_by_id", "office_id", "procedure", "reason")[:need]
    )
    return [
        Entry(
            ts=r["recorded_at"],
            row_id=r["id"],
            kind=OUTSIDE_KIND,
            type=OUTSIDE_KIND,
            user_id=r["recorded_by_id"],
            office_id=r["office_id"],
            object_id=r["id"],
            subject=r["procedure"],
            reason=r["reason"],
        )
        for r in rows
    ]


def _filled_terms(query: str) -> str:
    """A read's search terms without the empty ones (``user= office= q=やまだ`` → ``q=やまだ``)."""
    return " ".join(part for part in (query or "").split(" ") if part and not part.endswith("="))


def _access_stream(resident_id: int, need: int) -> list[Entry]:
    model = _letter_access_model()
    rows = (
        model.objects.filter(letter__application__resident_id=resident_id)
        .order_by("-at", "-id")
        .values("id", "at", "user_id", "action", "letter_id", "letter__reference", "letter__kind")[:need]
    )
    actions = dict(model.Action.choices)
    kinds = dict(apps_letter_kinds())
    return [
        Entry(
            ts=r["at"],
            row_id=r["id"],
            kind=ACCESS_KIND,
            type=r["action"],
            user_id=r["user_id"],
            object_id=r["letter_id"],
            subject=f"{kinds.get(r['letter__kind'], '')} {r['letter__reference'] or ''}".strip(),
            reason=str(actions.get(r["action"], r["action"])),
        )
        for r in rows
    ]


def apps_letter_kinds():
    try:
        return apps.get_model("letters", "Letter").Kind.choices
    except LookupError:
        return []


def timeline_entries(resident_id: int, kinds, *, offset: int, limit: int) -> tuple[list[Entry], bool]:
    """Entries offset..offset+limit (newest first) of the chosen kinds (all when empty), and whether more exist."""
    need = offset + limit + 1
    wanted = set(kinds or ())
    streams = [_history_stream(s, resident_id, need) for s in history_sources() if not wanted or s.key in wanted]
    if (not wanted or ACCESS_KIND in wanted) and _letter_access_model() is not None:
        streams.append(_access_stream(resident_id, need))
    if not wanted or OUTSIDE_KIND in wanted:
        streams.append(_outside_stream(resident_id, need))
    if not wanted or VIEW_KIND in wanted:
        streams.append(_view_stream(resident_id, need))
    merged = heapq.merge(*streams, key=lambda e: (e.ts, e.row_id), reverse=True)
    window = list(itertools.islice(merged, offset, offset + limit + 1))
    return window[:limit], len(window) > limit


def _user_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def labelled_models() -> tuple:
    """Models whose foreign keys the timeline shows by their text (fetched at once per model)."""
    return (Office, get_user_model(), Card, Application)


def decorate(entries: list[Entry], resident: Resident) -> list[dict]:
    """The entries as rows for the page and the PDF: a constant few queries whatever their number
    (previous versions: one per kind on the page; staff; offices). A foreign key to the resident is
    shown by their name."""
    sources = {s.key: s for s in history_sources()}
    previous = {}
    for key, source in sources.items():
        ids = [e.prev_id for e in entries if e.kind == key and e.prev_id]
        if ids:
            previous |= {(key, p.history_id): p for p in source.model().objects.filter(history_id__in=ids)}
    user_ids = {e.user_id for e in entries if e.user_id}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids).select_related("staff_profile")}
    offices = {o.pk: o for o in Office.objects.all()} if entries else {}
    diffs = {}
    fk_ids: dict = {}
    for e in entries:
        if e.record is None:
            continue
        model = apps.get_model(sources[e.kind].app_label, sources[e.kind].model_name)
        raw = diff_rows(model, e.record, previous.get((e.kind, e.prev_id)))
        diffs[(e.kind, e.row_id)] = (model, raw)
        for row in raw:
            field = model._meta.get_field(row["field"])
            if field.is_relation and field.related_model in labelled_models():
                for value in (row["old"], row["new"]):
                    if value is not None:
                        fk_ids.setdefault(field.related_model, set()).add(value)
    labels = {(Resident, resident.pk): resident.name}
    for related in (Card, Application):  # texts from their own fields: one query per model on the page
        ids = fk_ids.get(related)
        if ids:
            labels |= {(related, obj.pk): str(obj) for obj in related.objects.filter(pk__in=ids)}
    for pk in fk_ids.get(Office, ()):
        if pk in offices:
            labels[(Office, pk)] = str(offices[pk])
    missing_users = fk_ids.get(get_user_model(), set()) - set(users)
    if missing_users:
        users |= {u.pk: u for u in get_user_model().objects.filter(pk__in=missing_users)}
    for pk in fk_ids.get(get_user_model(), ()):
        if pk in users:
            labels[(get_user_model(), pk)] = _user_label(users[pk])
    kind_labels = dict(kind_choices())
    out = []
    for e in entries:
        user = users.get(e.user_id)
        office = offices.get(e.office_id)
        if office is None and user is not None:
            profile = getattr(user, "staff_profile", None)
            office = offices.get(profile.office_id) if profile else None
        model, raw = diffs.get((e.kind, e.row_id), (None, []))
        out.append(
            {
                "ts": timezone.localtime(e.ts),
                "kind": e.kind,
                "kind_label": kind_labels.get(e.kind, e.kind),
                "type_label": _type_label(e),
                "user_label": _user_label(user),
                "office_label": str(office) if office else "",
                "reason": "" if e.kind == ACCESS_KIND else e.reason,
                "subject": e.subject,
                "changes": render_diff(model, raw, labels) if model is not None else [],
                "url": _url_of(e, sources),
            }
        )
    return out


def _type_label(e: Entry) -> str:
    if e.kind == OUTSIDE_KIND:
        return str(_("時間外"))
    return CHANGE_TYPES.get(e.type, e.reason if e.kind == ACCESS_KIND else e.type)


def _url_of(e: Entry, sources) -> str | None:
    try:
        if e.kind in sources:
            source = sources[e.kind]
            name = f"admin:{source.app_label}_{source.model_name.lower()}_simple_history"
            return reverse(name, args=[e.object_id, e.row_id])
        if e.kind == ACCESS_KIND and e.object_id:
            return reverse("admin:letters_letter_change", args=[e.object_id])
        if e.read_log:
            return reverse("admin:jpki_readlog_change", args=[e.row_id])
    except NoReverseMatch:
        return None
    return None


def page_number(request) -> int:
    try:
        page = int(request.GET.get("p", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), PDF_MAX_ROWS // PER_PAGE)


def refused(request, admin_site):
    """A clerk (or anyone without the audit permission): a page in the counter's language, status 403."""
    context = {**admin_site.each_context(request), "title": _("この画面は監督者のみが利用できます")}
    return TemplateResponse(request, "admin/jpki/refused.html", context, status=403)


def _common(request, admin_site, resident_id):
    if not is_valid_pk(Resident, resident_id) or int(resident_id) > resident_id_max():
        raise Http404
    resident = get_object_or_404(Resident, pk=resident_id)
    form = TimelineFilterForm(request.GET or None)
    kinds = form.cleaned_data["kind"] if form.is_bound and form.is_valid() else []
    return resident, form, kinds


def timeline_view(request, admin_site, resident_id: int):
    if not request.user.has_perm(PERMISSION):
        return refused(request, admin_site)
    resident, form, kinds = _common(request, admin_site, resident_id)
    page = page_number(request)
    entries, has_next = timeline_entries(resident.pk, kinds, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    rows = decorate(entries, resident)
    record_read(request, screen=SCREEN, residents=[resident], query=request_query(request))
    query = request.GET.copy()
    query.pop("p", None)
    base = query.urlencode()
    context = {
        **admin_site.each_context(request),
        "title": _("住民ごとの経過"),
        "resident": resident,
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "has_prev": page > 1,
        "next_query": f"{base}&p={page + 1}" if base else f"p={page + 1}",
        "prev_query": f"{base}&p={page - 1}" if base else f"p={page - 1}",
        "pdf_url": reverse("admin:jpki_timeline_pdf", args=[resident.pk]) + (f"?{base}" if base else ""),
        "resident_url": reverse("admin:residents_resident_change", args=[resident.pk]),
        "opts": RecordView._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/timeline.html", context)


def timeline_pdf_view(request, admin_site, resident_id: int):
    """The same content as PDF (the newest PDF_MAX_ROWS entries of the chosen kinds)."""
    if not request.user.has_perm(PERMISSION):
        return refused(request, admin_site)
    from letters import render
    from letters.views import pdf_response

    resident, form, kinds = _common(request, admin_site, resident_id)
    entries, more = timeline_entries(resident.pk, kinds, offset=0, limit=PDF_MAX_ROWS)
    rows = decorate(entries, resident)
    record_read(request, screen=PDF_SCREEN, residents=[resident], query=request_query(request))
    chosen = dict(kind_choices())
    fragment = render_to_string(
        "admin/jpki/timeline_pdf.html",
        {
            "resident": resident,
            "rows": rows,
            "more": more,
            "kinds": [chosen[k] for k in kinds if k in chosen],
            "printed_at": timezone.localtime(),
            "printed_by": _user_label(request.user),
        },
    )
    html = render.document_html([fragment], title=str(_("住民ごとの経過")))
    pdf = render.write_pdf(render.html_to_document(html))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return pdf_response(pdf, f"timeline-{resident.pk}-{stamp}.pdf", inline=request.GET.get("inline") == "1")


def urls(admin_site):
    """The timeline's URLs (registered beside the audit's, ``records.RecordViewAdmin.get_urls``)."""
    return [
        path(
            "timeline/<int:resident_id>/",
            admin_site.admin_view(lambda request, resident_id: timeline_view(request, admin_site, resident_id)),
            name="jpki_timeline",
        ),
        path(
            "timeline/<int:resident_id>/pdf/",
            admin_site.admin_view(lambda request, resident_id: timeline_pdf_view(request, admin_site, resident_id)),
            name="jpki_timeline_pdf",
        ),
    ]
