"""Fixtures for the letters tests: staff, an office, a resident with register characters (髙橋, 𠮷),
a card and a proxy application at visit 1 (made through jpki.services like the counter does)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from tests.conftest import at
from tests.factories import CardFactory, OfficeFactory, ResidentFactory, UserFactory

VISIT1 = at(2026, 11, 24, 10, 5)  # a Tuesday, counter open


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def roles(db):
    """Make sure the two staff roles carry the letters permissions.

    jpki.apps connects its post_migrate receiver as a weak reference to a local function, which can be
    garbage-collected before migrate ends; then the roles lack the letters permissions in a new database.
    Calling sync_roles here is idempotent (reported to the lead).
    """
    from jpki.roles import sync_roles

    sync_roles()


@pytest.fixture
def clerk(roles, office):
    return UserFactory(username="letters-clerk", office=office)


@pytest.fixture
def outsider(db):
    """Logged-in staff account without any letters permission."""
    return User.objects.create_user("outsider", password="outsider-pass-2026", is_staff=True)


@pytest.fixture
def resident(db):
    return ResidentFactory(
        name="髙橋　𠮷太郎",
        name_kana="タカハシ　ヨシタロウ",
        birth_date=dt.date(1980, 5, 17),
        postal_code="564-0041",
        address_town="大阪府吹田市泉町",
        address_block="2丁目17番4号",
        address_building="山﨑ハイツ203号室",
    )


@pytest.fixture
def card(resident):
    return CardFactory(resident=resident, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 5, 17))


@pytest.fixture
def proxy_application(card, clerk, office):
    from tests.letters.mailing_world import visit1

    return visit1(card.resident, clerk, office)


@pytest.fixture
def inquiry(proxy_application, clerk):
    from letters import services

    return services.letter_create(
        kind="inquiry", application=proxy_application, actor=clerk, reason="照会書の作成", at=at(2026, 11, 24, 15, 0)
    )
