"""The review queue (確認待ち): what needs a supervisor's second look, defined in one place.

A **source** is one kind of item (recorded outside counter hours, a reprinted letter, a returned
letter, a substitution-table edit, a kana override, a reissue with a fee ...): a small function that
returns a :class:`Selection`, i.e. a queryset of the rows that need a look and where in those rows
the time, the acting user, the office and the resident are. Everything else (filters by kind,
office, clerk and period; open or signed off; counts; merge-sorting the sources newest first) is
done here once, in the database: one query per source for a page, one ``COUNT`` per source for the
dashboard.

Sources register themselves with :func:`source`. This module holds the certificate domain's
sources; ``letters.review`` adds the letters' (the domain cannot import ``letters``; the letters
app registers them when Django starts, ``letters.apps``). Adding a source is one function::

    @review.source("feed_revocation", _("住民記録の取込による失効"))
    def feed_revocations():
        return review.Selection(
            FeedRun.objects.filter(revoked_count__gt=0),
            at="finished_at", actor="started_by_id", office=None, resident=None,
            fields=("revoked_count",), summary=lambda r: f"失効 {r['revoked_count']}件",
            record="jpki.feedrun",
        )

An item is signed off (確認済み) by ``jpki.services.review_sign_off``: a ``ReviewSignOff`` row keyed by
the source's kind and the item's key (the row's primary key as text); a supervisor cannot sign off an
item that they did themselves.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jpki.models import Application, Certificate, FeedRun, OutsideHoursRecord, ProxyAuthorization, ReviewSignOff
from residents.feed import EVENT_LABELS
from residents.models import CharacterSubstitution, Resident
from residents.search import prefix_q
from residents.services import MOVE_IN_BY_HAND_MARK

OPEN, SIGNED, ALL = "open", "signed", "all"


@dataclass(frozen=True)
class Selection:
    """The rows of one source and where their common facts are.

    ``at``/``actor``/``office``/``resident``: a field path or an expression (``office``/``resident``
    may be None); ``fields``: further values the ``summary`` reads; ``record``: ``app_label.model``
    whose admin page shows the row (its ``history`` page when ``history=True``, ``object_field``
    naming the record's id then).
    """

    queryset: QuerySet
    at: str | object
    actor: str | object
    office: str | object | None
    resident: str | object | None
    summary: Callable[[dict], str]
    record: str
    fields: tuple[str, ...] = ()
    history: bool = False
    object_field: str = "pk"
    # A source whose filter is costly to evaluate (kana overrides read each application's resident):
    # the queue's page takes its count from its rows' query (``COUNT(*) OVER ()``), one evaluation
    # instead of two. A cheap source counts from an index alone and stops its rows early: not set.
    count_with_rows: bool = False


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    select: Callable[[], Selection]


@dataclass
class ReviewFilter:
    """What the queue shows: kinds (empty: all), office, clerk (who did it), period, open/signed."""

    kinds: tuple[str, ...] = ()
    office_id: int | None = None
    actor_id: int | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    status: str = OPEN


@dataclass
class ReviewItem:
    kind: str
    key: str
    at: datetime
    actor_id: int | None
    office_id: int | None
    resident_id: int | None
    summary: str
    record: str
    object_id: int | None
    history: bool = False
    signoff: ReviewSignOff | None = None
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        src = REGISTRY.get(self.kind)
        return str(src.label) if src else self.kind


REGISTRY: dict[str, Source] = {}


def source(kind: str, label) -> Callable:
    """Register a function returning a :class:`Selection` as the review source ``kind``."""

    def register(fn: Callable[[], Selection]) -> Callable[[], Selection]:
        REGISTRY[kind] = Source(kind=kind, label=label, select=fn)
        return fn

    return register


def sources() -> list[Source]:
    return list(REGISTRY.values())


def kind_choices() -> list[tuple[str, str]]:
    return [(s.kind, s.label) for s in REGISTRY.values()]


# --- the common machinery ------------------------------------------------------------------------------


def _expr(value, output_field=None):
    if value is None:
        return Value(None, output_field=output_field or IntegerField())
    if isinstance(value, str):
        return F(value)
    return value


def annotated(
    src: Source, flt: ReviewFilter | None = None, *, lean: bool = False, sel: Selection | None = None
) -> tuple[Selection, QuerySet]:
    """The source's rows with ``r_at``, ``r_actor``, ``r_office``, ``r_resident``, ``r_key``, ``r_obj``
    and ``r_signed``, filtered by ``flt`` (all in SQL). ``lean``: only what ``flt`` filters on (for a
    count: the other expressions would be built in Python for nothing); ``sel``: ``src.select()`` when
    the caller has it already (a source builds its querysets in Python each time)."""
    sel = sel or src.select()
    values = {
        "r_at": lambda: _expr(sel.at),
        "r_actor": lambda: _expr(sel.actor),
        "r_office": lambda: _expr(sel.office),
        "r_resident": lambda: _expr(sel.resident),
        "r_key": lambda: Cast("pk", output_field=CharField(max_length=64)),
        "r_obj": lambda: F(sel.object_field),
    }
    if lean and flt is not None:
        needed = {"r_at", "r_key"} if flt.status in (OPEN, SIGNED) else {"r_at"}
        needed |= {"r_office"} if flt.office_id is not None else set()
        needed |= {"r_actor"} if flt.actor_id is not None else set()
        values = {name: value for name, value in values.items() if name in needed}
    qs = sel.queryset.annotate(**{name: value() for name, value in values.items()})
    if "r_key" in values:
        qs = qs.annotate(r_signed=Exists(ReviewSignOff.objects.filter(kind=src.kind, item_key=OuterRef("r_key"))))
    if flt is not None:
        if flt.start is not None:
            qs = qs.filter(r_at__gte=flt.start)
        if flt.end is not None:
            qs = qs.filter(r_at__lt=flt.end)
        if flt.office_id is not None:
            qs = qs.filter(r_office=flt.office_id)
        if flt.actor_id is not None:
            qs = qs.filter(r_actor=flt.actor_id)
        if flt.status == OPEN:
            qs = qs.filter(r_signed=False)
        elif flt.status == SIGNED:
            qs = qs.filter(r_signed=True)
    return sel, qs


def _wanted(flt: ReviewFilter) -> list[Source]:
    return [s for s in REGISTRY.values() if not flt.kinds or s.kind in flt.kinds]


def _item(src: Source, sel: Selection, row: dict) -> ReviewItem:
    return ReviewItem(
        kind=src.kind,
        key=row["r_key"],
        at=row["r_at"],
        actor_id=row["r_actor"],
        office_id=row["r_office"],
        resident_id=row["r_resident"],
        summary=sel.summary(row),
        record=sel.record,
        object_id=row["r_obj"],
        history=sel.history,
    )


_BASE_VALUES = ("r_at", "r_actor", "r_office", "r_resident", "r_key", "r_obj", "r_signed")


def _rows(src: Source, flt: ReviewFilter, limit: int, sel: Selection | None = None) -> list[ReviewItem]:
    sel, qs = annotated(src, flt, sel=sel)
    rows = qs.order_by("-r_at", "-pk").values(*_BASE_VALUES, *sel.fields)[:limit]
    return [_item(src, sel, r) for r in rows]


def _rows_and_count(src: Source, flt: ReviewFilter, limit: int, sel: Selection) -> tuple[list[ReviewItem], int]:
    """The first ``limit`` rows of a source and the number of all its rows under ``flt``, in one query:
    the source's filter is evaluated once (``COUNT(*) OVER ()``), not once for the rows and again for
    the count. No row means a count of 0."""
    sel, qs = annotated(src, flt, sel=sel)
    qs = qs.annotate(r_total=Window(Count("pk")))
    rows = list(qs.order_by("-r_at", "-pk").values(*_BASE_VALUES, "r_total", *sel.fields)[:limit])
    return [_item(src, sel, r) for r in rows], (rows[0]["r_total"] if rows else 0)


def _merge(streams, offset: int, limit: int) -> tuple[list[ReviewItem], bool]:
    merged = heapq.merge(*streams, key=lambda i: (i.at, i.kind, i.key), reverse=True)
    window = list(itertools.islice(merged, offset, offset + limit + 1))
    items = window[:limit]
    attach_signoffs(items)
    return items, len(window) > limit


def review_items(flt: ReviewFilter, *, offset: int = 0, limit: int = 50) -> tuple[list[ReviewItem], bool]:
    """Items ``offset``..``offset+limit`` of the queue, newest first, and whether more exist; their
    sign-offs attached. One query per source, one for the sign-offs."""
    need = offset + limit + 1
    return _merge([_rows(src, flt, need) for src in _wanted(flt)], offset, limit)


def review_page(
    flt: ReviewFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[ReviewItem], bool, dict[str, int]]:
    """What the queue's page shows: :func:`review_items` and the :func:`counts` of every kind under
    ``flt`` without its kinds. Per source its rows (when wanted) and its ``COUNT``, or both in one
    query for a costly source (``Selection.count_with_rows``); one query for the sign-offs."""
    need = offset + limit + 1
    wanted = {s.kind for s in _wanted(flt)}
    streams, per_kind = [], {}
    for src in REGISTRY.values():
        sel = src.select()
        if src.kind in wanted and sel.count_with_rows:
            rows, per_kind[src.kind] = _rows_and_count(src, flt, need, sel)
            streams.append(rows)
            continue
        if src.kind in wanted:
            streams.append(_rows(src, flt, need, sel))
        per_kind[src.kind] = annotated(src, flt, lean=True, sel=sel)[1].count()
    items, more = _merge(streams, offset, limit)
    return items, more, per_kind


def attach_signoffs(items: list[ReviewItem]) -> None:
    """Set ``item.signoff`` (with its reviewer) for the items that are signed off: one query."""
    if not items:
        return
    q = Q()
    for item in items:
        q |= Q(kind=item.kind, item_key=item.key)
    found = {(s.kind, s.item_key): s for s in ReviewSignOff.objects.filter(q).select_related("reviewer")}
    for item in items:
        item.signoff = found.get((item.kind, item.key))


def counts(flt: ReviewFilter) -> dict[str, int]:
    """The number of items per kind under ``flt`` (one COUNT per source)."""
    return {src.kind: annotated(src, flt, lean=True)[1].count() for src in _wanted(flt)}


def find_item(kind: str, key: str) -> ReviewItem | None:
    """The item ``kind``/``key`` as the queue shows it, or None when no such item needs a review."""
    src = REGISTRY.get(kind)
    if src is None or not str(key).isdigit():
        return None
    sel, qs = annotated(src)
    row = qs.filter(pk=int(key)).values(*_BASE_VALUES, *sel.fields).first()
    return _item(src, sel, row) if row else None


# --- the certificate domain's sources -------------------------------------------------------------------


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


@source("outside_hours_application", _("取扱時間外の申請"))
def outside_hours_applications() -> Selection:
    return Selection(
        Application.objects.filter(outside_counter_hours=True),
        at="received_at",
        actor="received_by_id",
        office="office_id",
        resident="resident_id",
        fields=("kind", "applicant_type"),
        summary=lambda r: (
            gettext("%(kind)s（%(applicant_type)s）")
            % {
                "kind": _choice(Application.Kind.choices, r["kind"]),
                "applicant_type": _choice(Application.ApplicantType.choices, r["applicant_type"]),
            }
        ),
        record="jpki.application",
    )


@source("outside_hours_record", _("取扱時間外の処理"))
def outside_hours_records() -> Selection:
    return Selection(
        OutsideHoursRecord.objects.all(),
        at="recorded_at",
        actor="recorded_by_id",
        office="office_id",
        resident="resident_id",
        fields=("procedure", "reason"),
        summary=lambda r: " ".join(filter(None, [r["procedure"], r["reason"]])),
        record="jpki.outsidehoursrecord",
    )


def _who_ended(application_path: str, status: str):
    """The user of the first history row in which the application reached ``status``."""
    hist = Application.history.model.objects.filter(id=OuterRef(application_path), status=status)
    return Subquery(hist.order_by("history_date", "history_id").values("history_user_id")[:1])


@source("letter_return", _("照会書の返戻"))
def letter_returns() -> Selection:
    return Selection(
        ProxyAuthorization.objects.filter(stage=ProxyAuthorization.Stage.RETURNED, returned_at__isnull=False),
        at="returned_at",
        actor=_who_ended("application_id", Application.Status.RETURNED),
        office="application__office_id",
        resident="application__resident_id",
        fields=("return_reason", "application_id"),
        summary=lambda r: (
            gettext("返戻理由: %(reason)s（申請 #%(app)s）")
            % {"reason": r["return_reason"] or "—", "app": r["application_id"]}
        ),
        record="jpki.application",
        object_field="application_id",
    )


@source("substitution_edit", _("代替文字表の変更"))
def substitution_edits() -> Selection:
    hist = CharacterSubstitution.history.model.objects.filter(history_user__isnull=False)
    types = {"+": gettext("追加"), "~": gettext("変更"), "-": gettext("削除")}
    return Selection(
        hist,
        at="history_date",
        actor="history_user_id",
        office="history_user__staff_profile__office_id",
        resident=None,
        fields=("original", "substitute", "history_type", "history_change_reason"),
        summary=lambda r: (
            f"{types.get(r['history_type'], r['history_type'])} {r['original']} → {r['substitute']}"
            + (gettext("（%(reason)s）") % {"reason": r["history_change_reason"]} if r["history_change_reason"] else "")
        ),
        record="residents.charactersubstitution",
        history=True,
        object_field="id",
    )


def _address(prefix: str = ""):
    """The full address as ``Resident.address`` builds it (town + block, then a full-width space and
    the building when there is one), in SQL; ``prefix`` is the path to the resident's fields."""
    town, block, building = (f"{prefix}address_{x}" for x in ("town", "block", "building"))
    return Case(
        When(**{building: ""}, then=Concat(town, block)),
        default=Concat(town, block, Value("\u3000"), building),
        output_field=CharField(),
    )


def _resident_then(field_expr, resident_ref):
    """The resident's value as it was when the certificate was issued (their history row then)."""
    hist = Resident.history.model.objects.filter(id=resident_ref, history_date__lte=OuterRef("created_at")).order_by(
        "-history_date", "-history_id"
    )
    return Subquery(hist.annotate(v=field_expr).values("v")[:1], output_field=CharField())


def _override_test(qs: QuerySet, resident_ref) -> QuerySet:
    """Certificates of ``qs`` with no substituted position and a text other than the register's at the
    time of issue (read from the resident's history)."""
    qs = qs.annotate(
        name_then=_resident_then(F("name"), resident_ref), address_then=_resident_then(_address(), resident_ref)
    )
    name_override = ~Q(name_in_certificate="") & ~Q(name_in_certificate=F("name_then"))
    address_override = ~Q(address_in_certificate="") & ~Q(address_in_certificate=F("address_then"))
    return qs.filter(
        (Q(substituted_name_positions=[]) & name_override) | (Q(substituted_address_positions=[]) & address_override)
    )


def kana_override_certificates() -> QuerySet:
    """Certificates whose name or address the clerk typed (kana for a character without a 代替文字)."""
    qs = Certificate.objects.annotate(address_now=_address("card__resident__"))
    qs = qs.filter(~Q(name_in_certificate=F("card__resident__name")) | ~Q(address_in_certificate=F("address_now")))
    return _override_test(qs, OuterRef("card__resident_id"))


@source("kana_override", _("かなで入力した証明書の氏名・住所"))
def kana_overrides() -> Selection:
    # The application's resident is read once per application; its certificates are first compared
    # with the register as it is now (most carry exactly its texts and stop there), only the rest
    # with the resident's history at issue. Both certificates of one application carry the same
    # texts: its first certificate tells by whom and what.
    certs = Certificate.objects.filter(application_id=OuterRef("pk")).filter(
        ~Q(name_in_certificate=OuterRef("r_name_now")) | ~Q(address_in_certificate=OuterRef("r_address_now"))
    )
    first = Certificate.objects.filter(application_id=OuterRef("pk")).order_by("created_at", "id")
    # The applications of the period and their certificates' texts are read from indexes alone
    # (``app_received_resident_idx``, ``cert_review_texts_idx``); the resident's row is the cost.
    apps = Application.objects.annotate(r_name_now=F("resident__name"), r_address_now=_address("resident__"))
    return Selection(
        apps.filter(Exists(_override_test(certs, OuterRef(OuterRef("resident_id"))))).annotate(
            r_issued_by=Subquery(
                Certificate.history.model.objects.filter(application_id=OuterRef("pk"), history_type="+")
                .order_by("history_date", "history_id")
                .values("history_user_id")[:1]
            ),
            r_name=Subquery(first.values("name_in_certificate")[:1]),
        ),
        at="received_at",  # indexed (the certificates are issued at or after it)
        actor=Coalesce("r_issued_by", "received_by_id", output_field=IntegerField()),
        office="office_id",
        resident="resident_id",
        fields=("kind", "r_name"),
        summary=lambda r: (
            gettext("%(kind)s・証明書の氏名「%(name)s」")
            % {"kind": _choice(Application.Kind.choices, r["kind"]), "name": r["r_name"] or ""}
        ),
        record="jpki.application",
        count_with_rows=True,
    )


@source("reissue_fee", _("手数料のある再発行"))
def reissues_with_fee() -> Selection:
    return Selection(
        Application.objects.filter(kind=Application.Kind.REISSUE, fee_due__gt=0),
        at="received_at",
        actor="received_by_id",
        office="office_id",
        resident="resident_id",
        fields=("fee_due", "fee_paid", "fee_receipt_number"),
        summary=lambda r: (
            gettext("手数料 %(fee)s円（%(paid)s、領収番号 %(receipt)s）")
            % {
                "fee": f"{r['fee_due']:,}",
                "paid": gettext("収納済") if r["fee_paid"] else gettext("未収納"),
                "receipt": r["fee_receipt_number"] or "—",
            }
        ),
        record="jpki.application",
    )


def _feed_counts(counts: dict) -> str:
    return "、".join(f"{EVENT_LABELS.get(kind, kind)} {n}" for kind, n in sorted((counts or {}).items()) if n)


@source("feed_revocation", _("住民記録の取込による失効"))
def feed_revocations() -> Selection:
    return Selection(
        FeedRun.objects.filter(dry_run=False, outcome=FeedRun.Outcome.APPLIED, certificates_revoked__gt=0),
        at=Coalesce("finished_at", "started_at"),
        actor="started_by_id",
        office="started_by__staff_profile__office_id",
        resident=None,
        fields=("file_name", "rows", "counts", "certificates_revoked", "started_by__username"),
        summary=lambda r: (
            gettext("%(file)s：電子証明書の失効 %(revoked)s件（%(rows)s行%(counts)s、実行者 %(user)s）")
            % {
                "file": r["file_name"],
                "revoked": r["certificates_revoked"],
                "rows": r["rows"],
                "counts": f"：{_feed_counts(r['counts'])}" if _feed_counts(r["counts"]) else "",
                "user": r["started_by__username"],
            }
        ),
        record="jpki.feedrun",
    )


@source("manual_move_in", _("転入（手入力）"))
def manual_move_ins() -> Selection:
    # The creation row of a resident registered by hand (residents.services.resident_move_in marks its
    # reason); the feed's 転入 carry the feed's reason and are not listed.
    # ``prefix_q`` adds the index range of the prefix on SQLite (jpki migration 0011); the exact test stays.
    hist = Resident.history.model.objects.filter(
        prefix_q("history_change_reason", MOVE_IN_BY_HAND_MARK),
        history_type="+",
        history_change_reason__startswith=MOVE_IN_BY_HAND_MARK,
    )
    return Selection(
        hist,
        at="history_date",
        actor="history_user_id",
        office="history_user__staff_profile__office_id",
        resident="id",
        fields=("resident_key", "name", "history_change_reason"),
        summary=lambda r: (
            gettext("宛名番号 %(key)s %(name)s（%(reason)s）")
            % {"key": r["resident_key"], "name": r["name"], "reason": r["history_change_reason"]}
        ),
        record="residents.resident",
        history=True,
        object_field="id",
    )
