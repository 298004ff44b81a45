"""Register events with certificate consequences: one service calls the register's service
(``residents.services``) and applies the consequences in the same transaction."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from jpki import rules
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
    _local_date,
    _revoke,
    active_card,
    counter_hours,
)

# Procedure names: Japanese by nature (stored in the outside-hours records).
PROCEDURE_BASIC_INFO = "基本4情報の変更"
PROCEDURE_DEPARTURE = "住民記録の消除"
PROCEDURE_MOVE_IN = "転入（手入力）"
PROCEDURE_CARD_VALIDITY = "カードの有効期間の変更"
MSG_CARD_EXPIRED = _lazy("カードの有効期限（%(day)s）が過ぎています。カードの再交付が必要です。")
MSG_NO_VALIDITY_CHANGE = _lazy(
    "在留期間が延長されていないため、有効期間の変更はできません（住民記録の在留期間を確認してください）。"
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
            _save(card, actor, reason)
    return revoked


def resident_change_basic_info(
    *,
    resident: Resident,
    actor,
    reason: str,
    at: datetime | None = None,
    outside_hours_confirmed: bool | None = None,
    **changes,
):
    """Record a change of the register (address move, name change ...). A change of any of the
    基本4情報 revokes the signing certificate; the user certificate survives. Returns what was revoked.
    At the counter (a bool for ``outside_hours_confirmed``) the counter hours apply."""
    reason = _require_reason(reason)
    at = _now(at)
    try:
        with transaction.atomic():
            current, changed = register.register_change(resident=resident, actor=actor, reason=reason, **changes)
            counter_hours(
                at=at,
                outside_hours_confirmed=outside_hours_confirmed,
                procedure=PROCEDURE_BASIC_INFO,
                resident=current,
                actor=actor,
                reason=reason,
            )
            revoked = []
            if changed & set(register.BASIC_INFO_FIELDS):
                revoked = revoke_signing_for_basic_info_change(resident=current, at=at, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc
    resident.refresh_from_db()
    return revoked


def resident_record_departure(
    *,
    resident: Resident,
    status: str,
    on: date,
    actor,
    reason: str,
    at: datetime | None = None,
    outside_hours_confirmed: bool | None = None,
):
    """Death, moving out (転出), moving abroad (国外転出) or removal: the signing certificate is revoked;
    on death or moving abroad the card ends and the user certificate with it. At the counter (a bool
    for ``outside_hours_confirmed``) the counter hours apply."""
    reason = _require_reason(reason)
    at = _now(at)
    try:
        with transaction.atomic():
            current = register.register_departure(
                resident=resident, status=status, on=on, actor=actor, reason=reason, at=at
            )
            counter_hours(
                at=at,
                outside_hours_confirmed=outside_hours_confirmed,
                procedure=PROCEDURE_DEPARTURE,
                resident=current,
                actor=actor,
                reason=reason,
            )
            revoked = end_certificates_for_departure(resident=current, status=status, at=at, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc
    resident.refresh_from_db()
    return revoked


def resident_move_in_at_counter(
    *,
    actor,
    reason: str,
    resident_key: str,
    on: date,
    at: datetime | None = None,
    outside_hours_confirmed: bool | None = None,
    **fields,
) -> Resident:
    """転入 by hand at the counter (the feed is late and the person stands there): the register's
    service :func:`residents.services.resident_move_in` and the counter hours, in one transaction."""
    reason = _require_reason(reason)
    at = _now(at)
    with transaction.atomic():
        resident = register.resident_move_in(actor=actor, reason=reason, resident_key=resident_key, on=on, **fields)
        counter_hours(
            at=at,
            outside_hours_confirmed=outside_hours_confirmed,
            procedure=PROCEDURE_MOVE_IN,
            resident=resident,
            actor=actor,
            reason=reason,
        )
    return resident


# --- card validity change (有効期間の変更) -------------------------------------------------------------


def card_validity_new_expiry(resident: Resident, card: Card | None) -> date | None:
    """The card's new last day after the period of stay was extended (or became permanent), when it is
    later than the card's current one; else None (no change due). Capped as for a new card: the 10th
    (5th under 18) birthday after the card's issue, and the new end of stay unless permanent."""
    if card is None or card.kind != Card.Kind.MYNUMBER or not resident.residence_status:
        return None  # only a foreign resident's card is capped by a period of stay
    stay = resident.period_of_stay_ends_on if resident.stay_limits_card else None
    expires = rules.card_expiry(issued_on=card.issued_on, birth_date=resident.birth_date, period_of_stay_ends_on=stay)
    return expires if expires > card.expires_on else None


def card_validity_change(
    *,
    resident: Resident,
    actor,
    reason: str,
    at: datetime | None = None,
    outside_hours_confirmed: bool | None = None,
) -> Card:
    """有効期間の変更: a foreign resident's period of stay was extended and the resident brings the card;
    its expiry moves to the new end (:func:`card_validity_new_expiry`). Certificates capped by the old
    end stay as they are; new ones can then be issued up to the new end."""
    reason = _require_reason(reason)
    at = _now(at)
    try:
        with transaction.atomic():
            current = Resident.objects.select_for_update().get(pk=resident.pk)
            if not current.is_registered:
                raise ValidationError(
                    {
                        "__all__": _t("住民登録がないため変更できません（%(status)s）。")
                        % {"status": current.get_status_display()}
                    }
                )
            card = active_card(current, for_update=True)
            if card is None or card.status != Card.Status.ACTIVE:
                raise ValidationError({"__all__": _t("有効なマイナンバーカードがありません（一時停止中を含む）。")})
            if card.expires_on < _local_date(at):
                raise ValidationError({"__all__": MSG_CARD_EXPIRED % {"day": f"{card.expires_on:%Y-%m-%d}"}})
            new_expiry = card_validity_new_expiry(current, card)
            if new_expiry is None:
                raise ValidationError({"__all__": MSG_NO_VALIDITY_CHANGE})
            counter_hours(
                at=at,
                outside_hours_confirmed=outside_hours_confirmed,
                procedure=PROCEDURE_CARD_VALIDITY,
                resident=current,
                actor=actor,
                reason=reason,
            )
            card.expires_on = new_expiry
            _save(card, actor, reason)
    except IntegrityError as exc:
        raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc
    resident.refresh_from_db()
    return card
