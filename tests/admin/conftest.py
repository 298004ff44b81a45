"""Shared fixtures for the admin tests: role-scoped staff (not superusers), a fixed counter time."""

import datetime as dt
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jpki import services
from tests.factories import CardFactory, ResidentFactory

TOKYO = ZoneInfo("Asia/Tokyo")
OPEN_NOW = dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO)  # Wednesday, counter open
CLOSED_NOW = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)  # Saturday


@contextmanager
def frozen(moment):
    """Pin django.utils.timezone.now (views, forms and services all read the clock through it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def counter_open():
    with frozen(OPEN_NOW):
        yield OPEN_NOW


@pytest.fixture
def counter_closed():
    with frozen(CLOSED_NOW):
        yield CLOSED_NOW


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def supervisor_client(supervisor):
    from django.test import Client

    client = Client()  # its own session, so a test can use a clerk and a supervisor side by side
    client.force_login(supervisor)
    return client


@pytest.fixture
def hanako(db):
    """山田花子 with a My Number card (scenario 1)."""
    resident = ResidentFactory()
    CardFactory(resident=resident)
    return resident


def make_residents(n, *, with_certificates=True, actor=None):
    """n residents with a card (and both certificates through the service)."""
    made = []
    for i in range(n):
        r = ResidentFactory(name=f"テスト　{i:03d}", name_kana=f"テスト　{i:03d}")
        CardFactory(resident=r)
        if with_certificates and actor is not None:
            services.certificates_issue(resident=r, actor=actor, reason="test", signing=True, user=True, at=OPEN_NOW)
        made.append(r)
    return made


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    return response, len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def long_sessions(settings):
    """Tests move the clock by days; keep the idle-timeout session alive across that."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600
