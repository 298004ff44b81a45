"""Same-day counter procedures on cards and certificates: card issue, loss and finding, issuance and
renewal, revocation, password initialization, reissue with a new card."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _t

from jpki import rules
from jpki.models import Application, Card, Certificate, Office
from residents.models import Resident
from residents.recording import now as _now
from residents.recording import require_reason as _require_reason
from residents.recording import save as _save

from .base import (
    REASON_CARD_REISSUE,
    REASON_LOSS,
    _atomic_domain_write,
    _check_card_issue_date,
    _check_legal_authority,
    _issue_certificates,
    _local_date,
    _lock_resident,
    _new_application,
    _record_documents,
    _resolve_office,
    _revoke,
    _same_day_start,
    active_card,
    counter_hours,
    issuance_plan,
    valid_certificates,
)

# Procedure names: Japanese by nature (stored in the outside-hours records).
PROCEDURE_CARD_ISSUE = "マイナンバーカードの交付"
PROCEDURE_CARD_LOST = "カードの紛失届"
PROCEDURE_CARD_FOUND = "カードの発見届"

# --- cards ----------------------------------------------------------------------------------------


@_atomic_domain_write
def card_issue(
    *,
    resident: Resident,
    actor,
    reason: str,
    issued_on: date,
    kind: str = Card.Kind.MYNUMBER,
    office: Office | None = None,
    face_authentication_only: bool = False,
    outside_hours_confirmed: bool | None = None,
) -> Card:
    """Record the delivery of a card (カード交付). Expiry from the rules. At the counter (a bool for
    ``outside_hours_confirmed``) the counter hours apply (:func:`~jpki.services.base.counter_hours`)."""
    reason = _require_reason(reason)
    resident = _lock_resident(resident)
    counter_hours(
        at=timezone.now(),
        outside_hours_confirmed=outside_hours_confirmed,
        procedure=PROCEDURE_CARD_ISSUE,
        resident=resident,
        actor=actor,
        reason=reason,
    )
    if not resident.is_registered:
        raise ValidationError({"resident": _t("吹田市に住民登録がないためカードを交付できません。")})
    if active_card(resident) is not None:
        raise ValidationError(
            {"resident": _t("この住民には既に有効なカードがあります。紛失・返納を先に記録してください。")}
        )
    if kind == Card.Kind.JUKI:
        raise ValidationError({"kind": _t("住基カードの交付は終了しています。")})
    _check_card_issue_date(resident, issued_on, timezone.now())
    stay = resident.period_of_stay_ends_on if resident.stay_limits_card else None
    expires_on = rules.card_expiry(issued_on=issued_on, birth_date=resident.birth_date, period_of_stay_ends_on=stay)
    if expires_on <= issued_on:
        raise ValidationError({"issued_on": _t("在留期間の満了日が交付日以前のため、カードを交付できません。")})
    card = Card(
        resident=resident,
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
        status=Card.Status.ACTIVE,
        status_changed_at=timezone.now(),
        office=_resolve_office(actor, office),
        face_authentication_only=face_authentication_only,
    )
    return _save(card, actor, reason)


@_atomic_domain_write
def card_report_lost(
    *, card: Card, actor, reason: str, at: datetime | None = None, outside_hours_confirmed: bool | None = None
) -> Card:
    """Loss report (紛失届): the card is suspended and its signing certificate revoked."""
    reason = _require_reason(reason)
    at = _now(at)
    card = Card.objects.select_for_update().get(pk=card.pk)
    counter_hours(
        at=at,
        outside_hours_confirmed=outside_hours_confirmed,
        procedure=PROCEDURE_CARD_LOST,
        resident=card.resident,
        actor=actor,
        reason=reason,
    )
    if card.status != Card.Status.ACTIVE:
        raise ValidationError(
            {
                "card": _t("このカードは「%(status)s」のため紛失届を記録できません。")
                % {"status": card.get_status_display()}
            }
        )
    for cert in Certificate.objects.select_for_update().filter(
        card=card, kind=Certificate.Kind.SIGNING, status=Certificate.Status.VALID
    ):
        _revoke(cert, at=at, reason_text=REASON_LOSS, actor=actor, reason=reason)
    card.status = Card.Status.SUSPENDED
    card.status_changed_at = at
    return _save(card, actor, reason)


@_atomic_domain_write
def card_report_found(
    *, card: Card, actor, reason: str, at: datetime | None = None, outside_hours_confirmed: bool | None = None
) -> Card:
    """The card was found (発見届): the suspension is lifted. A revoked signing certificate stays revoked."""
    reason = _require_reason(reason)
    at = _now(at)
    card = Card.objects.select_for_update().get(pk=card.pk)
    counter_hours(
        at=at,
        outside_hours_confirmed=outside_hours_confirmed,
        procedure=PROCEDURE_CARD_FOUND,
        resident=card.resident,
        actor=actor,
        reason=reason,
    )
    if card.status != Card.Status.SUSPENDED:
        raise ValidationError({"card": _t("一時停止中のカードではありません。")})
    if card.expires_on < _local_date(at):
        raise ValidationError({"card": _t("カードの有効期限が過ぎているため一時停止を解除できません。")})
    card.status = Card.Status.ACTIVE
    card.status_changed_at = at
    return _save(card, actor, reason)


# --- certificates ---------------------------------------------------------------------------------


@_atomic_domain_write
def certificates_issue(
    *,
    resident: Resident,
    actor,
    reason: str,
    signing: bool,
    user: bool,
    applicant_type: str = Application.ApplicantType.SELF,
    office: Office | None = None,
    at: datetime | None = None,
    documents=(),
    legal_authority_document: str = "",
    legal_authority_issued_on: date | None = None,
    certificate_name: str | None = None,
    certificate_address: str | None = None,
    outside_hours_confirmed: bool = False,
) -> Application:
    """New issuance or renewal (新規発行・更新) for the resident or a legal representative, same day."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason,
        at=at,
        applicant_type=applicant_type,
        outside_hours_confirmed=outside_hours_confirmed,
        actor=actor,
        office=office,
        resident=resident,
    )
    on = _local_date(at)
    card = active_card(resident, for_update=True)
    plan = issuance_plan(resident=resident, signing=signing, user=user, on=on, applicant_type=applicant_type, card=card)
    plan.raise_if_refused()
    legal = {
        "legal_authority_document": legal_authority_document,
        "legal_authority_issued_on": legal_authority_issued_on,
    }
    _check_legal_authority(legal, on, applicant_type, documents)
    app = _new_application(
        kind=plan.kind,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        status=Application.Status.COMPLETED,
        signing_requested=bool(signing),
        user_requested=bool(user),
        outside_counter_hours=flag,
        completed_at=at,
        **legal,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _issue_certificates(
        application=app,
        plan=plan,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        certificate_name=certificate_name,
        certificate_address=certificate_address,
    )
    return app


@_atomic_domain_write
def certificates_revoke(
    *,
    resident: Resident,
    actor,
    reason: str,
    signing: bool,
    user: bool,
    applicant_type: str = Application.ApplicantType.SELF,
    office: Office | None = None,
    at: datetime | None = None,
    documents=(),
    outside_hours_confirmed: bool = False,
) -> Application:
    """Revocation at the resident's request (失効申請)."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason,
        at=at,
        applicant_type=applicant_type,
        outside_hours_confirmed=outside_hours_confirmed,
        actor=actor,
        office=office,
        resident=resident,
    )
    card = active_card(resident, for_update=True)
    current = valid_certificates(card)
    _check_revocable(current, signing, user)
    app = _new_application(
        kind=Application.Kind.REVOCATION,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        status=Application.Status.COMPLETED,
        signing_requested=bool(signing),
        user_requested=bool(user),
        outside_counter_hours=flag,
        completed_at=at,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _revoke_requested(current, signing, user, at=at, actor=actor, reason=reason)
    return app


def _check_revocable(current: dict, signing: bool, user: bool) -> None:
    if not signing and not user:
        raise ValidationError({"signing": _t("失効させる電子証明書を選択してください。")})
    errors = {}
    if signing and Certificate.Kind.SIGNING not in current:
        errors["signing"] = _t("有効な署名用電子証明書がありません。")
    if user and Certificate.Kind.USER not in current:
        errors["user"] = _t("有効な利用者証明用電子証明書がありません。")
    if errors:
        raise ValidationError(errors)


def _revoke_requested(current: dict, signing: bool, user: bool, *, at, actor, reason) -> None:
    for kind, wanted in ((Certificate.Kind.SIGNING, signing), (Certificate.Kind.USER, user)):
        if wanted:
            _revoke(current[kind], at=at, reason_text="本人からの失効申請", actor=actor, reason=reason)


@_atomic_domain_write
def passwords_initialize(
    *,
    resident: Resident,
    actor,
    reason: str,
    signing: bool,
    user: bool,
    applicant_type: str = Application.ApplicantType.SELF,
    office: Office | None = None,
    at: datetime | None = None,
    documents=(),
    outside_hours_confirmed: bool = False,
) -> Application:
    """Password initialization (暗証番号初期化). The new password is set on the terminal; never recorded."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason,
        at=at,
        applicant_type=applicant_type,
        outside_hours_confirmed=outside_hours_confirmed,
        actor=actor,
        office=office,
        resident=resident,
    )
    card = active_card(resident, for_update=True)
    _check_initializable(resident, card, signing, user)
    app = _new_application(
        kind=Application.Kind.PASSWORD_INIT,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        status=Application.Status.COMPLETED,
        signing_requested=bool(signing),
        user_requested=bool(user),
        outside_counter_hours=flag,
        completed_at=at,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    return app


def _check_initializable(resident, card, signing, user) -> None:
    if not resident.is_registered:
        raise ValidationError({"resident": _t("吹田市に住民登録がないため申請できません。")})
    if card is None or card.status != Card.Status.ACTIVE:
        raise ValidationError({"card": _t("有効なマイナンバーカードがありません。")})
    if not signing and not user:
        raise ValidationError({"signing": _t("初期化する暗証番号を選択してください。")})
    current = valid_certificates(card)
    errors = {}
    if signing and Certificate.Kind.SIGNING not in current:
        errors["signing"] = _t("有効な署名用電子証明書がないため初期化できません（新規発行になります）。")
    if user and Certificate.Kind.USER not in current:
        errors["user"] = _t("有効な利用者証明用電子証明書がないため初期化できません（新規発行になります）。")
    if errors:
        raise ValidationError(errors)


@_atomic_domain_write
def card_reissue(
    *,
    resident: Resident,
    actor,
    reason: str,
    issued_on: date,
    signing: bool,
    user: bool,
    fee_paid: bool,
    fee_receipt_number: str = "",
    office: Office | None = None,
    at: datetime | None = None,
    documents=(),
    old_card_status: str = Card.Status.LOST,
    outside_hours_confirmed: bool = False,
    applicant_type: str = Application.ApplicantType.SELF,
    legal_authority_document: str = "",
    legal_authority_issued_on: date | None = None,
) -> Application:
    """Reissue with a new card (再交付に伴う再発行): the old card ends, its certificates lapse, new ones
    go onto the new card for the fee (200 yen each, 200 yen for both together)."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason,
        at=at,
        applicant_type=applicant_type,
        outside_hours_confirmed=outside_hours_confirmed,
        actor=actor,
        office=office,
        resident=resident,
    )
    on = _local_date(at)
    _check_card_issue_date(resident, issued_on, at)
    if old_card_status not in (Card.Status.LOST, Card.Status.RETURNED, Card.Status.REVOKED):
        raise ValidationError({"old_card_status": _t("旧カードの扱いを選択してください（紛失・返納・廃止）。")})
    plan = issuance_plan(
        resident=resident,
        signing=signing,
        user=user,
        on=on,
        reissue=True,
        new_card_issued_on=issued_on,
        applicant_type=applicant_type,
    )
    plan.raise_if_refused()
    if plan.fee and not fee_paid:
        raise ValidationError({"fee_paid": _t("手数料%(fee)s円の収納を確認してください。") % {"fee": plan.fee}})
    legal = {
        "legal_authority_document": legal_authority_document,
        "legal_authority_issued_on": legal_authority_issued_on,
    }
    _check_legal_authority(legal, on, applicant_type, documents)
    old = active_card(resident, for_update=True)
    if old is not None:
        for cert in Certificate.objects.select_for_update().filter(card=old, status=Certificate.Status.VALID):
            _revoke(cert, at=at, reason_text=REASON_CARD_REISSUE, actor=actor, reason=reason)
        old.status = old_card_status
        old.status_changed_at = at
        _save(old, actor, reason)
    card = Card(
        resident=resident,
        kind=Card.Kind.MYNUMBER,
        issued_on=issued_on,
        expires_on=plan.card_expires_on,
        status=Card.Status.ACTIVE,
        status_changed_at=at,
        office=office,
    )
    _save(card, actor, reason)
    plan.card = card
    app = _new_application(
        kind=Application.Kind.REISSUE,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        status=Application.Status.COMPLETED,
        signing_requested=bool(signing),
        user_requested=bool(user),
        fee_due=plan.fee,
        fee_paid=bool(fee_paid) if plan.fee else False,
        fee_receipt_number=(fee_receipt_number or "")[:40],
        outside_counter_hours=flag,
        completed_at=at,
        **legal,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _issue_certificates(
        application=app, plan=plan, resident=resident, card=card, office=office, at=at, actor=actor, reason=reason
    )
    return app
