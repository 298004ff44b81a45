"""The counter's own set-up: offices (窓口) and which office a staff account works at (職員の所属).

Edited by supervisors and administrators in the admin; like every other write, each change goes
through one of these services and leaves a history row with the acting user and the reason.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from jpki.models import Office, StaffProfile
from residents.recording import require_reason as _require_reason
from residents.recording import save as _save

from .base import _atomic_domain_write

MSG_OFFICE_INACTIVE = _lazy("使用中でない窓口には所属させられません。")
MSG_PROFILE_USER_FIXED = _lazy("所属の記録の職員は変更できません。その職員の所属を新しく登録してください。")


def _locked(model, instance):
    """The row of ``instance`` locked for this transaction (a new instance: nothing to lock)."""
    if instance is not None and instance.pk is not None:
        return model.objects.select_for_update().get(pk=instance.pk)
    return None


@_atomic_domain_write
def office_save(
    *,
    actor,
    reason: str,
    code: str,
    name: str,
    kind: str = Office.Kind.BRANCH,
    postal_code: str = "",
    address: str = "",
    phone: str = "",
    is_active: bool = True,
    instance: Office | None = None,
) -> Office:
    """Add an office (``instance`` None or unsaved) or change one (``instance``): its code, name,
    kind, address and phone, and whether it is in use (an office is deactivated, never deleted)."""
    reason = _require_reason(reason)
    _locked(Office, instance)
    office = instance if instance is not None else Office()
    office.code = (code or "").strip()
    office.name = (name or "").strip()
    office.kind = kind
    office.postal_code = (postal_code or "").strip()
    office.address = (address or "").strip()
    office.phone = (phone or "").strip()
    office.is_active = bool(is_active)
    office.full_clean()
    return _save(office, actor, reason)


@_atomic_domain_write
def staff_profile_save(
    *,
    actor,
    reason: str,
    user,
    office: Office,
    instance: StaffProfile | None = None,
) -> StaffProfile:
    """Assign a staff account to an office (``instance`` None or unsaved) or move it to another
    office (``instance``). A new assignment goes to an office in use only."""
    reason = _require_reason(reason)
    current = _locked(StaffProfile, instance)
    errors: dict[str, list[str]] = {}
    if user is None or not isinstance(user, get_user_model()):
        errors.setdefault("user", []).append(_t("職員を選択してください。"))
    elif current is not None and current.user_id != user.pk:
        errors.setdefault("user", []).append(MSG_PROFILE_USER_FIXED)
    if office is None:
        errors.setdefault("office", []).append(_t("所属窓口を選択してください。"))
    elif not office.is_active and (current is None or current.office_id != office.pk):
        errors.setdefault("office", []).append(MSG_OFFICE_INACTIVE)
    if errors:
        raise ValidationError(errors)
    profile = instance if instance is not None else StaffProfile()
    profile.user = user
    profile.office = office
    profile.full_clean()
    return _save(profile, actor, reason)
