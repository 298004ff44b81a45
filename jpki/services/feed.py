"""The register feed applied (INTAKE.md): orchestration from above, like ``jpki.services.register``.

:func:`feed_import` reads a file with :mod:`residents.feed` (which checks it and applies nothing),
and then, unless it is a dry run, applies every event in one transaction through the register's
services and the certificate services, with the feed's own system user as the actor and a reason
naming the file's SHA-256, the line and the event. Any refusal and nothing is applied; an
``event_id`` already applied is skipped. The residents a file touches are locked in pk order before
anything is written, so a feed beside the counter's procedures never deadlocks and loses nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from simple_history.utils import bulk_update_with_history

from jpki.models import AppliedFeedEvent, Card, Certificate, FeedRun
from residents import feed as reader
from residents import safety
from residents import services as register
from residents.models import Resident
from residents.recording import MSG_CONCURRENT
from residents.recording import now as _now
from residents.recording import save as _save

from .base import REASON_BASIC_INFO_CHANGE, REASON_DEPARTURE
from .register import resident_record_departure, revoke_signing_for_basic_info_change

FEED_USERNAME = "register-feed"
BULK_CHUNK = 5000  # residents written per bulk insert or update
BULK_ACTIONS = ("update", "stay", "depart")
REPORT_LIMIT = 2000  # entries per list kept in FeedRun.report (the command prints them all)
_ENDS_CARD = (Resident.Status.DECEASED, Resident.Status.MOVED_ABROAD, Resident.Status.REMOVED)


def feed_system_user():
    """The register feed's actor: a user that cannot log in (unusable password, not staff)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=FEED_USERNAME, defaults={"is_staff": False, "is_active": True, "first_name": "住民記録システム"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _reason(sha256: str, event: reader.FeedEvent) -> str:
    # Japanese by nature: the history reason (event.label is the stored Japanese label)
    sha = sha256
    if safety.looks_like_individual_number(sha):  # a 12-digit run in the hex: write it in groups
        sha = ".".join(sha[i : i + 8] for i in range(0, len(sha), 8))
    return f"住民記録システム異動連携 {event.label}（{event.event_id}） ファイル sha256:{sha} {event.line}行目"


@dataclass
class FeedResult:
    """What a run did or would do (the full lists; ``run.report`` keeps the first entries)."""

    run: FeedRun
    refusals: list[dict] = field(default_factory=list)
    revocations: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.refusals


def _planned_revocations(planned: list[reader.PlannedEvent], registered: dict[str, Resident]) -> list[dict]:
    """Every valid certificate the planned events will revoke (for the dry run's report)."""
    wanted: dict[int, reader.PlannedEvent] = {}
    for step in planned:
        resident = registered.get(step.event.resident_key)
        if resident is None or not (step.revokes_signing or step.action == "depart"):
            continue
        wanted.setdefault(resident.pk, step)
    out = []
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        certs = (
            Certificate.objects.filter(card__resident_id__in=ids[start : start + 500], status=Certificate.Status.VALID)
            .select_related("card__resident")
            .order_by("card__resident_id", "kind")
        )
        for cert in certs:
            step = wanted[cert.card.resident_id]
            if step.action == "depart":
                if cert.kind != Certificate.Kind.SIGNING and step.departure_status not in _ENDS_CARD:
                    continue
                text = REASON_DEPARTURE.get(step.departure_status, "住民登録の消除")
            elif cert.kind == Certificate.Kind.SIGNING:
                text = REASON_BASIC_INFO_CHANGE
            else:
                continue
            out.append(_revocation_entry(cert, cert.card.resident, step.event, text))
    out.sort(key=lambda r: r["line"])
    return out


def _revocation_entry(cert: Certificate, resident: Resident, event: reader.FeedEvent, text: str) -> dict:
    return {
        "line": event.line,
        "event_id": event.event_id,
        "resident_id": resident.pk,
        "resident_key": resident.resident_key or "",
        "name": resident.name,
        "kind": cert.get_kind_display(),
        "certificate_id": cert.pk,
        "reason": text,
    }


def _report(parsed, planned, refusals, revocations, skipped) -> dict:
    def capped(items):
        return items[:REPORT_LIMIT]

    matches = [
        {
            "line": s.event.line,
            "event_id": s.event.event_id,
            "resident_key": s.event.resident_key,
            "name": s.event.snapshot["name"],
            "differences": reader.describe_changes(s.differences),
        }
        for s in planned
        if s.action == "match" or (s.action == "stay" and s.differences)
    ]
    return {
        "counts": dict(Counter(s.event.kind for s in planned)),
        "skipped": skipped,
        "unchanged": sum(1 for s in planned if s.action == "none"),
        "refusals": capped([r.as_dict() for r in refusals]),
        "revocations": capped(revocations),
        "characters": capped(parsed.characters),
        "matches": capped(matches),
        "truncated": any(len(x) > REPORT_LIMIT for x in (refusals, revocations, parsed.characters, matches)),
    }


def _record_run(*, actor, at, file_name, parsed, encoding, stored_file, dry_run, outcome, report, rows_refused):
    run = FeedRun(
        file_name=file_name[:255],
        sha256=parsed.sha256,
        encoding=encoding,
        stored_file=stored_file[:300],
        started_by=actor,
        started_at=at,
        finished_at=timezone.now(),
        dry_run=dry_run,
        outcome=outcome,
        rows=parsed.rows,
        counts=report["counts"],
        certificates_revoked=len(report["revocations"]),
        skipped=report["skipped"],
        refused_rows=rows_refused,
        report=report,
    )
    return _save(run, actor, f"異動連携 {file_name[:100]}")


def feed_import(
    *,
    data: bytes,
    file_name: str,
    actor,
    dry_run: bool,
    encoding: str = "utf-8",
    stored_file: str = "",
    at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> FeedResult:
    """Check a feed file and, unless ``dry_run``, apply it (all or nothing). Returns what happened;
    the run itself is recorded either way (a :class:`FeedRun` started by ``actor``)."""
    at = _now(at)
    parsed = reader.parse_feed(data, encoding=encoding, today=timezone.localdate(at))
    ids = [e.event_id for e in parsed.events]
    applied = set()
    for start in range(0, len(ids), 500):
        applied.update(
            AppliedFeedEvent.objects.filter(event_id__in=ids[start : start + 500]).values_list("event_id", flat=True)
        )
    pending = [e for e in parsed.events if e.event_id not in applied]
    skipped = len(parsed.events) - len(pending)
    keys = {e.resident_key for e in pending}
    common = {"actor": actor, "at": at, "file_name": file_name, "parsed": parsed, "encoding": encoding}
    common["stored_file"] = stored_file

    if dry_run or parsed.refusals:
        registered = reader.load_register(keys)
        planned, refusals = reader.check_against_register(pending, registered)
        refusals = sorted([*parsed.refusals, *refusals], key=lambda r: r.line)
        revocations = _planned_revocations(planned, registered)
        report = _report(parsed, planned, refusals, revocations, skipped)
        if dry_run:
            outcome = FeedRun.Outcome.DRY_RUN_REFUSED if refusals else FeedRun.Outcome.DRY_RUN_CLEAN
        else:
            outcome = FeedRun.Outcome.REFUSED
        with transaction.atomic():
            run = _record_run(**common, dry_run=dry_run, outcome=outcome, report=report, rows_refused=len(refusals))
        return FeedResult(run, [r.as_dict() for r in refusals], revocations, report["counts"], skipped)

    feed_user = feed_system_user()
    try:
        with transaction.atomic():
            registered = reader.load_register(keys, lock=True)
            planned, refusals = reader.check_against_register(pending, registered)
            if refusals:
                raise _Refused(refusals, planned, registered)
            revocations, resident_ids = _apply(planned, registered, parsed.sha256, feed_user, at, progress)
            report = _report(parsed, planned, [], revocations, skipped)
            run = _record_run(**common, dry_run=False, outcome=FeedRun.Outcome.APPLIED, report=report, rows_refused=0)
            AppliedFeedEvent.objects.bulk_create(
                [
                    AppliedFeedEvent(
                        event_id=s.event.event_id,
                        run=run,
                        line=s.event.line,
                        kind=s.event.kind,
                        resident_id=resident_ids.get(s.event.resident_key),
                    )
                    for s in planned
                ],
                batch_size=1000,
            )
    except _Refused as exc:
        refusals, planned, registered = exc.refusals, exc.planned, exc.registered
        revocations = _planned_revocations(planned, registered)
    except ValidationError as exc:
        refusals = [reader.Refusal(getattr(exc, "feed_line", 1), " ".join(exc.messages), getattr(exc, "feed_id", ""))]
        planned, revocations = [], []
    except IntegrityError:
        refusals = [reader.Refusal(1, _t(MSG_CONCURRENT))]
        planned, revocations = [], []
    else:
        return FeedResult(run, [], revocations, report["counts"], skipped)
    report = _report(parsed, planned, refusals, revocations, skipped)
    with transaction.atomic():
        run = _record_run(
            **common, dry_run=False, outcome=FeedRun.Outcome.REFUSED, report=report, rows_refused=len(refusals)
        )
    return FeedResult(run, [r.as_dict() for r in refusals], revocations, report["counts"], skipped)


class _Refused(Exception):
    def __init__(self, refusals, planned, registered):
        super().__init__("refused")
        self.refusals, self.planned, self.registered = refusals, planned, registered


def _apply(planned, registered, sha256, actor, at, progress) -> tuple[list[dict], dict[str, int]]:
    """Write every planned event (inside the caller's transaction). New persons with a single event
    go in bulk; everything else through the services one event at a time, per person in order.
    Returns the revocations and the resident id of every key."""
    ids = {key: resident.pk for key, resident in registered.items()}
    per_person = Counter(s.event.resident_key for s in planned)
    bulk = [s for s in planned if s.action == "create" and per_person[s.event.resident_key] == 1]
    for start in range(0, len(bulk), BULK_CHUNK):
        chunk = bulk[start : start + BULK_CHUNK]
        rows = [
            (
                {**s.event.snapshot, "resident_key": s.event.resident_key, "status_changed_on": s.event.effective_on},
                _reason(sha256, s.event),
            )
            for s in chunk
        ]
        created = _step(chunk[0], register.register_feed_bulk_new, actor=actor, rows=rows, at=at)
        ids.update((resident.resident_key, resident.pk) for resident in created)
        if progress:
            progress(len(created))
    revocations: list[dict] = []
    changes = [s for s in planned if s.action in BULK_ACTIONS and per_person[s.event.resident_key] == 1]
    for start in range(0, len(changes), BULK_CHUNK):
        chunk = changes[start : start + BULK_CHUNK]
        revocations.extend(_bulk_changes(chunk, registered, sha256, actor, at))
        if progress:
            progress(len(chunk))
    bulk_ids = {id(s) for s in bulk} | {id(s) for s in changes}
    for step in planned:
        if id(step) in bulk_ids:
            continue
        resident, revoked = _apply_one(step, registered, sha256, actor, at)
        registered[step.event.resident_key] = resident
        ids[step.event.resident_key] = resident.pk
        for cert in revoked:
            revocations.append(_revocation_entry(cert, resident, step.event, cert.revocation_reason))
        if progress:
            progress(1)
    return revocations, ids


def _bulk_changes(steps, registered, sha256, actor, at) -> list[dict]:
    """Changes and departures of persons with one event in the file, in bulk: the register rows
    (``residents.services.register_feed_bulk_change``), then the consequences exactly as
    ``revoke_signing_for_basic_info_change`` and ``end_certificates_for_departure`` do them, each
    history row with its event's reason."""
    rows = []
    by_resident: dict[int, reader.PlannedEvent] = {}
    reasons: dict[int, str] = {}
    for step in steps:
        event = step.event
        resident = registered[event.resident_key]
        if step.action == "depart":
            values = {"status": step.departure_status, "status_changed_on": event.effective_on}
        else:
            values = {name: event.snapshot[name] for name in step.changes}
        reasons[resident.pk] = _reason(sha256, event)
        rows.append((resident, values, reasons[resident.pk]))
        if step.revokes_signing or step.action == "depart":
            by_resident[resident.pk] = step
    _step(steps[0], register.register_feed_bulk_change, actor=actor, rows=rows, at=at)
    ids = sorted(by_resident)
    certs = list(
        Certificate.objects.select_for_update()
        .filter(card__resident_id__in=ids, status=Certificate.Status.VALID)
        .select_related("card")
        .order_by("pk")
    )
    revoked, entries = [], []
    for cert in certs:
        step = by_resident[cert.card.resident_id]
        if step.action == "depart":
            if cert.kind != Certificate.Kind.SIGNING and step.departure_status not in _ENDS_CARD:
                continue
            text = REASON_DEPARTURE.get(step.departure_status, "住民登録の消除")
        elif cert.kind == Certificate.Kind.SIGNING:
            text = REASON_BASIC_INFO_CHANGE
        else:
            continue
        cert.status = Certificate.Status.REVOKED
        cert.revoked_at = at
        cert.revocation_reason = text[:200]
        cert._change_reason = reasons[cert.card.resident_id]
        revoked.append(cert)
        entries.append(_revocation_entry(cert, registered[step.event.resident_key], step.event, text))
    fields = ["status", "revoked_at", "revocation_reason"]
    bulk_update_with_history(revoked, Certificate, fields=fields, batch_size=500, default_user=actor, default_date=at)
    ending = sorted(pk for pk, s in by_resident.items() if s.action == "depart" and s.departure_status in _ENDS_CARD)
    cards = list(
        Card.objects.select_for_update()
        .filter(resident_id__in=ending, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED])
        .order_by("pk")
    )
    for card in cards:
        card.status = Card.Status.REVOKED
        card.status_changed_at = at
        card._change_reason = reasons[card.resident_id]
    fields = ["status", "status_changed_at"]
    bulk_update_with_history(cards, Card, fields=fields, batch_size=500, default_user=actor, default_date=at)
    return entries


def _apply_one(step, registered, sha256, actor, at) -> tuple[Resident, list[Certificate]]:
    """One event through the register's service and the certificate consequences."""
    event = step.event
    reason = _reason(sha256, event)
    resident = registered.get(event.resident_key)
    values = {name: event.snapshot[name] for name in step.changes}
    revoked: list[Certificate] = []
    if step.action == "create":
        resident = _step(
            step,
            register.register_feed_new,
            actor=actor,
            reason=reason,
            resident_key=event.resident_key,
            on=event.effective_on,
            **event.snapshot,
        )
    elif step.action == "return":
        resident = _step(
            step,
            register.register_feed_update,
            resident=resident,
            actor=actor,
            reason=reason,
            on=event.effective_on,
            locked=True,
            **values,
        )
    elif step.action in ("match", "update", "stay") and values:
        resident = _step(
            step, register.register_feed_update, resident=resident, actor=actor, reason=reason, locked=True, **values
        )
        if step.revokes_signing:
            revoked = revoke_signing_for_basic_info_change(resident=resident, at=at, actor=actor, reason=reason)
    elif step.action == "depart":
        revoked = _step(
            step,
            resident_record_departure,
            resident=resident,
            status=step.departure_status,
            on=event.effective_on,
            actor=actor,
            reason=reason,
            at=at,
        )
    return resident, revoked


def _step(step, service, **kwargs):
    """Call a service for one event; a refusal names the event's line."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        exc.feed_line = step.event.line
        exc.feed_id = step.event.event_id
        raise
