"""Smoke test of ``manage.py bench`` on a tiny city: it runs and prints the summary line.

No timing assertions: timings depend on the machine. Only the shape of the output is checked.
"""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from jpki.bench import BENCH_USERNAME
from jpki.models import Certificate, RecordView, StaffProfile
from jpki.roles import COUNTER_STAFF, SUPERVISOR
from residents.models import Resident
from tests.factories import CardFactory, CertificateFactory, OfficeFactory, ResidentFactory

SUMMARY = re.compile(r"^bench: worst median \d+\.\d ms, max queries \d+, letters \d+\.\d pages/s$")
PAGES = (
    "search: kana prefix ヤマダ",
    "search: kana prefix やまだ",
    "search: name 山田",
    "search: birth 1985-06-01",
    "resident changelist",
    "resident page",
    "certificates in renewal window",
    "dashboard (admin index)",
    "supervisors' audit",
)


@pytest.fixture
def tiny_city(db):
    OfficeFactory()
    card = CardFactory()
    CertificateFactory(card=card, kind=Certificate.Kind.SIGNING, expires_on=dt.date.today() + dt.timedelta(days=30))
    CertificateFactory(card=card, kind=Certificate.Kind.USER)
    ResidentFactory(name="佐藤　一郎", name_kana="サトウ　イチロウ", birth_date=dt.date(1970, 1, 2))
    return card


def run_bench(*args) -> list[str]:
    out = io.StringIO()
    call_command("bench", "--iterations", "1", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def page_row(lines, label):
    return next(line for line in lines if line.startswith(f"| {label} "))


def test_bench_prints_table_and_summary(tiny_city):
    residents_before = Resident.objects.count()
    lines = run_bench("--skip-letters")

    assert SUMMARY.match(lines[-1]), lines[-1]
    assert lines[-1].endswith("letters 0.0 pages/s")
    for label in PAGES:
        cells = [c.strip() for c in page_row(lines, label).strip("|").split("|")]
        # median, p95, SQL ms, queries for the project's page and for the stock baseline, then the ratios
        assert re.fullmatch(r"\d+\.\d", cells[1]), (label, cells)
        assert re.fullmatch(r"\d+\.\d", cells[3]), (label, cells)
        assert re.fullmatch(r"\d+", cells[4]), (label, cells)
        assert re.fullmatch(r"\d+\.\d", cells[5]), (label, cells)
        assert re.fullmatch(r"\d+", cells[8]), (label, cells)
        assert re.fullmatch(r"\d+\.\d", cells[9]), (label, cells)

    # The bench logs in as a supervisor who is also counter staff, with a staff profile ...
    user = User.objects.get(username=BENCH_USERNAME)
    assert set(user.groups.values_list("name", flat=True)) == {SUPERVISOR, COUNTER_STAFF}
    assert user.is_staff and not user.is_superuser
    assert StaffProfile.objects.filter(user=user).exists()
    # ... and writes no domain records (the resident page logs its views, as for anyone).
    assert Resident.objects.count() == residents_before
    assert RecordView.objects.filter(user=user).exists()

    # A second run reuses the login.
    assert SUMMARY.match(run_bench("--skip-letters", "--no-stock")[-1])
    assert User.objects.filter(username=BENCH_USERNAME).count() == 1


def test_bench_with_letters(tiny_city):
    pytest.importorskip("weasyprint")
    lines = run_bench("--letters", "2", "--no-stock")
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert not lines[-1].endswith("letters 0.0 pages/s")
    assert any(line.startswith("| letter preview (1) ") for line in lines)
