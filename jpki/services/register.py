"""Register events with certificate consequences: one service calls the register's service
(``residents.services``) and applies the consequences in the same transaction."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jpki.models import Card, Certificate
from residents import services as register
from residents.models import Resident
from residents.recording import MSG_CONCURRENT
from residents.recording import now as _now
from residents.recording import require_reason as _require_reason
from residents.recording import save as _save

from .base import (
    REASON_BASIC_INFO_CHANGE,
    REASON_DEPARTURE,
    _revoke,
)

# --- register events that touch certificates -------------------------------------------------------


def revoke_signing_for_basic_info_change(*, resident: Resident, at: datetime, actor, reason: str) -> list[Certificate]:
    """A change of the 基本4情報 revokes the signing certificate; the user certificate survives."""
    revoked = []
    for cert in Certificate.objects.select_for_update().filter(
        card__resident=resident, kind=Certificate.Kind.SIGNING, status=Certificate.Status.VALID
    ):
        revoked.append(_revoke(cert, at=at, reason_text=REASON_BASIC_INFO_CHANGE, actor=actor, reason=reason))
    return revoked


def end_certificates_for_departure(
    *, resident: Resident, status: str, at: datetime, actor, reason: str
) -> list[Certificate]:
    """Removal from the register: the signing certificate is revoked. On death or moving abroad the
    card itself ends, and with it the user certificate."""
    text = REASON_DEPARTURE.get(status, "住民登録の消除")
    revoked = []
    ends_card = status in (Resident.Status.DECEASED, Resident.Status.MOVED_ABROAD, Resident.Status.REMOVED)
    for cert in Certificate.objects.select_for_update().filter(
        card__resident=resident, status=Certificate.Status.VALID
    ):
        if cert.kind == Certificate.Kind.SIGNING or ends_card:
            revoked.append(_revoke(cert, at=at, reason_text=text, actor=actor, reason=reason))
    if ends_card:
        for card in Card.objects.select_for_update().filter(
            resident=resident, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED]
        ):
            card.status = Card.Status.REVOKED
            card.status_changed_at = at
            _save(card, actor, reason)
    return revoked


def resident_change_basic_info(*, resident: Resident, actor, reason: str, at: datetime | None = None, **changes):
    """Record a change of the register (address move, name change ...). A change of any of the
    基本4情報 revokes the signing certificate; the user certificate survives. Returns what was revoked."""
    reason = _require_reason(reason)
    at = _now(at)
    try:
        with transaction.atomic():
            current, changed = register.register_change(resident=resident, actor=actor, reason=reason, **changes)
            revoked = []
            if changed & set(register.BASIC_INFO_FIELDS):
                revoked = revoke_signing_for_basic_info_change(resident=current, at=at, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": MSG_CONCURRENT}) from exc
    resident.refresh_from_db()
    return revoked


def resident_record_departure(
    *, resident: Resident, status: str, on: date, actor, reason: str, at: datetime | None = None
):
    """Death, moving out (転出), moving abroad (国外転出) or removal: the signing certificate is revoked;
    on death or moving abroad the card ends and the user certificate with it."""
    reason = _require_reason(reason)
    at = _now(at)
    try:
        with transaction.atomic():
            current = register.register_departure(
                resident=resident, status=status, on=on, actor=actor, reason=reason, at=at
            )
            revoked = end_certificates_for_departure(resident=current, status=status, at=at, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": MSG_CONCURRENT}) from exc
    resident.refresh_from_db()
    return revoked
