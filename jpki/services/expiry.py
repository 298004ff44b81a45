"""Certificates whose validity ran out are marked expired (the nightly job)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from jpki.models import Card, Certificate

from .base import (
    REASON_EXPIRED,
)

# --- expiry -------------------------------------------------------------------------------------------


def expire_due(*, on: date, actor=None, batch_size: int = 2000) -> tuple[int, int]:
    """Move cards and certificates past their expiry day to the expired state. Idempotent.

    Valid until the expiry day inclusive; expired from the next day. Returns (cards, certificates).
    """
    reason = REASON_EXPIRED
    now = timezone.now()
    cards_done = certs_done = 0
    with transaction.atomic():
        while True:
            cards = list(
                Card.objects.select_for_update()
                .filter(status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED], expires_on__lt=on)
                .order_by("pk")[:batch_size]
            )
            if not cards:
                break
            for card in cards:
                card.status = Card.Status.EXPIRED
                card.status_changed_at = now
            bulk_update_with_history(
                cards, Card, ["status", "status_changed_at"], default_user=actor, default_change_reason=reason
            )
            cards_done += len(cards)
        while True:
            certs = list(
                Certificate.objects.select_for_update()
                .filter(status=Certificate.Status.VALID, expires_on__lt=on)
                .order_by("pk")[:batch_size]
            )
            if not certs:
                break
            for cert in certs:
                cert.status = Certificate.Status.EXPIRED
            bulk_update_with_history(certs, Certificate, ["status"], default_user=actor, default_change_reason=reason)
            certs_done += len(certs)
        # Certificates still marked valid on a card that has ended lapse with it.
        while True:
            certs = list(
                Certificate.objects.select_for_update()
                .filter(status=Certificate.Status.VALID, card__status=Card.Status.EXPIRED)
                .order_by("pk")[:batch_size]
            )
            if not certs:
                break
            for cert in certs:
                cert.status = Certificate.Status.EXPIRED
            bulk_update_with_history(
                certs, Certificate, ["status"], default_user=actor, default_change_reason="カードの有効期限の到来"
            )
            certs_done += len(certs)
    return cards_done, certs_done
