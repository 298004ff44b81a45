"""The register feed applied while clerks work, on PostgreSQL: 8 threads run a counter procedure
(a new issuance) on the same residents the feed moves. No deadlock, no lost update on either side,
and a procedure whose resident the feed changed after the clerk's screen read it is refused.

Skipped unless the default database is PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jpki import services
from jpki.models import Certificate
from jpki.services.base import MSG_RESIDENT_CHANGED
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.hardening.race import NOW, _clerks, run_threads

N = 8
HEADER = (
    "event_id,event,effective_on,resident_key,name,name_kana,alias,alias_kana,birth_date,sex,"
    "postal_code,address_town,address_block,address_building,status_of_residence,period_of_stay_ends_on"
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


def _feed(keys, round_no) -> bytes:
    rows = [
        f"R{round_no}-{key},move_within,2026-11-20,{key},山田　花子,ヤマダ　ハナコ,,,1985-06-01,2,"
        f"565-0871,大阪府吹田市山田丘,{round_no}番{i + 1}号,,,"
        for i, key in enumerate(keys)
    ]
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


@pytest.mark.parametrize("round_no", [1, 2, 3])
def test_feed_beside_eight_clerks(round_no):
    clerks = _clerks(N)
    residents = [ResidentFactory(resident_key=f"CC{i}") for i in range(N)]
    for resident in residents:
        services.card_issue(resident=resident, actor=clerks[0], reason="カード交付", issued_on=dt.date(2024, 6, 10))
    # Every clerk's screen has read its resident before the feed runs (the confirm page).
    shown = [Resident.objects.get(pk=r.pk) for r in residents]
    keys = [r.resident_key for r in residents]

    def work(i):
        if i == N:
            result = services.feed_import(
                data=_feed(keys, round_no), file_name="race.csv", actor=services.feed_system_user(), dry_run=False
            )
            return {"refusals": result.refusals, "revoked": len(result.revocations)}
        app = services.certificates_issue(
            resident=shown[i],
            actor=clerks[i],
            reason=f"窓口{i}で新規発行",
            signing=True,
            user=True,
            at=NOW,
            documents=[services.DocumentShown("resident", "mynumber_card", "吹田市長", f"0000 0000 {i:04d}")],
        )
        return app.pk

    results = run_threads(N + 1, work)
    errors = [r for r in results if r["outcome"] == "error"]
    assert errors == [], errors  # a deadlock or a failed thread shows here
    feed = results[N]
    assert feed["outcome"] == "ok" and feed["value"]["refusals"] == []
    issued = 0
    for i, resident in enumerate(residents):
        resident.refresh_from_db()
        # The feed's update is never lost.
        assert resident.address_block == f"{round_no}番{i + 1}号"
        certs = Certificate.objects.filter(card__resident=resident)
        if results[i]["outcome"] == "ok":
            issued += 1
            # Issued before the feed: the feed then revoked the signing certificate; the user one stays.
            signing = certs.get(kind="signing")
            assert signing.status == "revoked" and signing.revocation_reason == "基本4情報の変更"
            assert certs.get(kind="user").status == "valid"
        else:
            # The feed changed the record after the screen read it: refused, nothing recorded.
            assert results[i]["messages"] == [MSG_RESIDENT_CHANGED]
            assert not certs.exists()
    assert feed["value"]["revoked"] == issued
