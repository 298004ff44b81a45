"""The register feed applied (INTAKE.md): every event's consequence, all or nothing, idempotency,
the manual registration matched, the reasons in the history rows."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jpki.models import AppliedFeedEvent, Card, Certificate, FeedRun
from jpki.services import FEED_USERNAME, feed_import
from residents import services as register
from residents.models import Resident
from tests.conftest import at
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "feed" / "handwritten.csv"
NOW = at(2026, 12, 1, 20, 0)
HEADER = (
    "event_id,event,effective_on,resident_key,name,name_kana,alias,alias_kana,birth_date,sex,"
    "postal_code,address_town,address_block,address_building,status_of_residence,period_of_stay_ends_on"
)

pytestmark = pytest.mark.django_db


def with_certificates(key, **fields):
    resident = ResidentFactory(resident_key=key, **fields)
    card = CardFactory(resident=resident)
    signing = CertificateFactory(card=card, kind=Certificate.Kind.SIGNING)
    user = CertificateFactory(card=card, kind=Certificate.Kind.USER)
    return resident, signing, user


def row(event_id, event, key, header=HEADER, **over):
    values = {
        "event_id": event_id,
        "event": event,
        "effective_on": "2026-11-20",
        "resident_key": key,
        "name": "山田　花子",
        "name_kana": "ヤマダ　ハナコ",
        "alias": "",
        "alias_kana": "",
        "birth_date": "1985-06-01",
        "sex": "2",
        "postal_code": "564-0041",
        "address_town": "大阪府吹田市泉町",
        "address_block": "2丁目5番12号",
        "address_building": "",
        "status_of_residence": "",
        "period_of_stay_ends_on": "",
    }
    values.update(over)
    return ",".join(values[c] for c in header.split(","))


def feed(*rows) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def run(data, dry_run=False, actor=None):
    from jpki.services import feed_system_user

    return feed_import(data=data, file_name="test.csv", actor=actor or feed_system_user(), dry_run=dry_run, at=NOW)


@pytest.fixture
def handwritten_register():
    """The register as it stands before the hand-written fixture (certificates on every card)."""
    people = {
        "B20001": dict(name="山田　太郎", name_kana="ヤマダ　タロウ", birth_date=dt.date(1975, 3, 15), sex="male"),
        "B20002": dict(name="田中　花子", name_kana="タナカ　ハナコ", birth_date=dt.date(1990, 7, 7)),
        "B20003": dict(name="鈴木　次郎", name_kana="スズキ　ジロウ", birth_date=dt.date(1988, 1, 10), sex="male"),
        "B20004": dict(name="田中　三郎", name_kana="タナカ　サブロウ", birth_date=dt.date(1970, 5, 5), sex="male"),
        "B20005": dict(
            name="グエン　ヴァン　アン",
            name_kana="グエン　ヴァン　アン",
            alias_name="阮　文安",
            alias_kana="グエン　ヴァン　アン",
            birth_date=dt.date(1995, 9, 9),
            sex="male",
            address_block="4丁目1番2号",
            address_building="泉マンション305",
            residence_status="技術・人文知識・国際業務",
            period_of_stay_ends_on=dt.date(2027, 9, 30),
        ),
        "B20006": dict(name="伊藤　四郎", name_kana="イトウ　シロウ", birth_date=dt.date(1960, 2, 2), sex="male"),
        "B20007": dict(name="渡辺　五郎", name_kana="ワタナベ　ゴロウ", birth_date=dt.date(1965, 3, 3), sex="male"),
        "B20008": dict(name="小林　六郎", name_kana="コバヤシ　ロクロウ", birth_date=dt.date(1940, 4, 4), sex="male"),
        "B20009": dict(name="加藤　七子", name_kana="カトウ　ナナコ", birth_date=dt.date(1972, 8, 8)),
    }
    blocks = {"B20001": "2丁目5番10号", "B20002": "2丁目5番12号", "B20003": "2丁目5番13号", "B20004": "2丁目5番14号"}
    blocks.update({"B20006": "2丁目5番15号", "B20007": "2丁目5番15号", "B20008": "2丁目5番16号"})
    blocks["B20009"] = "2丁目5番17号"
    made = {}
    for key, fields in people.items():
        fields.setdefault("address_block", blocks.get(key, "2丁目5番12号"))
        made[key] = with_certificates(key, **fields)
    # C30001 was registered by hand at the counter (manual 転入) before the feed's row arrived.
    manual = ResidentFactory(
        resident_key="C30001",
        name="木村　八郎",
        name_kana="キムラ　ハチロウ",
        birth_date=dt.date(1985, 10, 10),
        sex="male",
        postal_code="565-0826",
        address_town="大阪府吹田市千里万博公園",
        address_block="1番2号",
    )
    return made, manual


def state(key):
    return Resident.objects.get(resident_key=key)


def valid(cert):
    cert.refresh_from_db()
    return cert.status == Certificate.Status.VALID


def test_handwritten_file_applies_as_documented(handwritten_register):
    made, manual = handwritten_register
    result = run(FIXTURE.read_bytes())
    assert result.refusals == []
    assert result.run.outcome == FeedRun.Outcome.APPLIED
    assert result.counts == {
        "birth": 1,
        "move_in": 2,
        "move_within": 1,
        "name_change": 2,
        "correction": 1,
        "stay_update": 1,
        "move_out": 1,
        "move_abroad": 1,
        "death": 1,
        "removal": 1,
    }
    # birth and move_in: new registered residents with the feed's key; the postal code normalised.
    baby = state("A10001")
    assert baby.is_registered and baby.postal_code == "564-0041" and baby.sex == "male"
    assert state("A10002").address_building == "岸部ハイツ101"
    # move_within, name_change (name), correction (birth date): signing revoked, user kept.
    for key in ("B20001", "B20002", "B20004"):
        _resident, signing, user = made[key]
        assert not valid(signing) and valid(user), key
        signing.refresh_from_db()
        assert signing.revocation_reason == "基本4情報の変更"
    assert state("B20001").address_town == "大阪府吹田市山田丘"
    assert state("B20002").name == "佐藤　花子"
    assert state("B20004").birth_date == dt.date(1970, 5, 6)
    # kana only: nothing revoked, the kana updated.
    _r, signing, user = made["B20003"]
    assert valid(signing) and valid(user)
    assert state("B20003").name_kana == "スズキ　ジロオ"
    # stay_update: period of stay only; the card keeps its expiry (changed at the counter).
    _r, signing, user = made["B20005"]
    assert state("B20005").period_of_stay_ends_on == dt.date(2031, 9, 30)
    assert state("B20005").alias_kana == "グエン　ヴァン　アン"  # the 通称's kana is kept too
    assert valid(signing) and valid(user)
    assert Card.objects.get(resident__resident_key="B20005").expires_on == dt.date(2034, 6, 1)
    # departures as the departure procedure.
    assert state("B20006").status == Resident.Status.MOVED_OUT
    _r, signing, user = made["B20006"]
    assert not valid(signing) and valid(user)
    for key, status in (("B20007", "moved_abroad"), ("B20008", "deceased"), ("B20009", "removed")):
        resident = state(key)
        assert resident.status == status and resident.status_changed_on is not None
        _r, signing, user = made[key]
        assert not valid(signing) and not valid(user), key
    # the manual registration is matched, not duplicated, and the difference reported.
    assert Resident.objects.filter(name="木村　八郎").count() == 1
    assert state("C30001").pk == manual.pk and state("C30001").address_block == "1番1号"
    match = result.run.report["matches"][0]
    assert match["resident_key"] == "C30001"
    assert match["differences"] == [{"field": "住所（番地）", "old": "1番2号", "new": "1番1号"}]
    # 髙 cannot be held by a certificate: listed with its substitute, and registered as it is.
    assert state("A10002").name == "髙橋　一郎"
    notes = [n for n in result.run.report["characters"] if n["resident_key"] == "A10002"]
    assert notes[0]["substitutes"][0] == {"char": "髙", "codepoint": "U+9AD9", "substitute": "高"}
    assert result.run.certificates_revoked == len(result.revocations) == 1 + 1 + 1 + 1 + 2 + 2 + 2


def test_same_file_twice_changes_nothing(handwritten_register):
    data = FIXTURE.read_bytes()
    run(data)
    history = Resident.history.count(), Certificate.history.count()
    second = run(data)
    assert second.run.outcome == FeedRun.Outcome.APPLIED
    assert second.skipped == 12 and second.counts == {} and second.revocations == []
    assert (Resident.history.count(), Certificate.history.count()) == history
    assert AppliedFeedEvent.objects.count() == 12


def test_history_rows_name_the_file_line_and_event(handwritten_register):
    result = run(FIXTURE.read_bytes())
    record = Resident.history.filter(resident_key="B20001").latest("history_id")
    assert result.run.sha256 in record.history_change_reason
    assert "4行目" in record.history_change_reason and "SRC-2026-0003" in record.history_change_reason
    assert record.history_user.username == FEED_USERNAME
    assert not record.history_user.has_usable_password() and not record.history_user.is_staff
    cert = Certificate.history.filter(card__resident__resident_key="B20001", status="revoked").first()
    assert "SRC-2026-0003" in cert.history_change_reason


def test_dry_run_writes_nothing_and_lists_revocations(handwritten_register):
    before = Resident.history.count(), Certificate.history.count(), Resident.objects.count()
    result = run(FIXTURE.read_bytes(), dry_run=True)
    assert result.run.outcome == FeedRun.Outcome.DRY_RUN_CLEAN
    assert (Resident.history.count(), Certificate.history.count(), Resident.objects.count()) == before
    assert AppliedFeedEvent.objects.count() == 0
    names = {(r["name"], r["kind"], r["reason"]) for r in result.revocations}
    assert ("山田　太郎", "署名用電子証明書", "基本4情報の変更") in names
    assert ("小林　六郎", "利用者証明用電子証明書", "死亡") in names
    assert len(result.revocations) == 10


def test_one_refused_row_applies_nothing(handwritten_register):
    fixture = FIXTURE.read_bytes()
    header = fixture.decode().splitlines()[0]
    bad = row("SRC-BAD-1", "move_within", "NOBODY1", header=header, address_block="9番9号")
    data = fixture + bad.encode() + b"\r\n"
    before = Resident.history.count(), Certificate.history.count(), Resident.objects.count()
    result = run(data)
    assert result.run.outcome == FeedRun.Outcome.REFUSED
    assert result.refusals == [
        {
            "line": 14,
            "reason": "宛名番号 NOBODY1 の住民が登録されていません（転居の対象がありません）。",
            "event_id": "SRC-BAD-1",
        }
    ]
    assert (Resident.history.count(), Certificate.history.count(), Resident.objects.count()) == before
    assert AppliedFeedEvent.objects.count() == 0


def test_events_of_a_person_apply_in_order_of_date_then_event_id():
    # Written out of order: the move_in (earlier date) must come first, then E2 before E3.
    data = feed(
        row("E3", "move_within", "K1", effective_on="2026-11-22", address_block="3番3号"),
        row("E2", "move_within", "K1", effective_on="2026-11-22", address_block="2番2号"),
        row("E1", "move_in", "K1", effective_on="2026-11-01"),
    )
    result = run(data)
    assert result.refusals == []
    assert state("K1").address_block == "3番3号"


def test_move_in_returns_a_person_who_had_moved_out():
    resident, signing, _user = with_certificates("K2")
    register.register_departure(
        resident=resident, status="moved_out", on=dt.date(2026, 5, 1), actor=None, reason="test"
    )
    result = run(feed(row("E1", "move_in", "K2", address_block="8番8号", effective_on="2026-11-01")))
    assert result.refusals == []
    resident = state("K2")
    assert resident.is_registered and resident.address_block == "8番8号"
    assert resident.status_changed_on == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("event", "key_setup", "message"),
    [
        ("birth", "registered", "既に登録されています"),
        ("move_in", "deceased", "死亡として記録"),
        ("death", None, "登録されていません"),
        ("name_change", "registered", "氏名変更ですが"),
        ("move_within", "registered", "転居ですが住所が登録内容と同じ"),
        ("stay_update", "registered", "在留期間更新ですが"),
        ("move_out", "deceased", "住民登録がありません"),
    ],
)
def test_snapshot_inconsistent_with_the_register_is_refused(event, key_setup, message):
    if key_setup:
        resident = ResidentFactory(resident_key="K9")
        if key_setup == "deceased":
            register.register_departure(
                resident=resident, status="deceased", on=dt.date(2026, 5, 1), actor=None, reason="test"
            )
    extra = {"period_of_stay_ends_on": ""} if event != "stay_update" else {"status_of_residence": ""}
    if event == "stay_update":
        extra["period_of_stay_ends_on"] = ""
        extra["status_of_residence"] = "留学"
        ResidentFactory(resident_key="K8", residence_status="留学")
    key = "K8" if event == "stay_update" else "K9"
    result = run(feed(row("E1", event, key, **extra)))
    assert len(result.refusals) == 1 and result.refusals[0]["line"] == 2
    assert message in result.refusals[0]["reason"]


def test_kana_only_change_revokes_nothing():
    _resident, signing, user = with_certificates("K3")
    result = run(feed(row("E1", "correction", "K3", name_kana="ヤマダ　ハナ")))
    assert result.revocations == [] and valid(signing) and valid(user)


def test_alias_change_revokes_signing():
    _resident, signing, user = with_certificates("K4", alias_name="花子")
    result = run(feed(row("E1", "name_change", "K4", alias="花")))
    assert [r["kind"] for r in result.revocations] == ["署名用電子証明書"]
    assert not valid(signing) and valid(user)


def test_command_exit_status_and_summary(tmp_path, handwritten_register, capsys):
    path = tmp_path / "feed.csv"
    path.write_bytes(FIXTURE.read_bytes())
    call_command("import_register", str(path), "--dry-run", "--no-progress")
    out = capsys.readouterr().out
    assert "試行（問題なし）" in out and "転入（move_in）: 2" in out
    assert Resident.objects.filter(resident_key="A10001").count() == 0
    call_command("import_register", str(path), "--no-progress")
    assert "反映済み" in capsys.readouterr().out
    assert state("A10001").is_registered
    bad = tmp_path / "bad.csv"
    bad.write_bytes(feed(row("X1", "move_within", "NOBODY2", address_block="1番1号")))
    with pytest.raises(SystemExit) as exc:
        call_command("import_register", str(bad), "--no-progress")
    assert exc.value.code == 1
    assert "2行目: 宛名番号 NOBODY2" in capsys.readouterr().out


def test_counter_procedure_on_a_record_the_feed_changed_is_refused(clerk):
    from jpki import services
    from jpki.services.base import MSG_RESIDENT_CHANGED

    resident = ResidentFactory(resident_key="K5")
    services.card_issue(resident=resident, actor=clerk, reason="カード交付", issued_on=dt.date(2024, 6, 10))
    shown = Resident.objects.get(pk=resident.pk)  # what the clerk's confirm page read
    run(feed(row("E1", "move_within", "K5", address_block="7番7号")))
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=shown,
            actor=clerk,
            reason="新規発行",
            signing=True,
            user=True,
            at=at(2026, 11, 25, 10, 5),
            documents=[services.DocumentShown("resident", "mynumber_card", "吹田市長", "0000 0000 0001")],
        )
    assert exc.value.messages == [MSG_RESIDENT_CHANGED]
    assert not Certificate.objects.filter(card__resident=resident).exists()
    shown.refresh_from_db()  # reopened: the procedure goes through on the current record
    services.certificates_issue(
        resident=shown,
        actor=clerk,
        reason="新規発行",
        signing=True,
        user=True,
        at=at(2026, 11, 25, 10, 5),
        documents=[services.DocumentShown("resident", "mynumber_card", "吹田市長", "0000 0000 0001")],
    )
    assert Certificate.objects.filter(card__resident=resident, status="valid").count() == 2


def test_several_events_of_one_person_go_through_the_services_in_order():
    _resident, signing, user = with_certificates("K6")
    data = feed(
        row("E2", "death", "K6", effective_on="2026-11-21", postal_code="", address_town="", address_block=""),
        row("E1", "move_within", "K6", effective_on="2026-11-20", address_block="6番6号"),
    )
    result = run(data)
    assert result.refusals == []
    resident = state("K6")
    assert resident.status == "deceased" and resident.address_block == "6番6号"
    assert [(r["event_id"], r["kind"]) for r in result.revocations] == [
        ("E1", "署名用電子証明書"),
        ("E2", "利用者証明用電子証明書"),
    ]
    assert not valid(signing) and not valid(user)
    reasons = list(
        Resident.history.filter(resident_key="K6")
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert "E1" in reasons[-2] and "E2" in reasons[-1]
