"""The statistics selectors (jpki.statistics) against a hand-built fixture: every number counted by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jpki import statistics as st
from jpki.models import Application, Certificate, OutsideHoursRecord, ProxyAuthorization
from tests.factories import CardFactory, CertificateFactory, ResidentFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
OCT_NOV = dict(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=TOKYO)


def application(resident, user, office, *, kind="new", who="self", done=None, received=None, **extra):
    received = received or done or at(2026, 10, 1)
    return Application.objects.create(
        kind=kind,
        applicant_type=who,
        resident=resident,
        office=office,
        received_at=received,
        received_by=user,
        status=Application.Status.COMPLETED if done else Application.Status.RECEIVED,
        completed_at=done,
        **extra,
    )


@pytest.fixture
def city(db, office, branch):
    a = UserFactory(username="clerk_a", office=office)
    b = UserFactory(username="clerk_b", office=branch)
    r = ResidentFactory()
    application(r, a, office, kind="new", done=at(2026, 10, 5))
    application(r, a, office, kind="new", done=at(2026, 10, 31, 23, 30))  # October in Tokyo, November in UTC
    application(r, b, branch, kind="renewal", who="legal", done=at(2026, 10, 12))
    application(r, a, office, kind="revocation", done=at(2026, 11, 2))
    application(r, b, branch, kind="new", received=at(2026, 11, 3))  # open: not counted as done
    application(r, a, office, kind="new", done=at(2026, 9, 30, 23, 59))  # before the period
    application(r, b, branch, kind="reissue", done=at(2026, 11, 4), fee_due=200, fee_paid=True, fee_receipt_number="R1")
    application(r, a, office, kind="reissue", done=at(2026, 11, 5), fee_due=200, fee_paid=False)
    application(r, a, office, kind="password_init", done=at(2026, 11, 7, 18), outside_counter_hours=True)
    OutsideHoursRecord.objects.create(
        procedure="card_issue", resident=r, recorded_at=at(2026, 11, 7, 19), recorded_by=a
    )
    return {"a": a, "b": b, "r": r, "office": office, "branch": branch}


def test_activity_per_month_office_kind_and_applicant(city):
    data = st.activity(st.Period(**OCT_NOV, grain=st.MONTH))
    oct_, nov = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    assert data.buckets == [oct_, nov]
    assert data.cells == {
        (oct_, city["office"].pk, "new", "self"): 2,
        (oct_, city["branch"].pk, "renewal", "legal"): 1,
        (nov, city["office"].pk, "revocation", "self"): 1,
        (nov, city["branch"].pk, "reissue", "self"): 1,
        (nov, city["office"].pk, "reissue", "self"): 1,
        (nov, city["office"].pk, "password_init", "self"): 1,
    }
    assert data.total() == 7
    assert data.by_bucket_and_kind()[oct_]["new"] == 2


def test_activity_per_week_and_day_and_for_one_office(city):
    weekly = st.activity(st.Period(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), grain=st.WEEK))
    assert weekly.buckets[0] == dt.date(2026, 9, 28)  # the Monday of the week of 1 October
    per_week = {b: sum(k.values()) for b, k in weekly.by_bucket_and_kind().items() if sum(k.values())}
    assert per_week == {dt.date(2026, 10, 5): 1, dt.date(2026, 10, 12): 1, dt.date(2026, 10, 26): 1}
    daily = st.activity(st.Period(start=dt.date(2026, 10, 31), end=dt.date(2026, 11, 1), grain=st.DAY))
    assert {b: sum(k.values()) for b, k in daily.by_bucket_and_kind().items()} == {
        dt.date(2026, 10, 31): 1,
        dt.date(2026, 11, 1): 0,
    }
    branch_only = st.activity(st.Period(**OCT_NOV, office_id=city["branch"].pk))
    assert branch_only.total() == 2


def test_renewal_forecast_months_offices_and_edges(db, office, branch):
    CardFactory(resident=ResidentFactory(), expires_on=dt.date(2027, 6, 10), office=branch)
    cert = dict(issued_on=dt.date(2022, 1, 1))  # each on its own card (one valid certificate per kind and card)
    CertificateFactory(**cert, kind="user", expires_on=dt.date(2027, 3, 17), office=office)  # opens 2026-12-18
    CertificateFactory(**cert, kind="signing", expires_on=dt.date(2027, 3, 1), office=office)  # opens 2026-12-02
    CertificateFactory(**cert, kind="user", expires_on=dt.date(2027, 5, 28), office=office)  # opens 2027-03-01
    CertificateFactory(**cert, kind="signing", expires_on=dt.date(2027, 6, 1), office=branch)  # opens 2027-03-02
    CertificateFactory(**cert, kind="user", expires_on=dt.date(2027, 2, 28), office=office)  # opened in November
    CertificateFactory(**cert, kind="user", expires_on=dt.date(2029, 3, 15), office=office)  # month 25
    CertificateFactory(
        **cert, kind="user", expires_on=dt.date(2027, 3, 20), office=office, status=Certificate.Status.REVOKED,
        revoked_at=at(2026, 1, 1),
    )  # fmt: skip
    data = st.renewal_forecast(today=dt.date(2026, 12, 2))
    assert len(data.months) == 24 and data.months[0] == dt.date(2026, 12, 1) and data.months[-1] == dt.date(2028, 11, 1)
    assert data.per_month("user")[:4] == [1, 0, 0, 1]
    assert data.per_month("signing")[:4] == [1, 0, 0, 1]
    assert data.per_month("card")[:4] == [0, 0, 0, 1]  # the card expiring 2027-06-10 opens 2027-03-11
    assert sum(data.per_month("user")) == 2 and sum(data.per_month("signing")) == 2
    march = dt.date(2027, 3, 1)
    assert data.cells[(march, office.pk, "user")] == 1
    assert data.cells[(march, branch.pk, "signing")] == 1 and data.cells[(march, branch.pk, "card")] == 1
    honcho_only = st.renewal_forecast(today=dt.date(2026, 12, 2), office_id=office.pk)
    assert sum(honcho_only.per_month("card")) == 0 and sum(honcho_only.per_month("user")) == 2


def proxy(resident, user, office, *, visit1, stage, sent=None, reply=None, visit2=None, returned=None, reason=""):
    app = application(resident, user, office, who="proxy", received=visit1)
    done = stage == ProxyAuthorization.Stage.VISIT2
    return ProxyAuthorization.objects.create(
        application=app,
        proxy_name="代理　人",
        proxy_kana="ダイリ　ニン",
        proxy_address="吹田市",
        proxy_birth_date=dt.date(1970, 1, 1),
        relation="子",
        stage=stage,
        visit1_at=visit1,
        visit1_office=office,
        letter_sent_at=sent,
        reply_received_at=reply,
        visit2_at=visit2,
        returned_at=returned,
        return_reason=reason,
        resident_card_checked=done,
        proxy_photo_id_checked=done,
        reply_complete=done,
        power_of_attorney_complete=done,
        envelope_sealed=done,
        application_form_checked=done,
    )


def test_proxy_flow_steps_medians_and_returns(db, office, branch, clerk):
    r = ResidentFactory()
    S = ProxyAuthorization.Stage
    proxy(r, clerk, office, visit1=at(2026, 10, 1), stage=S.VISIT2, sent=at(2026, 10, 2), reply=at(2026, 10, 12),
          visit2=at(2026, 10, 20))  # fmt: skip
    proxy(r, clerk, office, visit1=at(2026, 10, 5), stage=S.RETURNED, sent=at(2026, 10, 8), returned=at(2026, 10, 15),
          reason="転居先不明")  # fmt: skip
    proxy(r, clerk, branch, visit1=at(2026, 10, 7), stage=S.VISIT1)
    proxy(r, clerk, office, visit1=at(2026, 9, 7), stage=S.VISIT1)  # before the period
    flow = st.proxy_flow(st.Period(**OCT_NOV))
    assert flow.stages == {
        "visit1": 1,
        "letter_sent": 0,
        "reply_received": 0,
        "returned": 1,
        "visit2": 1,
        "withdrawn": 0,
    }
    assert flow.medians == {"visit1_letter": 2.0, "letter_reply": 10.0, "reply_visit2": 8.0, "visit1_visit2": 19.0}
    assert flow.samples["visit1_letter"] == 2
    assert (flow.letters_sent, flow.returned, flow.return_rate) == (2, 1, 50.0)
    assert flow.reasons == {"転居先不明": 1}
    assert st.proxy_flow(st.Period(**OCT_NOV, office_id=branch.pk)).stages["visit1"] == 1
    empty = st.proxy_flow(st.Period(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)))
    assert empty.return_rate is None and empty.medians["visit1_letter"] is None


def test_operations_outside_hours_fees_and_per_clerk(city):
    ops = st.operations(st.Period(**OCT_NOV))
    nov = dt.date(2026, 11, 1)
    assert ops.series(ops.outside_applications) == [0, 1]
    assert ops.series(ops.outside_records) == [0, 1]
    assert ops.series(ops.fees) == [0, 200] and ops.series(ops.fees_unpaid) == [0, 200]
    per = {(r["received_by_id"], r["kind"]): r["n"] for r in ops.per_clerk}
    a, b = city["a"].pk, city["b"].pk
    assert per == {
        (a, "new"): 2,
        (a, "revocation"): 1,
        (a, "reissue"): 1,
        (a, "password_init"): 1,
        (b, "renewal"): 1,
        (b, "new"): 1,
        (b, "reissue"): 1,
    }
    assert nov in ops.buckets
