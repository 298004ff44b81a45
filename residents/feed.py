"""Reads and checks the register feed file (住民記録システムからの異動連携, ``INTAKE.md``) into events.

Applies nothing itself: :func:`parse_feed` turns the bytes of a file into typed :class:`FeedEvent`
rows and :class:`Refusal` rows (line number, Japanese reason), and :func:`check_against_register`
replays the events of each person against the register (read only) to refuse a snapshot that is
inconsistent with its event (a ``move_within`` for an unknown person, a ``birth`` of a key that is
already registered, ...). The certificate domain (``jpki.services.feed``) applies what is left.
Line numbers count the header as line 1; a quoted field spanning lines is reported at its first line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_noop

from . import charset, glyphs, safety
from .models import Resident

COLUMNS = (
    "event_id",
    "event",
    "effective_on",
    "resident_key",
    "name",
    "name_kana",
    "alias",
    "alias_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address_town",
    "address_block",
    "address_building",
    "status_of_residence",
    "period_of_stay_ends_on",
)

# The labels are stored in Japanese (history reasons, the run's report); screens translate them.
EVENT_LABELS = {
    "birth": gettext_noop("出生"),
    "move_in": gettext_noop("転入"),
    "move_within": gettext_noop("転居"),
    "name_change": gettext_noop("氏名変更"),
    "correction": gettext_noop("職権修正"),
    "stay_update": gettext_noop("在留期間更新・在留資格変更"),
    "move_out": gettext_noop("転出"),
    "move_abroad": gettext_noop("国外転出"),
    "death": gettext_noop("死亡"),
    "removal": gettext_noop("職権消除"),
}
NEW_PERSON_EVENTS = ("birth", "move_in")
CHANGE_EVENTS = ("move_within", "name_change", "correction")
DEPARTURE_EVENTS = {
    "move_out": Resident.Status.MOVED_OUT,
    "move_abroad": Resident.Status.MOVED_ABROAD,
    "death": Resident.Status.DECEASED,
    "removal": Resident.Status.REMOVED,
}
SEX_CODES = {"1": Resident.Sex.MALE, "2": Resident.Sex.FEMALE}
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "cp932": "cp932", "shift_jis": "cp932"}

# The register's fields a snapshot carries (model field names), in the order reports list them.
SNAPSHOT_FIELDS = (
    "name",
    "name_kana",
    "alias_name",
    "alias_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address_town",
    "address_block",
    "address_building",
    "residence_status",
    "period_of_stay_ends_on",
)
ADDRESS_FIELDS = ("postal_code", "address_town", "address_block", "address_building")
NAME_FIELDS = ("name", "name_kana", "alias_name")
STAY_FIELDS = ("residence_status", "period_of_stay_ends_on")
# 基本4情報 and the 通称: a change of one of these revokes the signing certificate.
REVOKING_FIELDS = ("name", "birth_date", "sex", "address_town", "address_block", "address_building", "alias_name")
FIELD_LABELS = {
    "name": gettext_noop("氏名"),
    "name_kana": gettext_noop("氏名（カナ）"),
    "alias_name": gettext_noop("通称"),
    "alias_kana": gettext_noop("通称（カナ）"),
    "birth_date": gettext_noop("生年月日"),
    "sex": gettext_noop("性別"),
    "postal_code": gettext_noop("郵便番号"),
    "address_town": gettext_noop("住所（町域まで）"),
    "address_block": gettext_noop("住所（番地）"),
    "address_building": gettext_noop("方書"),
    "residence_status": gettext_noop("在留資格"),
    "period_of_stay_ends_on": gettext_noop("在留期間の満了日"),
}
MAX_LENGTHS = {
    "name": 100,
    "name_kana": 200,
    "alias": 100,
    "alias_kana": 200,
    "address_town": 100,
    "address_block": 60,
    "address_building": 100,
    "status_of_residence": 40,
}

# Characters no column should hold (controls, surrogates): a quick scan before safety's full check.
_SUSPECT_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_KEY_RE = re.compile(r"^[A-Za-z0-9]{1,15}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_POSTAL_RE = re.compile(r"^([0-9]{3})-?([0-9]{4})$")


@dataclass(frozen=True)
class Refusal:
    """A row (or the file) refused, with its line number (header = 1) and a Japanese reason."""

    line: int
    reason: str
    event_id: str = ""

    def as_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason, "event_id": self.event_id}


@dataclass(frozen=True)
class FeedEvent:
    """One checked row: the event and the person's whole record after it (model field names)."""

    line: int
    event_id: str
    kind: str
    effective_on: date
    resident_key: str
    snapshot: dict
    alias_kana: str = ""

    @property
    def label(self) -> str:
        return EVENT_LABELS[self.kind]

    @property
    def order(self) -> tuple:
        return (self.effective_on, self.event_id)


@dataclass
class ParsedFeed:
    """What a file holds: its SHA-256, the events, the refusals and the character notes."""

    sha256: str
    events: list[FeedEvent] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    characters: list[dict] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.refusals


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, encoding: str) -> tuple[str | None, Refusal | None]:
    codec = ENCODINGS.get((encoding or "utf-8").lower().replace("_", "-"), None)
    if codec is None and (encoding or "").lower() in ENCODINGS:
        codec = ENCODINGS[encoding.lower()]
    if codec is None:
        return None, Refusal(
            1, _t("文字コード「%(encoding)s」には対応していません（UTF-8 または cp932）。") % {"encoding": encoding}
        )
    if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        label = "UTF-8" if codec == "utf-8" else _t("cp932（Shift_JIS）")
        return None, Refusal(
            line, _t("%(label)s として読めない文字があります（文字コードを確認してください）。") % {"label": label}
        )


def _check_header(header: list[str]) -> list[Refusal]:
    names = [h.strip() for h in header]
    problems = []
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        problems.append(Refusal(1, _t("不明な列があります: %(columns)s") % {"columns": _t("、").join(unknown)}))
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        problems.append(Refusal(1, _t("必要な列がありません: %(columns)s") % {"columns": _t("、").join(missing)}))
    doubled = sorted({h for h in names if names.count(h) > 1})
    if doubled:
        problems.append(Refusal(1, _t("列名が重複しています: %(columns)s") % {"columns": _t("、").join(doubled)}))
    return problems


def _date(value: str, label: str, errors: list[str]) -> date | None:
    if not _DATE_RE.match(value):
        errors.append(_t("%(label)sが正しくありません（YYYY-MM-DD）: %(value)s") % {"label": label, "value": value})
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_t("%(label)sが正しくありません（存在しない日付）: %(value)s") % {"label": label, "value": value})
        return None


def _row_event(line: int, row: dict[str, str], today: date) -> tuple[FeedEvent | None, list[str]]:
    """Check one row; returns the event or the list of reasons (all of them, in column order)."""
    errors: list[str] = []
    for column, value in row.items():
        if "\n" in value or "\r" in value:
            errors.append(_t("%(column)s に改行が含まれています。") % {"column": column})
            continue
        problem = safety.text_problem(value) if _SUSPECT_RE.search(value) else None
        if problem:
            errors.append(f"{column}: {problem}")
        if column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            errors.append(
                _t("%(column)s が長すぎます（%(max)s文字まで）。") % {"column": column, "max": MAX_LENGTHS[column]}
            )
    event_id = row["event_id"]
    kind = row["event"]
    if not event_id:
        errors.append(_t("event_id（異動の識別子）がありません。"))
    elif len(event_id) > 40:
        errors.append(_t("event_id が長すぎます（40文字まで）。"))
    if not kind:
        errors.append(_t("event（異動の種類）がありません。"))
    elif kind not in EVENT_LABELS:
        errors.append(_t("異動の種類「%(kind)s」は不明です。") % {"kind": kind})
    key = row["resident_key"]
    if not key:
        errors.append(_t("resident_key（宛名番号）がありません。"))
    elif key.isdigit() and len(key) == 12 and safety.looks_like_individual_number(key):
        errors.append(
            _t("resident_key が個人番号（マイナンバー）です。宛名番号を指定してください（個人番号は受け取れません）。")
        )
    elif not _KEY_RE.match(key):
        errors.append(_t("resident_key（宛名番号）は英数字15文字までです: %(key)s") % {"key": key})
    for column in ("alias", "alias_kana", "address_building", "status_of_residence", "name", "address_town"):
        if safety.looks_like_individual_number(row[column]):
            errors.append(f"{column}: {_t(safety.MSG_INDIVIDUAL_NUMBER)}")
    departed = kind in DEPARTURE_EVENTS
    required = ["name", "name_kana", "birth_date", "sex"]
    if not departed:
        required += ["postal_code", "address_town", "address_block"]
    for column in ("effective_on", *required):
        if not row[column]:
            errors.append(_t("必須項目 %(column)s が空です。") % {"column": column})
    effective_on = _date(row["effective_on"], _t("異動日（effective_on）"), errors) if row["effective_on"] else None
    birth_date = _date(row["birth_date"], _t("生年月日（birth_date）"), errors) if row["birth_date"] else None
    stay_ends = None
    if row["period_of_stay_ends_on"]:
        stay_ends = _date(row["period_of_stay_ends_on"], _t("在留期間の満了日（period_of_stay_ends_on）"), errors)
    if effective_on and effective_on > today:
        errors.append(_t("異動日（effective_on）が未来の日付です: %(day)s") % {"day": f"{effective_on:%Y-%m-%d}"})
    if birth_date and birth_date > today:
        errors.append(_t("生年月日（birth_date）が未来の日付です: %(day)s") % {"day": f"{birth_date:%Y-%m-%d}"})
    if birth_date and effective_on and effective_on < birth_date:
        errors.append(_t("異動日（effective_on）が生年月日より前です。"))
    sex = SEX_CODES.get(row["sex"]) if row["sex"] else None
    if row["sex"] and sex is None:
        errors.append(_t("性別コード（sex）は 1（男）または 2（女）です: %(value)s") % {"value": row["sex"]})
    postal = ""
    if row["postal_code"]:
        match = _POSTAL_RE.match(row["postal_code"])
        if match is None:
            errors.append(
                _t("郵便番号（postal_code）は NNN-NNNN または NNNNNNN です: %(value)s") % {"value": row["postal_code"]}
            )
        else:
            postal = f"{match.group(1)}-{match.group(2)}"
    if kind == "stay_update" and not stay_ends and not row["status_of_residence"]:
        errors.append(_t("在留期間更新ですが在留資格・在留期間の満了日がありません。"))
    if errors:
        return None, errors
    snapshot = {
        "name": row["name"],
        "name_kana": row["name_kana"],
        "alias_name": row["alias"],
        "alias_kana": row["alias_kana"],
        "birth_date": birth_date,
        "sex": sex,
        "postal_code": postal,
        "address_town": row["address_town"],
        "address_block": row["address_block"],
        "address_building": row["address_building"],
        "residence_status": row["status_of_residence"],
        "period_of_stay_ends_on": stay_ends,
    }
    return FeedEvent(line, event_id, kind, effective_on, key, snapshot, row["alias_kana"]), []


def character_notes(event: FeedEvent, table: dict[str, str] | None = None) -> list[dict]:
    """Characters of the name, 通称 and address that a certificate cannot hold (with the proposed
    代替文字, ``None`` when kana is needed) and characters no letter font has. Never a refusal."""
    notes = []
    snap = event.snapshot
    texts = (
        (gettext_noop("氏名"), snap["name"]),
        (gettext_noop("通称"), snap["alias_name"]),
        (gettext_noop("住所"), "".join((snap["address_town"], snap["address_block"], snap["address_building"]))),
    )
    for label, text in texts:
        if not text:
            continue
        if charset.is_supported(text):
            unsupported = []
        else:
            unsupported = charset.check_text(text, table=table if table is not None else charset.substitution_table())
        try:
            unprintable = glyphs.unprintable_characters(text)
        except glyphs.LetterFontMissing:
            unprintable = []
        if unsupported or unprintable:
            notes.append(
                {
                    "line": event.line,
                    "resident_key": event.resident_key,
                    "field": label,
                    "text": text,
                    "substitutes": [
                        {"char": c["char"], "codepoint": c["codepoint"], "substitute": c["substitute"]}
                        for c in unsupported
                    ],
                    "unprintable": [{"char": c, "codepoint": charset.codepoint(c)} for c in unprintable],
                }
            )
    return notes


def parse_feed(data: bytes, *, encoding: str = "utf-8", today: date | None = None) -> ParsedFeed:
    """Read and check a feed file (bytes) into events and refusals. Reads from the database only the
    substitution table (代替文字), once, when a name or address needs it."""
    today = today or timezone.localdate()
    parsed = ParsedFeed(sha256=sha256_of(data))
    text, problem = _decode(data, encoding)
    if problem:
        parsed.refusals.append(problem)
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        parsed.refusals.append(Refusal(1, _t("見出し行を CSV として読めません: %(error)s") % {"error": exc}))
        return parsed
    if not header or not any(h.strip() for h in header):
        parsed.refusals.append(Refusal(1, _t("見出し行がありません（空のファイルです）。")))
        return parsed
    header_problems = _check_header(header)
    if header_problems:
        parsed.refusals.extend(header_problems)
        return parsed
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    table: dict[str, str] | None = None  # the substitution table, read once when first needed
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.refusals.append(
                Refusal(line, _t("CSV として読めません（引用符の誤りなど）: %(error)s") % {"error": exc})
            )
            break
        next_line = reader.line_num + 1
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # a blank line
        parsed.rows += 1
        if len(values) != len(names):
            parsed.refusals.append(
                Refusal(
                    line,
                    _t("列の数が見出しと違います（%(values)s列、見出しは%(names)s列）。")
                    % {"values": len(values), "names": len(names)},
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(names, values, strict=True)}
        event, errors = _row_event(line, row, today)
        event_id = row["event_id"]
        if event_id and event_id in seen:  # a duplicate of any earlier row, refused or not
            errors.append(
                _t("event_id「%(event_id)s」が %(line)s 行目と重複しています。")
                % {"event_id": event_id, "line": seen[event_id]}
            )
        elif event_id:
            seen[event_id] = line
        if errors:
            parsed.refusals.append(Refusal(line, " ".join(errors), event_id[:40]))
            continue
        parsed.events.append(event)
        if table is None and not all(
            charset.is_supported(event.snapshot[n])
            for n in ("name", "alias_name", "address_town", "address_block", "address_building")
        ):
            table = charset.substitution_table()
        parsed.characters.extend(character_notes(event, table))
    if parsed.rows == 0 and not parsed.refusals:
        parsed.refusals.append(Refusal(1, _t("異動のデータ行がありません。")))
    return parsed


# --- the snapshot against the register (read only) -----------------------------------------------------------------


@dataclass
class PlannedEvent:
    """What an event will do to the register: ``action`` is ``create``, ``return`` (転入 of a person
    who had left), ``match`` (a person registered by hand at the counter), ``update``, ``stay``,
    ``depart`` or ``none`` (the snapshot equals the register); ``changes`` maps field → (old, new)."""

    event: FeedEvent
    action: str
    changes: dict = field(default_factory=dict)
    differences: dict = field(default_factory=dict)
    revokes_signing: bool = False
    departure_status: str = ""


def _value_for_compare(name: str, value):
    if value is None:
        return "" if name not in ("birth_date", "period_of_stay_ends_on") else None
    return value


def _diff(state: dict, snapshot: dict, names: Iterable[str]) -> dict:
    return {
        n: (state.get(n), snapshot[n])
        for n in names
        if _value_for_compare(n, state.get(n)) != _value_for_compare(n, snapshot[n])
    }


def _state_of(resident: Resident) -> dict:
    values = {n: getattr(resident, n) for n in SNAPSHOT_FIELDS}
    values["status"] = resident.status
    return values


def load_register(keys: Iterable[str], *, lock: bool = False) -> dict[str, Resident]:
    """The residents with these keys (chunked; with ``lock`` a row lock in pk order, so that two
    writers that lock overlapping sets never wait on each other in a cycle)."""
    keys = sorted(set(keys))
    found: dict[str, Resident] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        qs = Resident.objects.filter(resident_key__in=chunk).order_by("pk")
        if lock:
            qs = qs.select_for_update()
        for resident in qs:
            found[resident.resident_key] = resident
    return found


def check_against_register(
    events: list[FeedEvent], register: dict[str, Resident]
) -> tuple[list[PlannedEvent], list[Refusal]]:
    """Replay each person's events (by ``effective_on``, then ``event_id``) against the register.

    ``register`` maps ``resident_key`` to the current row (see :func:`load_register`). Returns the
    planned events in the order they are to be applied and the refusals (a snapshot inconsistent
    with its event). Reads and writes nothing.
    """
    by_person: dict[str, list[FeedEvent]] = {}
    for event in events:
        by_person.setdefault(event.resident_key, []).append(event)
    planned: list[PlannedEvent] = []
    refusals: list[Refusal] = []
    for key in sorted(by_person):
        resident = register.get(key)
        state = _state_of(resident) if resident is not None else None
        for event in sorted(by_person[key], key=lambda e: e.order):
            step, problem = _plan_event(event, state)
            if problem:
                refusals.append(Refusal(event.line, problem, event.event_id))
                continue
            planned.append(step)
            if state is None:
                state = {"status": Resident.Status.REGISTERED}
            if step.action == "depart":
                state["status"] = step.departure_status
            elif step.action == "stay":
                state.update({n: event.snapshot[n] for n in STAY_FIELDS})
            else:
                state.update(event.snapshot)
                state["status"] = Resident.Status.REGISTERED
    refusals.sort(key=lambda r: r.line)
    return planned, refusals


def _plan_event(event: FeedEvent, state: dict | None) -> tuple[PlannedEvent | None, str | None]:
    kind, snap, key = event.kind, event.snapshot, event.resident_key
    if kind in NEW_PERSON_EVENTS:
        if state is None:
            return PlannedEvent(event, "create"), None
        status = state["status"]
        if kind == "birth":
            return None, _t("宛名番号 %(key)s の住民は既に登録されています（出生の異動と矛盾します）。") % {"key": key}
        if status == Resident.Status.DECEASED:
            return None, _t("宛名番号 %(key)s の住民は死亡として記録されています（転入できません）。") % {"key": key}
        if status == Resident.Status.REGISTERED:
            diff = _diff(state, snap, SNAPSHOT_FIELDS)
            return PlannedEvent(
                event, "match", changes=diff, differences=diff, revokes_signing=bool(set(diff) & set(REVOKING_FIELDS))
            ), None
        diff = _diff(state, snap, SNAPSHOT_FIELDS)
        return PlannedEvent(event, "return", changes=diff, revokes_signing=False), None
    if state is None:
        return None, _t("宛名番号 %(key)s の住民が登録されていません（%(event)sの対象がありません）。") % {
            "key": key,
            "event": _t(event.label),
        }
    if state["status"] != Resident.Status.REGISTERED:
        return None, _t("宛名番号 %(key)s の住民は住民登録がありません（%(event)sは記録できません）。") % {
            "key": key,
            "event": _t(event.label),
        }
    if kind in DEPARTURE_EVENTS:
        return PlannedEvent(event, "depart", revokes_signing=True, departure_status=DEPARTURE_EVENTS[kind]), None
    if kind == "stay_update":
        changes = _diff(state, snap, STAY_FIELDS)
        others = _diff(state, snap, set(SNAPSHOT_FIELDS) - set(STAY_FIELDS))
        if not changes:
            return None, _t("在留期間更新ですが在留資格・在留期間の満了日が登録内容と同じです。")
        return PlannedEvent(event, "stay", changes=changes, differences=others), None
    changes = _diff(state, snap, SNAPSHOT_FIELDS)
    if kind == "move_within" and not set(changes) & set(ADDRESS_FIELDS):
        return None, _t("転居ですが住所が登録内容と同じです。")
    if kind == "name_change" and not set(changes) & set(NAME_FIELDS):
        return None, _t("氏名変更ですが氏名・カナ・通称が登録内容と同じです。")
    if not changes:
        return PlannedEvent(event, "none"), None
    return PlannedEvent(
        event, "update", changes=changes, revokes_signing=bool(set(changes) & set(REVOKING_FIELDS))
    ), None


def describe_changes(changes: dict) -> list[dict]:
    """Changes as label/old/new strings for reports (JSON)."""
    out = []
    for name, (old, new) in changes.items():
        out.append({"field": FIELD_LABELS.get(name, name), "old": _text(old), "new": _text(new)})
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return unicodedata.normalize("NFC", str(value)) if isinstance(value, str) else str(value)
