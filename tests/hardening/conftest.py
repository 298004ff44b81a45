"""Fixtures of the hardening tests: a small world with one row of every kind, built by services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jpki import services
from jpki.models import RecordView
from jpki.services import DocumentShown
from tests.conftest import at
from tests.factories import ResidentFactory, UserFactory

from .urlwalk import World

NOW = at(2026, 11, 25, 10, 5)  # a Wednesday, counter open
LICENCE_NUMBER = "第 1234 5678 9012 号"


def build_world(clerk, supervisor) -> World:
    """One row of every domain model, written the way the counter writes them (services)."""
    world = World()
    hanako = ResidentFactory()
    card = services.card_issue(resident=hanako, actor=clerk, reason="カード交付", issued_on=dt.date(2024, 6, 10))
    app = services.certificates_issue(
        resident=hanako,
        actor=clerk,
        reason="窓口で新規発行",
        signing=True,
        user=True,
        at=NOW,
        documents=[DocumentShown("resident", "mynumber_card", "吹田市長", "1234 5678 9012")],
    )
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    services.card_issue(resident=kiyo, actor=clerk, reason="カード交付", issued_on=dt.date(2023, 3, 1))
    proxy_app = services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="代理人申請（1回目）",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="大阪府吹田市山田東1丁目1番1号",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=NOW,
        proxy_document=DocumentShown("proxy", "driving_licence", "大阪府公安委員会", LICENCE_NUMBER),
    )
    services.proxy_letter_sent(application=proxy_app, actor=clerk, reason="簡易書留で発送", at=at(2026, 11, 25, 17))
    RecordView.objects.create(user=supervisor, resident=hanako, office=clerk.staff_profile.office, path="/admin/")
    target = UserFactory(username="target-clerk", password="!")  # no hashing: faster
    for obj in (
        hanako,
        card,
        app,
        app.certificates.first(),
        app.identity_documents.first(),
        proxy_app.proxy,
        clerk.staff_profile,
        clerk.staff_profile.office,
        target,
    ):
        world.add(obj)
    world.add(kiyo)
    world.add(proxy_app)
    world.hanako, world.kiyo, world.card, world.application = hanako, kiyo, card, app
    world.proxy_application = proxy_app
    world.target_user = target
    world.queries = [f"?application={proxy_app.pk}"]
    from letters import services as letter_services

    world.letter = world.add(
        letter_services.letter_create(
            kind="inquiry",
            application=proxy_app,
            actor=clerk,
            reason="照会書の作成",
            at=at(2026, 11, 25, 16),
            render_now=False,
        )
    )
    return world


@pytest.fixture
def world(db, clerk, supervisor):
    return build_world(clerk, supervisor)


@pytest.fixture
def superuser(db, office):
    return UserFactory(username="root-admin", is_superuser=True, office=office)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run only when the default database is PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and str(item.fspath).find("/hardening/") != -1:
            item.add_marker(skip)
