"""What the resident page may offer now (手続の可否): each procedure is offered only when the rules
allow it today, otherwise shown greyed with the reason. The reasons come from the services' own
checks (``services.issuance_plan`` and the checks the procedures' services run), so that the
screen and the service cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from jpki import rules, services
from jpki.models import Application, Card, Certificate
from jpki.services.counter import _check_initializable, _check_revocable

MSG_SUSPENDED = "カードは一時停止中です（紛失届）。発見の届出またはカードの再交付が必要です。"
MSG_NO_CARD = "有効なマイナンバーカードがありません。カードの交付を先に記録してください。"
MSG_NOT_REGISTERED = "吹田市に住民登録がないため申請できません。"


@dataclass(frozen=True)
class Availability:
    """Whether a procedure can be done now; when not, why (shown on the greyed button)."""

    reason: str = ""

    def __bool__(self) -> bool:
        return not self.reason


OK = Availability()


def refused(*reasons: str) -> Availability:
    unique = list(dict.fromkeys(str(r) for r in reasons if r))
    return Availability("／".join(unique))


def needs_legal_representative(resident) -> bool:
    on = timezone.localdate()
    return rules.age_on(resident.birth_date, max(on, resident.birth_date)) < rules.SIGNING_CERTIFICATE_MIN_AGE or bool(
        resident.is_adult_ward
    )


def issuable(resident, card: Card | None, *, applicant_type: str | None = None) -> dict[str, str]:
    """Certificate kind -> why it cannot be issued (or renewed) today, "" when it can (issuance_plan)."""
    if applicant_type is None:
        applicant_type = (
            Application.ApplicantType.LEGAL if needs_legal_representative(resident) else Application.ApplicantType.SELF
        )
    keys = ("resident", "card", "applicant_type")
    out = {}
    for kind in (Certificate.Kind.SIGNING, Certificate.Kind.USER):
        plan = services.issuance_plan(
            resident=resident,
            signing=kind == Certificate.Kind.SIGNING,
            user=kind == Certificate.Kind.USER,
            on=timezone.localdate(),
            card=card,
            applicant_type=applicant_type,
        )
        messages = [m for key in (*keys, str(kind)) for m in plan.refusals.get(key, [])]
        out[str(kind)] = messages[0] if messages else ""
    return out


def issue_availability(resident, card, *, applicant_type: str | None = None) -> Availability:
    if not resident.is_registered:
        return refused(MSG_NOT_REGISTERED)
    if card is None:
        return refused(MSG_NO_CARD)
    reasons = issuable(resident, card, applicant_type=applicant_type)
    if all(reasons.values()):
        return refused(*reasons.values())
    return OK


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def revoke_availability(resident, card, valid) -> Availability:
    if card is None:
        return refused(MSG_NO_CARD)
    if card.status == Card.Status.SUSPENDED:
        return refused(MSG_SUSPENDED)
    try:
        _check_revocable(valid, True, True)
    except ValidationError as exc:
        errors = _messages(exc)
        if "signing" in errors and "user" in errors:
            return refused("有効な電子証明書がありません。")
    return OK


def password_init_availability(resident, card, valid) -> Availability:
    if card is not None and card.status == Card.Status.SUSPENDED:
        return refused(MSG_SUSPENDED)
    try:
        _check_initializable(resident, card, True, True)
    except ValidationError as exc:
        errors = _messages(exc)
        for key in ("resident", "card"):
            if key in errors:
                return refused(*errors[key])
        if "signing" in errors and "user" in errors:
            return refused("有効な電子証明書がないため初期化できません（新規発行になります）。")
    return OK
