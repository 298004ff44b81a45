"""manage.py demo_city: a small believable city that respects every rule and constraint."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from jpki import rules
from jpki.demo import CHANGE_REASON, DEMO_USERNAME, SCENARIO_RESIDENTS, TOKYO
from jpki.models import (
    Application,
    Card,
    Certificate,
    IdentityDocument,
    Office,
    ProxyAuthorization,
    StaffProfile,
)
from residents.models import Resident

TODAY = date(2026, 11, 25)  # a Wednesday: the counters are open
NOW = datetime(2026, 11, 25, 12, 30, tzinfo=TOKYO)
DOMAIN_MODELS = (Office, StaffProfile, Resident, Card, Certificate, Application, ProxyAuthorization, IdentityDocument)


def build(residents=60, seed=123, **options):
    out = StringIO()
    call_command("demo_city", residents=residents, seed=seed, today=TODAY, no_progress=True, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One small city for the whole module (built once, rolled back at the end)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def by_kana(kana: str) -> Resident:
    return Resident.objects.get(name_kana=kana)


def snapshot(after: dict | None = None):
    after = after or {}
    residents = list(
        Resident.objects.filter(id__gt=after.get("residents", 0))
        .order_by("id")
        .values_list(
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "postal_code",
            "address_town",
            "address_block",
            "address_building",
            "status",
            "residence_status",
            "is_adult_ward",
        )
    )
    cards = list(
        Card.objects.filter(id__gt=after.get("cards", 0))
        .order_by("id")
        .values_list("resident__name_kana", "kind", "issued_on", "expires_on", "status")
    )
    certs = list(
        Certificate.objects.filter(id__gt=after.get("certs", 0))
        .order_by("id")
        .values_list(
            "serial",
            "kind",
            "issued_on",
            "expires_on",
            "status",
            "revoked_at",
            "revocation_reason",
        )
    )
    apps = list(
        Application.objects.filter(id__gt=after.get("apps", 0))
        .order_by("id")
        .values_list(
            "kind",
            "applicant_type",
            "status",
            "received_at",
            "office__code",
            "received_by__username",
        )
    )
    return residents, cards, certs, apps


def test_small_city_counts_and_summary(city, db):
    assert Resident.objects.count() == 60
    assert Office.objects.filter(kind="main", name="本庁市民課", postal_code="564-8550").exists()
    assert Office.objects.filter(kind="branch").count() >= 5
    assert "住民" in city and "所要時間" in city
    demo = get_user_model().objects.get(username=DEMO_USERNAME)
    assert not demo.is_staff and not demo.has_usable_password()
    clerks = get_user_model().objects.filter(username__startswith="clerk")
    assert clerks.count() >= 5
    assert all(not u.has_usable_password() and u.staff_profile.office_id for u in clerks)
    assert all(u.groups.filter(name="窓口職員").exists() for u in clerks)
    # every office that received something has a clerk there; today's work at several offices
    today_apps = Application.objects.filter(received_at__date=TODAY)
    assert today_apps.values("office").distinct().count() >= 2
    for app in Application.objects.select_related("received_by__staff_profile"):
        assert app.received_by.staff_profile.office_id == app.office_id
        assert app.received_at <= NOW


def test_constraints_and_rules_hold(city, db):
    # at most one active/suspended card per resident
    assert not (
        Card.objects.filter(status__in=["active", "suspended"])
        .values("resident")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not Card.objects.filter(expires_on__lte=F("issued_on")).exists()
    # one valid certificate per kind per card; revoked <=> revoked_at
    assert not Certificate.objects.filter(status="valid").values("card", "kind").annotate(n=Count("id")).filter(n__gt=1)
    assert not Certificate.objects.filter(
        Q(status="revoked", revoked_at__isnull=True) | (~Q(status="revoked") & Q(revoked_at__isnull=False))
    ).exists()
    assert not Certificate.objects.filter(status="revoked", revocation_reason="").exists()
    # statuses as of today
    assert not Certificate.objects.filter(status="valid", expires_on__lt=TODAY).exists()
    assert not Card.objects.filter(status="active", expires_on__lt=TODAY).exists()
    assert not Certificate.objects.filter(status="valid").exclude(card__status__in=["active", "suspended"]).exists()
    # no certificate is issued onto a 住基カード after 2015-12-22
    assert not Certificate.objects.filter(card__kind="juki", issued_on__gt=date(2015, 12, 22)).exists()
    # validity from jpki.rules
    for card in Card.objects.filter(kind="mynumber").select_related("resident"):
        res = card.resident
        stay = res.period_of_stay_ends_on if res.stay_limits_card else None
        assert card.expires_on == rules.card_expiry(
            issued_on=card.issued_on, birth_date=res.birth_date, period_of_stay_ends_on=stay
        )
    for cert in Certificate.objects.filter(card__kind="mynumber").select_related("card__resident"):
        card, birth = cert.card, cert.card.resident.birth_date
        allowed = set()
        for renewed in (False, True):
            base = rules.certificate_expiry(
                issued_on=cert.issued_on, birth_date=birth, renewed=renewed, card_expires_on=card.expires_on
            )
            allowed.add(base)
            for user in card.certificates.filter(kind="user", issued_on__lte=cert.issued_on):
                allowed.add(min(base, user.expires_on))
        assert cert.expires_on in allowed, cert
        assert cert.expires_on <= card.expires_on
        if cert.kind == "signing":  # never under 15 on the day of issue, never for an adult ward
            assert rules.signing_certificate_allowed(
                birth_date=birth, on=cert.issued_on, adult_ward=card.resident.is_adult_ward
            )
    # proxy rules: never the same day; visit 2 only with the full checklist
    for proxy in ProxyAuthorization.objects.select_related("application"):
        assert proxy.application.applicant_type == "proxy"
        if proxy.stage == "visit2":
            assert proxy.visit2_at.date() > proxy.visit1_at.date()
            assert proxy.envelope_sealed and proxy.proxy_photo_id_checked and proxy.power_of_attorney_complete
            assert proxy.application.status == "completed"
            photo = proxy.application.identity_documents.filter(holder="proxy", visit=2)
            assert photo and all(rules.is_official_photo_id(d.kind) for d in photo)
        if proxy.stage == "returned":
            assert proxy.return_reason and proxy.returned_at and proxy.application.status == "returned"
    assert not Application.objects.filter(applicant_type="proxy", proxy__isnull=True).exists()
    # identity documents: at most the last 4 characters, and nothing of the individual number
    assert all(len(n) <= 4 for n in IdentityDocument.objects.values_list("number_last4", flat=True))
    assert not IdentityDocument.objects.filter(kind="mynumber_card").exclude(number_last4="").exists()
    # nothing happens at the counter for a resident after they left the register
    for app in Application.objects.select_related("resident").exclude(resident__status="registered"):
        assert app.received_at.astimezone(TOKYO).date() < app.resident.status_changed_on
    # legal representatives bring proof of authority
    assert not Application.objects.filter(applicant_type="legal", legal_authority_document="").exists()


def test_every_kind_type_stage_and_status(city, db):
    assert set(Application.objects.values_list("kind", flat=True)) == set(Application.Kind.values)
    assert set(Application.objects.values_list("applicant_type", flat=True)) == set(Application.ApplicantType.values)
    assert set(ProxyAuthorization.objects.values_list("stage", flat=True)) == set(ProxyAuthorization.Stage.values)
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {
        "completed",
        "awaiting_letter",
        "letter_sent",
        "reply_received",
        "returned",
        "refused",
        "cancelled",
        "received",
    } <= statuses
    assert {"valid", "revoked", "expired"} <= set(Certificate.objects.values_list("status", flat=True))
    assert {"active", "suspended", "expired"} <= set(Card.objects.values_list("status", flat=True))
    assert (
        Application.objects.filter(kind="reissue", fee_due=200, fee_paid=True).exclude(fee_receipt_number="").exists()
    )


def test_history_rows_by_demo_user_with_reason(city, db):
    demo = get_user_model().objects.get(username=DEMO_USERNAME)
    for model in DOMAIN_MODELS:
        assert model.objects.count() > 0, model
        history = model.history.all()
        assert history.filter(history_type="+").count() == model.objects.count(), model
        assert not history.exclude(history_user=demo).exists(), model
        assert not history.exclude(history_change_reason=CHANGE_REASON).exists(), model
        # nothing is updated, except a resident's address when they moved within the city (the register's
        # history row of the change, dated at the move)
        assert set(history.values_list("history_type", flat=True)) <= ({"+", "~"} if model is Resident else {"+"})
        assert not history.exclude(history_type__in=("+", "~")).exists(), model


def test_scenario_people(city, db):
    # fixed positions: the scenario people come first, in the documented order
    first = list(Resident.objects.order_by("id").values_list("name_kana", flat=True)[: len(SCENARIO_RESIDENTS)])
    assert first == [row[2] for row in SCENARIO_RESIDENTS]

    hanako = by_kana("ヤマダ　ハナコ")
    assert hanako.name == "山田　花子" and hanako.birth_date == date(1985, 6, 1)
    card = hanako.cards.get()
    assert (card.issued_on, card.expires_on, card.status) == (date(2024, 6, 10), date(2034, 6, 1), "active")
    assert not card.certificates.exists()
    assert Resident.objects.filter(kana_search__startswith="ヤマダ").count() >= 1

    kiyo = by_kana("スズキ　キヨ")
    assert kiyo.birth_date == date(1940, 2, 29)
    assert kiyo.cards.get(status="active").expires_on >= date(2031, 2, 28)
    assert not Certificate.objects.filter(card__resident=kiyo, status="valid").exists()
    assert by_kana("スズキ　イチロウ").address == kiyo.address

    jiro = by_kana("タカハシ　ジロウ")
    assert "泉町" in jiro.address_town
    assert set(Certificate.objects.filter(card__resident=jiro, status="valid").values_list("kind", flat=True)) == {
        "signing",
        "user",
    }

    misaki = by_kana("サトウ　ミサキ")
    card = misaki.cards.get()
    assert card.status == "suspended" and card.status_changed_at
    assert card.certificates.get(kind="signing").status == "revoked"
    assert card.certificates.get(kind="user").status == "valid"

    ken = by_kana("イトウ　ケン")
    assert ken.birth_date == date(1980, 8, 17)
    assert set(Certificate.objects.filter(card__resident=ken, status="valid").values_list("expires_on", flat=True)) == {
        date(2027, 8, 17)
    }

    yui = by_kana("ワタナベ　ユイ")
    assert rules.age_on(yui.birth_date, TODAY) == 12
    assert yui.cards.filter(status="active").exists()
    assert by_kana("ワタナベ　ナオミ").address == yui.address

    ward = Resident.objects.get(is_adult_ward=True, name_kana="ナカムラ　マサオ")
    assert not Certificate.objects.filter(card__resident=ward, kind="signing").exists()

    sachiko = Resident.objects.get(name="\u9ad9橋　幸子")
    signing = Certificate.objects.get(card__resident=sachiko, kind="signing", status="valid")
    assert signing.name_in_certificate == "高橋　幸子"
    assert signing.substituted_name_positions == [0]

    # nobody else has a scenario person's name
    for row in SCENARIO_RESIDENTS:
        assert Resident.objects.filter(name_kana=row[2]).count() == 1


def test_refuses_without_append_and_appends_without_deleting(city, db):
    before = Resident.objects.count(), Certificate.objects.count()
    with pytest.raises(CommandError, match="--append"):
        build()
    assert (Resident.objects.count(), Certificate.objects.count()) == before
    build(residents=20, seed=5, append=True)
    assert Resident.objects.count() == before[0] + 20
    assert Certificate.objects.count() >= before[1]
    assert Resident.objects.filter(name_kana="ヤマダ　ハナコ").count() == 1  # no second set of scenario people
    assert Office.objects.filter(code="honcho").count() == 1
    assert Certificate.objects.values("serial").distinct().count() == Certificate.objects.count()


def _build_and_roll_back(seed):
    from django.db.models import Max

    after = {
        "residents": Resident.objects.aggregate(m=Max("id"))["m"] or 0,
        "cards": Card.objects.aggregate(m=Max("id"))["m"] or 0,
        "certs": Certificate.objects.aggregate(m=Max("id"))["m"] or 0,
        "apps": Application.objects.aggregate(m=Max("id"))["m"] or 0,
    }
    with transaction.atomic():
        build(residents=40, seed=seed, append=True)
        snap = snapshot(after)
        transaction.set_rollback(True)
    return snap


def test_deterministic_with_seed(city, db):
    first = _build_and_roll_back(42)
    second = _build_and_roll_back(42)
    other = _build_and_roll_back(43)
    assert first == second
    assert first[0] != other[0]


def test_two_processes_build_the_same_city(tmp_path):
    """The large-city path (two processes, SQLite staging copies merged at the end) gives the same
    city as one process, with its history rows and intact foreign keys."""
    import os
    import re
    import shutil
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    template = tmp_path / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{template}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)

    def run(workers):
        path = tmp_path / f"city-{workers}.sqlite3"
        shutil.copy(template, path)
        out = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "demo_city",
                "--residents",
                "230",
                "--batch-size",
                "100",
                "--workers",
                str(workers),
                "--seed",
                "11",
                "--today",
                TODAY.isoformat(),
                "--no-progress",
            ],
            cwd=root,
            env={**env, "DATABASE_URL": f"sqlite:///{path}"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        con = sqlite3.connect(path)
        con.create_function("REGEXP", 2, lambda pattern, value: bool(re.search(pattern, value or "")))
        return out, con

    out, con = run(2)
    assert "2 processes" in out and "merge" in out
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for model in (Resident, Card, Certificate, Application, ProxyAuthorization, IdentityDocument):
        table, hist = model._meta.db_table, model.history.model._meta.db_table
        count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        created = con.execute(f"SELECT count(*) FROM {hist} WHERE history_type = '+'").fetchone()[0]
        assert count > 0 and created == count

    def city_of(con):
        return (
            con.execute(
                "SELECT name, name_kana, birth_date, address_block FROM residents_resident ORDER BY id"
            ).fetchall(),
            con.execute(
                "SELECT serial, kind, issued_on, expires_on, status FROM jpki_certificate ORDER BY id"
            ).fetchall(),
            con.execute(
                "SELECT kind, applicant_type, status, received_at FROM jpki_application ORDER BY id"
            ).fetchall(),
            # the register's history: creation, and the moves within the city dated when they happened
            con.execute(
                "SELECT id, history_type, history_date, address_block FROM residents_historicalresident "
                "ORDER BY id, history_date"
            ).fetchall(),
        )

    parallel = city_of(con)
    assert len(parallel[0]) == 230
    _out, con = run(1)
    assert city_of(con) == parallel


def test_every_demo_resident_has_a_unique_key_that_is_not_an_individual_number(city):
    from residents.safety import looks_like_individual_number

    keys = list(Resident.objects.values_list("resident_key", flat=True))
    assert None not in keys and len(set(keys)) == len(keys) == Resident.objects.count()
    assert not any(looks_like_individual_number(k) for k in keys)
