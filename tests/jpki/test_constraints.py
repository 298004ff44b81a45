"""The database guards the invariants itself: not even a raw save can break them."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jpki.models import Card, Certificate
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def raises_integrity(fn):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            fn()


def test_one_valid_certificate_per_kind_per_card(card):
    CertificateFactory(card=card, kind="signing")
    raises_integrity(lambda: CertificateFactory(card=card, kind="signing"))
    CertificateFactory(card=card, kind="user")  # the other kind is fine
    CertificateFactory(card=card, kind="signing", status="revoked", revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_one_active_card_per_resident(resident):
    CardFactory(resident=resident)
    raises_integrity(lambda: CardFactory(resident=resident))
    CardFactory(resident=resident, status=Card.Status.EXPIRED)


def test_suspended_card_counts_as_active(resident):
    CardFactory(resident=resident, status=Card.Status.SUSPENDED)
    raises_integrity(lambda: CardFactory(resident=resident))


def test_expiry_after_issue():
    res = ResidentFactory()
    raises_integrity(lambda: CardFactory(resident=res, issued_on=dt.date(2026, 1, 1), expires_on=dt.date(2026, 1, 1)))
    card = CardFactory(resident=res)
    raises_integrity(
        lambda: CertificateFactory(card=card, issued_on=dt.date(2026, 1, 1), expires_on=dt.date(2025, 1, 1))
    )


def test_revoked_needs_time(card):
    raises_integrity(lambda: CertificateFactory(card=card, status=Certificate.Status.REVOKED))
    raises_integrity(
        lambda: CertificateFactory(card=card, status="valid", revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    )


def test_postal_code_format():
    raises_integrity(lambda: ResidentFactory(postal_code="5648550"))


def test_model_validation_reports_constraint_in_japanese(resident):
    CardFactory(resident=resident)
    duplicate = Card(resident=resident, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2030, 1, 1))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "既に有効なカード" in str(exc.value)
