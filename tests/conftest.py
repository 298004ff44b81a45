import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import CardFactory, OfficeFactory, ResidentFactory, SupervisorFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")


def at(year, month, day, hour=10, minute=5):
    """An aware moment in Tokyo (counter time)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def japanese_by_default():
    """Each test starts in the site's language: a request in English (LocaleMiddleware activates the
    language for the thread) must not leave the next test's messages in English."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings):
    """Background tasks (a batch's PDF) run in the calling thread, as they are enqueued; a test that needs
    the database backend and a worker says so (tests/letters/test_batch_faults.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def branch(db):
    return OfficeFactory(code="senriyama", name="千里山出張所", kind="branch")


@pytest.fixture
def clerk(db, office):
    return UserFactory(username="clerk", office=office)


@pytest.fixture
def supervisor(db, office):
    return SupervisorFactory(username="supervisor", office=office)


@pytest.fixture
def resident(db):
    return ResidentFactory()


@pytest.fixture
def card(resident):
    return CardFactory(resident=resident)
