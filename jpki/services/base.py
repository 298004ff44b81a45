"""Every write that the certificate domain knows (Zulip's ``do_*`` style, HackSoft's services).

Each service is keyword-only, runs in one transaction, takes the acting user and a reason that
go into the history rows, and raises ``ValidationError`` with Japanese messages keyed by the
form field they belong to. Admin views, management commands and tests all call these.

The system never receives a password (暗証番号) or an individual number (個人番号): no service
takes one as an argument.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from jpki import rules
from jpki.models import Application, Card, Certificate, IdentityDocument, Office, OutsideHoursRecord
from residents.models import Resident
from residents.recording import MSG_CONCURRENT
from residents.recording import now as _now
from residents.recording import require_reason as _require_reason
from residents.recording import save as _save

# --- reasons recorded into history (Japanese by nature: stored in the records) ---------------------------
REASON_BASIC_INFO_CHANGE = "基本4情報の変更"
REASON_RENEWAL = "更新による失効"
REASON_LOSS = "カード紛失による一時停止"
REASON_CARD_REISSUE = "カード再交付による失効"
REASON_DEPARTURE = {
    Resident.Status.MOVED_OUT: "転出",
    Resident.Status.MOVED_ABROAD: "国外転出",
    Resident.Status.DECEASED: "死亡",
    Resident.Status.REMOVED: "職権消除",
}
REASON_EXPIRED = "有効期限の到来"

MSG_OUTSIDE_HOURS = _lazy(
    "取扱時間外です（月〜金 9:00〜17:30、土日祝・年末年始を除く）。次の取扱日は{next_day}です。"
    "やむを得ず記録する場合は「時間外処理として記録する」を選んでください（監督者の確認対象になります）。"
)
MSG_PHOTO_ID_REQUIRED = _lazy(
    "官公署発行の顔写真付き本人確認書類が必要です（運転免許証、パスポートなど）。お持ちでない場合は受付できません。"
)


@dataclass(frozen=True)
class DocumentShown:
    """An identity document shown at the counter. Only the last 4 characters are ever stored."""

    holder: str
    kind: str
    issuer: str = ""
    number: str = ""

    @property
    def number_last4(self) -> str:
        return mask_document_number(self.number)


def mask_document_number(number: str) -> str:
    """The last 4 characters of a document number, ignoring spaces and hyphens."""
    cleaned = "".join(ch for ch in (number or "") if ch not in " \u3000-‐－ー")
    return cleaned[-4:]


@dataclass
class IssuancePlan:
    """What the rules decide before the clerk confirms an issuance (shown on the confirm page)."""

    on: date
    kind: str = Application.Kind.NEW
    card: Card | None = None
    card_expires_on: date | None = None
    signing: bool = False
    user: bool = False
    signing_expires_on: date | None = None
    user_expires_on: date | None = None
    signing_renewal_starts_on: date | None = None
    user_renewal_starts_on: date | None = None
    signing_renewed: bool = False
    user_renewed: bool = False
    fee: int = 0
    revokes: list[Certificate] = field(default_factory=list)
    refusals: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.refusals

    def refuse(self, field_name: str, message: str) -> None:
        self.refusals.setdefault(field_name, []).append(message)

    def raise_if_refused(self) -> None:
        if self.refusals:
            raise ValidationError(self.refusals)


# --- small helpers ------------------------------------------------------------------------------


def _resolve_office(actor, office: Office | None) -> Office:
    if office is not None:
        return office
    profile = getattr(actor, "staff_profile", None)
    if profile is None:
        raise ValidationError({"office": _t("受付窓口を選択してください（職員の所属窓口が登録されていません）。")})
    return profile.office


def next_opening_day(at: datetime) -> date:
    """The day the counter next opens after the moment ``at`` (for messages and the dashboard)."""
    local = timezone.localtime(at, rules.TOKYO)
    day = local.date()
    if rules.is_counter_day(day) and local.time() < rules.COUNTER_OPENS_AT:
        return day
    return rules.next_counter_day(day + timedelta(days=1))


def _check_counter_hours(at: datetime, outside_hours_confirmed: bool) -> bool:
    """Return the outside-hours flag; refuse unless the clerk confirmed recording it anyway."""
    if rules.counter_is_open(at):
        return False
    if not outside_hours_confirmed:
        next_day = next_opening_day(at)
        raise ValidationError({"outside_hours_confirmed": MSG_OUTSIDE_HOURS.format(next_day=f"{next_day:%Y-%m-%d}")})
    return True


def counter_hours(
    *, at: datetime, outside_hours_confirmed: bool | None, procedure: str, resident: Resident, actor, reason: str
) -> bool:
    """Counter hours on a clerk's write that is not an application (a register change, a card issued,
    lost or found, a departure, a step of a proxy case ...): outside the hours it is refused unless the
    clerk confirmed it, and then an :class:`OutsideHoursRecord` is written in the caller's transaction
    for the supervisors' review. Returns whether the write was outside the hours.

    ``outside_hours_confirmed=None`` means that no clerk stands at the counter (the register feed, a
    management command): no check and no record. Applications carry their own flag instead
    (``Application.outside_counter_hours``, :func:`_same_day_start`).
    """
    reason = _require_reason(reason)
    if outside_hours_confirmed is None:
        return False
    flag = _check_counter_hours(at, bool(outside_hours_confirmed))
    if flag:
        profile = getattr(actor, "staff_profile", None)
        record = OutsideHoursRecord(
            procedure=procedure[:40],
            resident=resident,
            recorded_at=at,
            recorded_by=actor,
            office=getattr(profile, "office", None),
            reason=(reason or "")[:200],
        )
        _save(record, actor, reason)
    return flag


def _check_card_issue_date(resident: Resident, issued_on, at: datetime) -> None:
    if not isinstance(issued_on, date):
        raise ValidationError({"issued_on": _t("交付日を入力してください。")})
    if issued_on > _local_date(at):
        raise ValidationError({"issued_on": _t("交付日に未来の日付は入力できません。")})
    if issued_on <= resident.birth_date:
        raise ValidationError({"issued_on": _t("交付日が生年月日以前になっています。")})


def _local_date(at: datetime) -> date:
    return timezone.localtime(at, rules.TOKYO).date()


def _new_serial() -> str:
    return secrets.token_hex(8).upper()


def active_card(resident: Resident, *, for_update: bool = False) -> Card | None:
    qs = Card.objects.filter(resident=resident, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED])
    if for_update:
        qs = qs.select_for_update()
    return qs.order_by("-issued_on", "-id").first()


def valid_certificates(card: Card | None) -> dict[str, Certificate]:
    if card is None:
        return {}
    return {c.kind: c for c in Certificate.objects.filter(card=card, status=Certificate.Status.VALID)}


def _record_documents(application: Application, documents, *, visit: int, at: datetime, actor, reason: str):
    for doc in documents or ():
        if doc is None:
            continue
        if doc.kind not in IdentityDocument.Kind.values:
            raise ValidationError(
                {"documents": _t("本人確認書類の種類が正しくありません: %(kind)s") % {"kind": doc.kind}}
            )
        if doc.holder not in IdentityDocument.Holder.values:
            raise ValidationError(
                {"documents": _t("提示者の区分が正しくありません: %(holder)s") % {"holder": doc.holder}}
            )
        _save(
            IdentityDocument(
                application=application,
                holder=doc.holder,
                visit=visit,
                kind=doc.kind,
                issuer=(doc.issuer or "")[:60],
                number_last4=doc.number_last4,
                checked_at=at,
            ),
            actor,
            reason,
        )


def _certificate_texts(resident: Resident, certificate_name: str | None, certificate_address: str | None):
    """Name and address as written into the certificate, with the substituted positions."""
    from residents import charset

    errors: dict[str, list[str]] = {}
    result = {}
    for key, text, override in (
        ("name", resident.name, certificate_name),
        ("address", resident.address, certificate_address),
    ):
        if override:
            bad = charset.unsupported_characters(override)
            if bad:
                chars = _t("、").join(
                    _t("%(char)s（%(position)s文字目）") % {"char": c, "position": i + 1} for i, c in bad
                )
                errors.setdefault(f"certificate_{key}", []).append(
                    _t("電子証明書に使用できない文字があります: %(chars)s") % {"chars": chars}
                )
                continue
            result[key] = (override, [])
            continue
        try:
            result[key] = charset.substitute_characters_detailed(text)
        except ValidationError as exc:
            errors.setdefault(f"certificate_{key}", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return result


def _revoke(cert: Certificate, *, at: datetime, reason_text: str, actor, reason: str) -> Certificate:
    cert.status = Certificate.Status.REVOKED
    cert.revoked_at = at
    cert.revocation_reason = reason_text[:200]
    return _save(cert, actor, reason)


# --- eligibility and the issuance plan ----------------------------------------------------------


def _eligibility(plan: IssuancePlan, resident: Resident, card: Card | None, *, applicant_type: str, reissue: bool):
    on = plan.on
    if not resident.is_registered:
        plan.refuse(
            "resident",
            _t("吹田市に住民登録がないため申請できません（%(status)s）。") % {"status": resident.get_status_display()},
        )
    if not plan.signing and not plan.user:
        plan.refuse("signing", _t("発行する電子証明書を選択してください。"))
    if card is None and not reissue:
        plan.refuse("card", _t("有効なマイナンバーカードがありません。カードの交付を先に記録してください。"))
    elif card is not None and not reissue:
        if card.kind == Card.Kind.JUKI:
            plan.refuse(
                "card",
                _t(
                    "住基カードへの電子証明書の発行・更新は平成27年12月22日17時に終了しました。マイナンバーカードが必要です。"
                ),
            )
        if card.status == Card.Status.SUSPENDED:
            plan.refuse("card", _t("カードは一時停止中です（紛失届）。発見の届出またはカードの再交付が必要です。"))
        if card.expires_on < on:
            plan.refuse(
                "card", _t("カードの有効期限（%(day)s）が過ぎています。") % {"day": f"{card.expires_on:%Y-%m-%d}"}
            )
        if card.face_authentication_only:
            plan.refuse("card", _t("顔認証マイナンバーカードには電子証明書を格納できません。"))
    if plan.signing and not rules.signing_certificate_allowed(
        birth_date=resident.birth_date, on=on, adult_ward=resident.is_adult_ward
    ):
        plan.refuse(
            "signing",
            _t(
                "15歳未満の方および成年被後見人の方には署名用電子証明書は発行できません（利用者証明用のみ発行できます）。"
            ),
        )
    needs_legal = rules.age_on(resident.birth_date, on) < rules.SIGNING_CERTIFICATE_MIN_AGE or resident.is_adult_ward
    if needs_legal and applicant_type == Application.ApplicantType.SELF:
        plan.refuse("applicant_type", _t("15歳未満の方および成年被後見人の方の申請は法定代理人が行ってください。"))
    if needs_legal and applicant_type == Application.ApplicantType.PROXY:
        plan.refuse(
            "applicant_type",
            _t(
                "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。"
            ),
        )


def issuance_plan(
    *,
    resident: Resident,
    signing: bool,
    user: bool,
    on: date,
    reissue: bool = False,
    new_card_issued_on: date | None = None,
    applicant_type: str = Application.ApplicantType.SELF,
    card: Card | None = None,
) -> IssuancePlan:
    """Decide expiry dates, renewal, fee and revocations for an issuance; records nothing."""
    plan = IssuancePlan(on=on, signing=bool(signing), user=bool(user))
    if card is None and not reissue:
        card = active_card(resident)
    plan.card = card
    _eligibility(plan, resident, card, applicant_type=applicant_type, reissue=reissue)

    if reissue:
        issued_on = new_card_issued_on or on
        stay = resident.period_of_stay_ends_on if resident.stay_limits_card else None
        plan.card_expires_on = rules.card_expiry(
            issued_on=issued_on, birth_date=resident.birth_date, period_of_stay_ends_on=stay
        )
        existing = {}
        plan.kind = Application.Kind.REISSUE
        plan.fee = rules.reissue_fee(signing=plan.signing, user=plan.user)
    else:
        plan.card_expires_on = card.expires_on if card else None
        existing = valid_certificates(card)

    renewed = {}
    for kind, wanted in ((Certificate.Kind.USER, plan.user), (Certificate.Kind.SIGNING, plan.signing)):
        if not wanted:
            continue
        current = existing.get(kind)
        renewed[kind] = False
        if current is not None:
            if rules.in_renewal_window(current.expires_on, on):
                renewed[kind] = True
                plan.revokes.append(current)
            else:
                starts, _ = rules.renewal_window(current.expires_on)
                label = current.get_kind_display()
                field_name = "signing" if kind == Certificate.Kind.SIGNING else "user"
                plan.refuse(
                    field_name,
                    _t("有効な%(label)sがあります（有効期限 %(expires_on)s）。更新は %(starts)s から申請できます。")
                    % {"label": label, "expires_on": f"{current.expires_on:%Y-%m-%d}", "starts": f"{starts:%Y-%m-%d}"},
                )

    if plan.card_expires_on is None:
        return plan

    if plan.user:
        plan.user_renewed = renewed.get(Certificate.Kind.USER, False)
        plan.user_expires_on = rules.certificate_expiry(
            issued_on=on,
            birth_date=resident.birth_date,
            renewed=plan.user_renewed,
            card_expires_on=plan.card_expires_on,
        )
        plan.user_renewal_starts_on = rules.renewal_window(plan.user_expires_on)[0]
    if plan.signing:
        plan.signing_renewed = renewed.get(Certificate.Kind.SIGNING, False)
        user_cap = plan.user_expires_on
        if user_cap is None:
            current_user = existing.get(Certificate.Kind.USER)
            user_cap = current_user.expires_on if current_user else None
        plan.signing_expires_on = rules.certificate_expiry(
            issued_on=on,
            birth_date=resident.birth_date,
            renewed=plan.signing_renewed,
            card_expires_on=plan.card_expires_on,
            user_certificate_expires_on=user_cap,
        )
        plan.signing_renewal_starts_on = rules.renewal_window(plan.signing_expires_on)[0]
    for expires in (plan.user_expires_on, plan.signing_expires_on):
        if expires is not None and expires <= on:
            plan.refuse(
                "card", _t("カードの有効期限が近すぎるため電子証明書を発行できません。カードの更新が必要です。")
            )
            break
    if not reissue and (plan.signing_renewed or plan.user_renewed):
        plan.kind = Application.Kind.RENEWAL
    return plan


def _check_legal_authority(application_fields: dict, on: date, applicant_type: str, documents) -> None:
    if applicant_type != Application.ApplicantType.LEGAL:
        return
    errors = {}
    if not application_fields.get("legal_authority_document"):
        errors["legal_authority_document"] = _t(
            "法定代理権を確認した書類（戸籍謄本・登記事項証明書など）を記録してください。"
        )
    issued = application_fields.get("legal_authority_issued_on")
    if issued is None:
        errors["legal_authority_issued_on"] = _t("確認書類の発行日を入力してください。")
    elif issued > on or rules.add_months(issued, 3) < on:
        errors["legal_authority_issued_on"] = _t("法定代理権の確認書類は発行から3か月以内のものが必要です。")
    kinds = [d.kind for d in documents or () if d is not None and d.holder == IdentityDocument.Holder.LEGAL]
    if not rules.identity_documents_sufficient(kinds):
        errors["documents"] = _t(
            "法定代理人の本人確認書類が不足しています（顔写真付きの公的書類1点、または健康保険証等を含む2点）。"
        )
    if errors:
        raise ValidationError(errors)


def _refuse_proxy_same_day(applicant_type: str) -> None:
    if applicant_type == Application.ApplicantType.PROXY:
        raise ValidationError(
            {
                "applicant_type": _t(
                    "任意代理人による申請は即日処理できません。照会書の送付依頼（1回目来庁）として受け付けてください。"
                )
            }
        )


def _new_application(
    *, kind, applicant_type, resident, card, office, at, actor, reason, status, **extra
) -> Application:
    app = Application(
        kind=kind,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        received_at=at,
        received_by=actor,
        status=status,
        **extra,
    )
    return _save(app, actor, reason)


def _issue_certificates(
    *,
    application: Application,
    plan: IssuancePlan,
    resident: Resident,
    card: Card,
    office: Office,
    at: datetime,
    actor,
    reason: str,
    certificate_name=None,
    certificate_address=None,
) -> list[Certificate]:
    texts = _certificate_texts(resident, certificate_name, certificate_address)
    for old in plan.revokes:
        _revoke(old, at=at, reason_text=REASON_RENEWAL, actor=actor, reason=reason)
    issued = []
    for kind, wanted, expires in (
        (Certificate.Kind.USER, plan.user, plan.user_expires_on),
        (Certificate.Kind.SIGNING, plan.signing, plan.signing_expires_on),
    ):
        if not wanted:
            continue
        name, name_pos = texts["name"]
        addr, addr_pos = texts["address"]
        cert = Certificate(
            card=card,
            kind=kind,
            serial=_new_serial(),
            issued_on=plan.on,
            expires_on=expires,
            name_in_certificate=name,
            address_in_certificate=addr,
            substituted_name_positions=name_pos,
            substituted_address_positions=addr_pos,
            application=application,
            office=office,
        )
        issued.append(_save(cert, actor, reason))
    return issued


def _atomic_domain_write(fn):
    """Run a service in one transaction and turn a lost race into a clear refusal."""

    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except IntegrityError as exc:
            raise ValidationError({"__all__": _t(MSG_CONCURRENT)}) from exc

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


# Marked for translation; raisers wrap it in gettext (the constant stays plain text).
MSG_RESIDENT_CHANGED = gettext_noop(
    "確認画面を表示した後に、この方の住民記録が更新されました（住民記録システムからの異動連携など）。"
    "住民画面を開き直し、最新の内容で手続をやり直してください。"
)


def _lock_resident(resident: Resident) -> Resident:
    """Serialize procedures on one resident (row lock on PostgreSQL; SQLite locks on write).

    A version check: the caller's row was read before the lock (the screen showed it); when the
    locked row was saved since (``updated_at`` moved, e.g. the register feed changed the address),
    the procedure is refused rather than applied to what the clerk no longer sees."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    seen = getattr(resident, "updated_at", None)
    if seen is not None and locked.updated_at != seen:
        raise ValidationError({"__all__": _t(MSG_RESIDENT_CHANGED)})
    return locked


def _same_day_start(*, reason, at, applicant_type, outside_hours_confirmed, actor, office, resident):
    """The checks every same-day counter procedure starts with, in order: a reason, an aware time,
    no appointed proxy, counter hours (returns the outside-hours flag), the office, and the row
    lock on the resident. Returns (reason, at, flag, office, resident)."""
    reason = _require_reason(reason)
    at = _now(at)
    _refuse_proxy_same_day(applicant_type)
    flag = _check_counter_hours(at, outside_hours_confirmed)
    office = _resolve_office(actor, office)
    return reason, at, flag, office, _lock_resident(resident)
