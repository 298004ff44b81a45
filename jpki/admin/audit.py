"""The supervisors' cross-record audit (監査: 誰が・いつ・何を変更し、誰がどの住民を閲覧したか).

simple-history keeps one history table per model and has no cross-record view. This page queries
each history table (and ``RecordView``, the read log ``ReadLog``, the letters' ``LetterAccess``) with
the same filters, newest first, limited to what the requested page needs, and merge-sorts them in
Python: one query per table plus a constant few for names, whatever the number of rows. Pagination
is "newer / older" without a full count. The page and its CSV are themselves in the read log.
"""

from __future__ import annotations

import csv
import heapq
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.fields import CharField
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jpki.csvexport import csv_row
from jpki.models import Office, ReadLog, ReadLogResident, RecordView
from jpki.readlog import record_read, request_query
from residents.models import Resident

PER_PAGE = 50
CSV_MAX_ROWS = 20000
PERMISSION = "jpki.view_recordview"

CHANGE_TYPES = {"+": _("作成"), "~": _("変更"), "-": _("削除"), "view": _("閲覧")}


@dataclass(frozen=True)
class Source:
    key: str
    app_label: str
    model_name: str
    resident_path: str | None
    office_path: str | None

    def model(self):
        try:
            base = apps.get_model(self.app_label, self.model_name)
        except LookupError:
            return None
        return getattr(base, "history", None) and base.history.model

    def label(self) -> str:
        try:
            return str(apps.get_model(self.app_label, self.model_name)._meta.verbose_name)
        except LookupError:
            return self.key


# Every tracked model of the domain. Letters' models are picked up when the app has them.
SOURCES = [
    Source("resident", "residents", "Resident", "id", None),
    Source("card", "jpki", "Card", "resident_id", "office_id"),
    Source("certificate", "jpki", "Certificate", "card__resident_id", "office_id"),
    Source("application", "jpki", "Application", "resident_id", "office_id"),
    Source("proxy", "jpki", "ProxyAuthorization", "application__resident_id", "visit1_office_id"),
    Source("document", "jpki", "IdentityDocument", "application__resident_id", "application__office_id"),
    Source("letter", "letters", "Letter", "application__resident_id", "application__office_id"),
    Source("mailingbatch", "letters", "MailingBatch", None, "office_id"),
    Source("substitution", "residents", "CharacterSubstitution", None, None),
    Source("staffprofile", "jpki", "StaffProfile", None, "office_id"),
    Source("office", "jpki", "Office", None, "id"),
]
VIEW_KEY = "view"


def available_sources():
    return [s for s in SOURCES if s.model() is not None]


def kind_choices():
    choices = [("", _("すべて"))] + [(s.key, s.label()) for s in available_sources()] + [(VIEW_KEY, _("閲覧記録"))]
    if _letter_access_model() is not None:
        choices.append((LETTER_ACCESS_KEY, _("帳票の出力記録")))
    choices.append((READ_KEY, _("閲覧ログ")))
    return choices


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(label=_("職員"), queryset=get_user_model().objects.none(), required=False)
    office = forms.ModelChoiceField(label=_("窓口"), queryset=Office.objects.none(), required=False)
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("記録の種類"), required=False)
    change_type = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("すべて"))] + list(CHANGE_TYPES.items())
    )
    q = forms.CharField(
        label=_("住民の検索"),
        required=False,
        max_length=100,
        help_text=_("氏名・カナ・生年月日（窓口の検索と同じ）"),
    )
    resident = forms.IntegerField(
        label=_("住民ID"),
        required=False,
        min_value=1,
        error_messages={"invalid": _("住民IDは数字で入力してください。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_staff=True).order_by("username")
        self.fields["office"].queryset = Office.objects.order_by("kind", "code")
        self.fields["kind"].choices = kind_choices()

    # --- what makes sense: the system's years, ids the database can hold (a 500 otherwise) ---
    def _check_date(self, name):
        value = self.cleaned_data.get(name)
        if value is None:
            return value
        latest = timezone.localdate() + timedelta(days=1)
        if not AUDIT_EARLIEST <= value <= latest:
            raise forms.ValidationError(
                _("%(earliest)sから%(latest)sまでの日付を入力してください。")
                % {"earliest": f"{AUDIT_EARLIEST:%Y-%m-%d}", "latest": f"{latest:%Y-%m-%d}"}
            )
        return value

    def clean_date_from(self):
        return self._check_date("date_from")

    def clean_date_to(self):
        return self._check_date("date_to")

    def clean_resident(self):
        value = self.cleaned_data.get("resident")
        if value is not None and value > resident_id_max():
            raise forms.ValidationError(_("住民IDが大きすぎます。住民の画面に表示される番号を入力してください。"))
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日が開始日より前になっています。"))
        return cleaned


AUDIT_EARLIEST = date(2000, 1, 1)  # before the system (and the My Number card) existed: nothing to audit


def resident_id_max() -> int:
    """The largest id the residents' primary key column holds on this database."""
    _low, high = connection.ops.integer_field_range(Resident._meta.pk.get_internal_type())
    return high


def max_page() -> int:
    """Pages reach as far back as the CSV does; further back, the filters narrow the period."""
    return max(1, CSV_MAX_ROWS // PER_PAGE)


def page_number(request) -> tuple[int, str | None]:
    """The requested page (``?p=``, from 1, at most :func:`max_page`) and a message when it was not usable."""
    raw = request.GET.get("p", "1")
    try:
        page = int(raw)
    except (TypeError, ValueError):
        return 1, _("ページ番号が正しくないため、最初のページを表示しています。")
    if page < 1:
        return 1, _("ページ番号が正しくないため、最初のページを表示しています。")
    if page > max_page():
        return max_page(), _("これより古い記録は、開始日・終了日で期間を絞り込んで表示してください。")
    return page, None


def _time_range(cd):
    start = end = None
    if cd.get("date_from"):
        start = timezone.make_aware(datetime.combine(cd["date_from"], time.min))
    if cd.get("date_to"):
        end = timezone.make_aware(datetime.combine(cd["date_to"] + timedelta(days=1), time.min))
    return start, end


def _history_rows(source: Source, cd, limit: int):
    model = source.model()
    qs = model.objects.all()
    start, end = _time_range(cd)
    if start:
        qs = qs.filter(history_date__gte=start)
    if end:
        qs = qs.filter(history_date__lt=end)
    if cd.get("user"):
        qs = qs.filter(history_user=cd["user"])
    if cd.get("change_type") in ("+", "~", "-"):
        qs = qs.filter(history_type=cd["change_type"])
    if cd.get("office"):
        office_q = Q(history_user__staff_profile__office=cd["office"])
        if source.office_path:
            office_q |= Q(**{source.office_path: cd["office"].pk})
        qs = qs.filter(office_q)
    if cd.get("resident"):
        if not source.resident_path:
            return []
        qs = qs.filter(**{source.resident_path: cd["resident"]})
    resident_expr = F(source.resident_path) if source.resident_path else Value(None, output_field=CharField())
    rows = (
        qs.order_by("-history_date", "-history_id")
        .values("history_id", "history_date", "history_user_id", "history_type", "history_change_reason", "id")
        .annotate(resident_ref=resident_expr)[:limit]
    )
    return [
        {
            "ts": r["history_date"],
            "user_id": r["history_user_id"],
            "type": r["history_type"],
            "reason": r["history_change_reason"] or "",
            "object_id": r["id"],
            "resident_id": r["resident_ref"],
            "kind": source.key,
            "row_id": r["history_id"],
        }
        for r in rows
    ]


def _view_rows(cd, limit: int):
    qs = RecordView.objects.all()
    start, end = _time_range(cd)
    if start:
        qs = qs.filter(viewed_at__gte=start)
    if end:
        qs = qs.filter(viewed_at__lt=end)
    if cd.get("user"):
        qs = qs.filter(user=cd["user"])
    if cd.get("office"):
        qs = qs.filter(Q(office=cd["office"]) | Q(user__staff_profile__office=cd["office"]))
    if cd.get("resident"):
        qs = qs.filter(resident_id=cd["resident"])
    rows = qs.order_by("-viewed_at", "-id").values("id", "viewed_at", "user_id", "resident_id", "path")[:limit]
    return [
        {
            "ts": r["viewed_at"],
            "user_id": r["user_id"],
            "type": "view",
            "reason": r["path"],
            "object_id": r["resident_id"],
            "resident_id": r["resident_id"],
            "kind": VIEW_KEY,
            "row_id": r["id"],
        }
        for r in rows
    ]


READ_KEY = "readlog"


AUDIT_SCREENS = ("audit", "audit_csv")
# Reads the audit shows through another source: the resident page is also a RecordView (same request).
READS_SHOWN_ELSEWHERE = (*AUDIT_SCREENS, "resident_page")


def _read_rows(cd, limit: int):
    """Reads of personal data (``ReadLog``): one row per page read, its resident when it showed one
    (or the resident filtered by); the screen, the number of residents and the search as the reason.
    Reads of this page itself are left out (each view would push the next page's rows down by one),
    and the resident page's (its RecordView is the row); the read log's own admin lists them all."""
    qs = ReadLog.objects.exclude(screen__in=READS_SHOWN_ELSEWHERE)
    start, end = _time_range(cd)
    if start:
        qs = qs.filter(read_at__gte=start)
    if end:
        qs = qs.filter(read_at__lt=end)
    if cd.get("user"):
        qs = qs.filter(user=cd["user"])
    if cd.get("office"):
        qs = qs.filter(Q(office=cd["office"]) | Q(user__staff_profile__office=cd["office"]))
    if cd.get("resident"):
        qs = qs.filter(residents=cd["resident"])
    first = ReadLogResident.objects.filter(log=OuterRef("pk")).order_by("id").values("resident_id")[:1]
    rows = (
        qs.order_by("-read_at", "-id")
        .annotate(first_resident=Subquery(first))
        .values("id", "read_at", "user_id", "screen", "query", "resident_count", "first_resident")[:limit]
    )
    return [
        {
            "ts": r["read_at"],
            "user_id": r["user_id"],
            "type": "view",
            "reason": " ".join(filter(None, [f"{r['screen']}（{r['resident_count']}名）", r["query"]])),
            "object_id": r["id"],
            "kind": READ_KEY,
            "row_id": r["id"],
            "resident_id": cd.get("resident") or (r["first_resident"] if r["resident_count"] == 1 else None),
        }
        for r in rows
    ]


LETTER_ACCESS_KEY = "letteraccess"


def _letter_access_model():
    try:
        return apps.get_model("letters", "LetterAccess")
    except LookupError:
        return None


def _letter_access_rows(cd, limit: int):
    """Who previewed, downloaded or printed which letter (letters.LetterAccess), when the app has it."""
    model = _letter_access_model()
    if model is None:
        return []
    qs = model.objects.all()
    start, end = _time_range(cd)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    if cd.get("user"):
        qs = qs.filter(user=cd["user"])
    if cd.get("office"):
        qs = qs.filter(user__staff_profile__office=cd["office"])
    if cd.get("resident"):
        qs = qs.filter(letter__application__resident_id=cd["resident"])
    rows = qs.order_by("-at", "-id").values(
        "id",
        "at",
        "user_id",
        "action",
        "letter_id",
        "letter__reference",
        "batch_id",
        "letter__application__resident_id",
    )[:limit]
    return [
        {
            "ts": r["at"],
            "user_id": r["user_id"],
            "type": r["action"],
            "reason": r["letter__reference"] or (f"差出 #{r['batch_id']}" if r["batch_id"] else ""),
            "object_id": r["letter_id"] or r["batch_id"],
            "resident_id": r["letter__application__resident_id"],
            "kind": LETTER_ACCESS_KEY,
            "row_id": r["id"],
        }
        for r in rows
    ]


def audit_rows(cd, *, offset: int, limit: int):
    """Rows offset..offset+limit (newest first) and whether more exist. One query per source."""
    need = offset + limit + 1
    kind = cd.get("kind") or ""
    change_type = cd.get("change_type") or ""
    streams = []
    if change_type != "view":
        for source in available_sources():
            if kind and kind != source.key:
                continue
            streams.append(_history_rows(source, cd, need))
    if kind in ("", VIEW_KEY) and change_type in ("", "view"):
        streams.append(_view_rows(cd, need))
    if kind in ("", LETTER_ACCESS_KEY) and change_type in ("", "view"):
        streams.append(_letter_access_rows(cd, need))
    if kind in ("", READ_KEY) and change_type in ("", "view"):
        streams.append(_read_rows(cd, need))
    merged = heapq.merge(*streams, key=lambda r: (r["ts"], r["row_id"]), reverse=True)
    window = list(itertools.islice(merged, offset, offset + limit + 1))
    return window[:limit], len(window) > limit


def decorate(rows):
    """Add user, office, resident names and links: a constant 2 queries."""
    User = get_user_model()
    user_ids = {r["user_id"] for r in rows if r["user_id"]}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids).select_related("staff_profile__office")}
    resident_ids = set()
    for r in rows:
        try:
            resident_ids.add(int(r["resident_id"]))
        except (TypeError, ValueError):
            continue
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=resident_ids).only("id", "name", "name_kana")}
    labels = {s.key: s.label() for s in SOURCES}
    labels[VIEW_KEY] = str(_("閲覧記録"))
    labels[LETTER_ACCESS_KEY] = str(_("帳票の出力記録"))
    labels[READ_KEY] = str(_("閲覧ログ"))
    access_actions = {}
    access_model = _letter_access_model()
    if access_model is not None:
        access_actions = dict(access_model.Action.choices)
    by_key = {s.key: s for s in SOURCES}
    for r in rows:
        user = users.get(r["user_id"])
        r["user"] = user
        r["user_label"] = (user.get_full_name() or user.get_username()) if user else "—"
        profile = getattr(user, "staff_profile", None) if user else None
        r["office_label"] = str(profile.office) if profile else ""
        try:
            resident = residents.get(int(r["resident_id"])) if r["resident_id"] is not None else None
        except (TypeError, ValueError):
            resident = None
        r["resident"] = resident
        r["kind_label"] = labels.get(r["kind"], r["kind"])
        r["type_label"] = CHANGE_TYPES.get(r["type"]) or access_actions.get(r["type"], r["type"])
        r["local_ts"] = timezone.localtime(r["ts"])
        r["history_url"] = None
        if r["kind"] == LETTER_ACCESS_KEY and r["object_id"] and not str(r["reason"]).startswith("差出"):
            try:
                r["history_url"] = reverse("admin:letters_letter_change", args=[r["object_id"]])
            except NoReverseMatch:
                pass
        if r["kind"] == READ_KEY:
            r["history_url"] = reverse("admin:jpki_readlog_change", args=[r["object_id"]])
        source = by_key.get(r["kind"])
        if source is not None:
            try:
                r["history_url"] = reverse(
                    f"admin:{source.app_label}_{source.model_name.lower()}_history", args=[r["object_id"]]
                )
            except NoReverseMatch:
                pass
        r["resident_url"] = reverse("admin:residents_resident_change", args=[resident.pk]) if resident else None
    return rows


RESIDENT_RESULTS = 20


def resident_matches(term: str) -> tuple[list, bool]:
    """Residents found by the counter's own search (name, kana, birth date; ``residents.resident_search``),
    at most RESIDENT_RESULTS of them in kana order, and whether there were more."""
    from .residents import resident_search

    if not (term or "").strip():
        return [], False
    found = list(
        resident_search(Resident.objects.all(), term)
        .order_by("kana_search", "id")
        .only("id", "name", "name_kana", "birth_date", "address_town", "address_block", "address_building")[
            : RESIDENT_RESULTS + 1
        ]
    )
    for resident in found:
        resident.timeline_url = reverse("admin:jpki_timeline", args=[resident.pk])
    return found[:RESIDENT_RESULTS], len(found) > RESIDENT_RESULTS


def audit_view(request, admin_site):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    cd = form.cleaned_data if form.is_bound and valid else {}
    if request.GET.get("format") == "csv" and valid:
        return audit_csv(cd, request=request)
    page, page_message = page_number(request)
    if page_message:
        messages.warning(request, page_message)
    if valid:
        rows, has_next = audit_rows(cd, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        has_next = has_next and page < max_page()
    else:  # the errors are shown at their fields; an unfiltered list would pass for the filtered one
        rows, has_next = [], False
    decorate(rows)
    matches, more_matches = resident_matches(cd.get("q", "")) if valid else ([], False)
    record_read(
        request,
        screen=AUDIT_SCREENS[0],
        residents=[r["resident"].pk for r in rows if r["resident"]] + [m.pk for m in matches],
        query=request_query(request),
    )
    query = request.GET.copy()
    query.pop("p", None)
    query.pop("format", None)
    base = query.urlencode()
    context = {
        **admin_site.each_context(request),
        "title": _("監査（変更履歴と閲覧記録）"),
        "form": form,
        "rows": rows,
        "matches": matches,
        "more_matches": more_matches,
        "searched": bool(cd.get("q")),
        "page": page,
        "has_next": has_next,
        "has_prev": page > 1,
        "next_query": f"{base}&p={page + 1}" if base else f"p={page + 1}",
        "prev_query": f"{base}&p={page - 1}" if base else f"p={page - 1}",
        "csv_query": f"{base}&format=csv" if base else "format=csv",
        "opts": RecordView._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/audit.html", context)


class _Echo:
    def write(self, value):
        return value


def audit_csv(cd, *, request=None):
    rows, _more = audit_rows(cd, offset=0, limit=CSV_MAX_ROWS)
    decorate(rows)
    if request is not None:
        record_read(
            request,
            screen=AUDIT_SCREENS[1],
            residents=[r["resident"].pk for r in rows if r["resident"]],
            query=request_query(request),
        )
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM so that Excel opens the UTF-8 file correctly
        yield writer.writerow(
            ["日時", "職員", "所属窓口", "記録の種類", "操作", "記録ID", "住民ID", "住民", "理由・画面"]
        )
        for r in rows:
            resident = r["resident"]
            yield writer.writerow(
                csv_row(
                    [  # every cell a spreadsheet will not run (jpki.csvexport)
                        f"{r['local_ts']:%Y-%m-%d %H:%M:%S}",
                        r["user_label"],
                        r["office_label"],
                        str(r["kind_label"]),
                        str(r["type_label"]),
                        r["object_id"],
                        r["resident_id"] or "",
                        resident.name if resident else "",
                        r["reason"],
                    ]
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
