"""Counter hours on every write a clerk makes (issue 13, point 5).

Outside the hours (月〜金 9:00〜17:30, no holidays, no year-end break) every procedure is refused at
the confirmation box unless it is ticked, and then recorded with an ``OutsideHoursRecord`` for the
supervisors (applications carry their own flag, ``Application.outside_counter_hours``), written by
the same service in the same transaction. The register feed and commands (no clerk at the counter,
``outside_hours_confirmed=None``) are neither refused nor recorded.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jpki import services
from jpki.admin.workflows import WORKFLOWS
from jpki.models import Application, Card, OutsideHoursRecord
from residents.models import Resident
from tests.admin.conftest import TOKYO, frozen
from tests.admin.test_submit_once import CASES, effects, is_recorded, review, review_token
from tests.admin.test_submit_once import confirm as confirm_token
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2026, 11, 25, 18, 30, tzinfo=TOKYO)  # a Wednesday, after 17:30
SATURDAY = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def long_sessions(settings):
    """The cases move the clock by days; keep the clerk's session alive across that."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def refused_at_the_box(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.message_dict.get("outside_hours_confirmed", [])


def _with_certificates(resident=None):
    resident = resident or ResidentFactory()
    card = CardFactory(resident=resident)
    CertificateFactory(card=card, kind="user", issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2029, 6, 1))
    CertificateFactory(card=card, kind="signing", issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2029, 6, 1))
    return resident


def _stay_extended():
    r = ResidentFactory(residence_status="留学", period_of_stay_ends_on=dt.date(2030, 1, 31))
    CardFactory(resident=r, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    return r


def _suspended(clerk):
    r = _with_certificates()
    services.card_report_lost(card=services.active_card(r), actor=clerk, reason="紛失届")
    return r


# Each clerk procedure that is not an application: (name, what to set up, the service call).
SERVICE_CASES = {
    "card_issue": (
        lambda clerk: ResidentFactory(),
        lambda r, clerk, **kw: services.card_issue(
            resident=r, actor=clerk, reason="交付", issued_on=dt.date(2026, 11, 25), **kw
        ),
    ),
    "card_report_lost": (
        lambda clerk: _with_certificates(),
        lambda r, clerk, **kw: services.card_report_lost(
            card=services.active_card(r), actor=clerk, reason="紛失届", **kw
        ),
    ),
    "card_report_found": (
        _suspended,
        lambda r, clerk, **kw: services.card_report_found(
            card=services.active_card(r), actor=clerk, reason="発見届", **kw
        ),
    ),
    "resident_change_basic_info": (
        lambda clerk: _with_certificates(),
        lambda r, clerk, **kw: services.resident_change_basic_info(
            resident=r, actor=clerk, reason="市内転居", address_block="1丁目2番3号", **kw
        ),
    ),
    "resident_record_departure": (
        lambda clerk: _with_certificates(),
        lambda r, clerk, **kw: services.resident_record_departure(
            resident=r, status="moved_out", on=dt.date(2026, 11, 20), actor=clerk, reason="転出届", **kw
        ),
    ),
    "card_validity_change": (
        lambda clerk: _stay_extended(),
        lambda r, clerk, **kw: services.card_validity_change(resident=r, actor=clerk, reason="在留期間の更新", **kw),
    ),
    "resident_move_in_at_counter": (
        lambda clerk: None,
        lambda r, clerk, **kw: services.resident_move_in_at_counter(
            actor=clerk,
            reason="転入届",
            resident_key="K100",
            on=dt.date(2026, 11, 24),
            name="佐藤　健",
            name_kana="サトウ　ケン",
            birth_date=dt.date(1975, 1, 2),
            sex="male",
            postal_code="564-0041",
            address_town="大阪府吹田市泉町",
            address_block="1丁目1番1号",
            **kw,
        ),
    ),
}


def _counts():
    return (
        Resident.history.count(),
        Card.history.count(),
        OutsideHoursRecord.objects.count(),
        OutsideHoursRecord.history.count(),
    )


@pytest.mark.parametrize("name", sorted(SERVICE_CASES))
@pytest.mark.parametrize("moment", [EVENING, SATURDAY], ids=["evening", "saturday"])
def test_each_service_refuses_outside_hours_without_the_box(name, moment, clerk):
    setup, call = SERVICE_CASES[name]
    resident = setup(clerk)
    before = _counts()
    with frozen(moment), pytest.raises(ValidationError) as exc:
        call(resident, clerk, outside_hours_confirmed=False)
    assert any("取扱時間外です" in m and "次の取扱日" in m for m in refused_at_the_box(exc))
    assert _counts() == before  # nothing written, no record


@pytest.mark.parametrize("name", sorted(SERVICE_CASES))
def test_each_service_records_outside_hours_with_the_box(name, clerk, office):
    setup, call = SERVICE_CASES[name]
    resident = setup(clerk)
    with frozen(EVENING):
        outcome = call(resident, clerk, outside_hours_confirmed=True)
    record = OutsideHoursRecord.objects.get()
    resident = resident or outcome
    assert record.resident_id == resident.pk
    assert (record.recorded_at, record.recorded_by, record.office) == (EVENING, clerk, office)
    assert record.procedure and record.reason
    assert record.history.get().history_user == clerk


@pytest.mark.parametrize("name", sorted(SERVICE_CASES))
def test_in_hours_no_record(name, clerk):
    setup, call = SERVICE_CASES[name]
    resident = setup(clerk)
    with frozen(dt.datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)):
        call(resident, clerk, outside_hours_confirmed=False)
    assert not OutsideHoursRecord.objects.exists()


@pytest.mark.parametrize("name", sorted(SERVICE_CASES))
def test_the_feed_and_commands_are_not_at_the_counter(name, clerk):
    # No clerk confirms anything at night when the register feed runs: no check and no record.
    setup, call = SERVICE_CASES[name]
    resident = setup(clerk)
    with frozen(SATURDAY):
        call(resident, clerk)
    assert not OutsideHoursRecord.objects.exists()


def test_a_refusal_after_the_check_leaves_no_record(clerk):
    # The record is written in the service's transaction: a procedure refused later leaves none.
    resident = ResidentFactory()
    with frozen(EVENING), pytest.raises(ValidationError):
        services.card_report_found(
            card=CardFactory(resident=resident), actor=clerk, reason="発見届", outside_hours_confirmed=True
        )
    assert not OutsideHoursRecord.objects.exists()


# --- every workflow of the admin, as a clerk ------------------------------------------------------------


def _closed(moment: dt.datetime) -> dt.datetime:
    """The same day as the case, after the counter closed (every case's day is a weekday)."""
    return moment.replace(hour=18, minute=45)


@pytest.mark.parametrize("slug", sorted(WORKFLOWS))
def test_every_workflow_outside_hours_is_refused_at_the_box_then_recorded(slug, clerk, clerk_client):
    case = CASES[slug](clerk)
    with frozen(_closed(case.moment)):
        before = effects()
        page = review(clerk_client, case)
        assert page.status_code == 200 and page.context["step"] == "form"
        assert any("取扱時間外です" in e for e in page.context["form"].errors.get("outside_hours_confirmed", []))
        assert effects() == before

        case.data = {**case.data, "outside_hours_confirmed": "on"}
        done = confirm_token(clerk_client, case, review_token(clerk_client, case))
        assert is_recorded(done), getattr(done, "context", None) and done.context["form"].errors
    flagged = Application.objects.filter(resident=case.resident, outside_counter_hours=True)
    recorded = OutsideHoursRecord.objects.filter(resident=case.resident, recorded_by=clerk)
    assert flagged.exists() or recorded.count() == 1


def test_move_in_outside_hours_is_refused_at_the_box_then_recorded(clerk, clerk_client, office):
    from tests.admin.test_register_workflows import ARRIVAL, MOVE_IN_URL, confirm, errors
    from tests.admin.test_register_workflows import review as review_page

    with frozen(SATURDAY):
        page = review_page(clerk_client, MOVE_IN_URL, ARRIVAL)
        assert any("取扱時間外です" in e for e in errors(page, "outside_hours_confirmed"))
        assert "現在は取扱時間外です" in page.content.decode()
        assert not Resident.objects.exists()
        assert confirm(clerk_client, MOVE_IN_URL, {**ARRIVAL, "outside_hours_confirmed": "on"}).status_code == 302
    record = OutsideHoursRecord.objects.get()
    assert (record.resident, record.recorded_by, record.office, record.recorded_at) == (
        Resident.objects.get(),
        clerk,
        office,
        SATURDAY,
    )
    assert record.procedure == "転入（手入力）"


def test_every_workflow_form_carries_the_box(clerk):
    from jpki.admin.register_workflows import MOVE_IN

    for workflow in [*WORKFLOWS.values(), MOVE_IN]:
        form = workflow.form_class()
        assert "outside_hours_confirmed" in form.fields, workflow.slug
        assert list(form.fields)[-2:] == ["outside_hours_confirmed", "reason"], workflow.slug
