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
from simple_history.utils import bulk_update_with_history

from residents.models import Resident

from . import rules, security
from .models import Application, Card, Certificate, IdentityDocument, Office, ProxyAuthorization

# --- reasons recorded into history --------------------------------------------------------------
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

MSG_CONCURRENT = "同じ記録を別の職員が同時に処理しました。画面を開き直して状態を確認してください。"
MSG_OUTSIDE_HOURS = (
    "取扱時間外です（月〜金 9:00〜17:30、土日祝・年末年始を除く）。次の取扱日は{next_day}です。"
    "やむを得ず記録する場合は「時間外処理として記録する」を選んでください（監督者の確認対象になります）。"
)
MSG_PHOTO_ID_REQUIRED = "官公署発行の顔写真付き本人確認書類が必要です（運転免許証、パスポートなど）。お持ちでない場合は受付できません。"


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


def _stamp(obj, actor, reason: str):
    obj._history_user = actor
    obj._change_reason = reason
    return obj


def _save(obj, actor, reason: str, **kwargs):
    security.check_instance_text(obj)  # NUL bytes, lone surrogates: a field message, not a driver error
    _stamp(obj, actor, reason)
    obj.save(**kwargs)
    return obj


def _require_reason(reason: str) -> str:
    if not reason or not str(reason).strip():
        raise ValidationError({"reason": "理由を入力してください。"})
    security.check_text(reason, "reason")
    return str(reason).strip()[:500]


def _resolve_office(actor, office: Office | None) -> Office:
    if office is not None:
        return office
    profile = getattr(actor, "staff_profile", None)
    if profile is None:
        raise ValidationError({"office": "受付窓口を選択してください（職員の所属窓口が登録されていません）。"})
    return profile.office


def _now(at: datetime | None) -> datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationError({"at": "日時にはタイムゾーンが必要です。"})
    return at


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


def _check_card_issue_date(resident: Resident, issued_on, at: datetime) -> None:
    if not isinstance(issued_on, date):
        raise ValidationError({"issued_on": "交付日を入力してください。"})
    if issued_on > _local_date(at):
        raise ValidationError({"issued_on": "交付日に未来の日付は入力できません。"})
    if issued_on <= resident.birth_date:
        raise ValidationError({"issued_on": "交付日が生年月日以前になっています。"})


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
            raise ValidationError({"documents": f"本人確認書類の種類が正しくありません: {doc.kind}"})
        if doc.holder not in IdentityDocument.Holder.values:
            raise ValidationError({"documents": f"提示者の区分が正しくありません: {doc.holder}"})
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
                chars = "、".join(f"{c}（{i + 1}文字目）" for i, c in bad)
                errors.setdefault(f"certificate_{key}", []).append(f"電子証明書に使用できない文字があります: {chars}")
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
        plan.refuse("resident", f"吹田市に住民登録がないため申請できません（{resident.get_status_display()}）。")
    if not plan.signing and not plan.user:
        plan.refuse("signing", "発行する電子証明書を選択してください。")
    if card is None and not reissue:
        plan.refuse("card", "有効なマイナンバーカードがありません。カードの交付を先に記録してください。")
    elif card is not None and not reissue:
        if card.kind == Card.Kind.JUKI:
            plan.refuse("card", "住基カードへの電子証明書の発行・更新は平成27年12月22日17時に終了しました。マイナンバーカードが必要です。")
        if card.status == Card.Status.SUSPENDED:
            plan.refuse("card", "カードは一時停止中です（紛失届）。発見の届出またはカードの再交付が必要です。")
        if card.expires_on < on:
            plan.refuse("card", f"カードの有効期限（{card.expires_on:%Y-%m-%d}）が過ぎています。")
        if card.face_authentication_only:
            plan.refuse("card", "顔認証マイナンバーカードには電子証明書を格納できません。")
    if plan.signing and not rules.signing_certificate_allowed(
        birth_date=resident.birth_date, on=on, adult_ward=resident.is_adult_ward
    ):
        plan.refuse("signing", "15歳未満の方および成年被後見人の方には署名用電子証明書は発行できません（利用者証明用のみ発行できます）。")
    needs_legal = rules.age_on(resident.birth_date, on) < rules.SIGNING_CERTIFICATE_MIN_AGE or resident.is_adult_ward
    if needs_legal and applicant_type == Application.ApplicantType.SELF:
        plan.refuse("applicant_type", "15歳未満の方および成年被後見人の方の申請は法定代理人が行ってください。")
    if needs_legal and applicant_type == Application.ApplicantType.PROXY:
        plan.refuse("applicant_type", "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。")


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
                    f"有効な{label}があります（有効期限 {current.expires_on:%Y-%m-%d}）。更新は {starts:%Y-%m-%d} から申請できます。",
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
            plan.refuse("card", "カードの有効期限が近すぎるため電子証明書を発行できません。カードの更新が必要です。")
            break
    if not reissue and (plan.signing_renewed or plan.user_renewed):
        plan.kind = Application.Kind.RENEWAL
    return plan


def _check_legal_authority(application_fields: dict, on: date, applicant_type: str, documents) -> None:
    if applicant_type != Application.ApplicantType.LEGAL:
        return
    errors = {}
    if not application_fields.get("legal_authority_document"):
        errors["legal_authority_document"] = "法定代理権を確認した書類（戸籍謄本・登記事項証明書など）を記録してください。"
    issued = application_fields.get("legal_authority_issued_on")
    if issued is None:
        errors["legal_authority_issued_on"] = "確認書類の発行日を入力してください。"
    elif issued > on or rules.add_months(issued, 3) < on:
        errors["legal_authority_issued_on"] = "法定代理権の確認書類は発行から3か月以内のものが必要です。"
    kinds = [d.kind for d in documents or () if d is not None and d.holder == IdentityDocument.Holder.LEGAL]
    if not rules.identity_documents_sufficient(kinds):
        errors["documents"] = "法定代理人の本人確認書類が不足しています（顔写真付きの公的書類1点、または健康保険証等を含む2点）。"
    if errors:
        raise ValidationError(errors)


def _refuse_proxy_same_day(applicant_type: str) -> None:
    if applicant_type == Application.ApplicantType.PROXY:
        raise ValidationError(
            {
                "applicant_type": "任意代理人による申請は即日処理できません。照会書の送付依頼（1回目来庁）として受け付けてください。"
            }
        )


def _new_application(*, kind, applicant_type, resident, card, office, at, actor, reason, status, **extra) -> Application:
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
    *, application: Application, plan: IssuancePlan, resident: Resident, card: Card, office: Office, at: datetime,
    actor, reason: str, certificate_name=None, certificate_address=None,
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
            raise ValidationError({"__all__": MSG_CONCURRENT}) from exc

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _lock_resident(resident: Resident) -> Resident:
    """Serialize procedures on one resident (row lock on PostgreSQL; SQLite locks on write)."""
    return Resident.objects.select_for_update().get(pk=resident.pk)


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


# --- cards ----------------------------------------------------------------------------------------


@_atomic_domain_write
def card_issue(
    *, resident: Resident, actor, reason: str, issued_on: date, kind: str = Card.Kind.MYNUMBER,
    office: Office | None = None, face_authentication_only: bool = False,
) -> Card:
    """Record the delivery of a card (カード交付). Expiry from the rules."""
    reason = _require_reason(reason)
    resident = _lock_resident(resident)
    if not resident.is_registered:
        raise ValidationError({"resident": "吹田市に住民登録がないためカードを交付できません。"})
    if active_card(resident) is not None:
        raise ValidationError({"resident": "この住民には既に有効なカードがあります。紛失・返納を先に記録してください。"})
    if kind == Card.Kind.JUKI:
        raise ValidationError({"kind": "住基カードの交付は終了しています。"})
    _check_card_issue_date(resident, issued_on, timezone.now())
    stay = resident.period_of_stay_ends_on if resident.stay_limits_card else None
    expires_on = rules.card_expiry(issued_on=issued_on, birth_date=resident.birth_date, period_of_stay_ends_on=stay)
    if expires_on <= issued_on:
        raise ValidationError({"issued_on": "在留期間の満了日が交付日以前のため、カードを交付できません。"})
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
def card_report_lost(*, card: Card, actor, reason: str, at: datetime | None = None) -> Card:
    """Loss report (紛失届): the card is suspended and its signing certificate revoked."""
    reason = _require_reason(reason)
    at = _now(at)
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status != Card.Status.ACTIVE:
        raise ValidationError({"card": f"このカードは「{card.get_status_display()}」のため紛失届を記録できません。"})
    for cert in Certificate.objects.select_for_update().filter(
        card=card, kind=Certificate.Kind.SIGNING, status=Certificate.Status.VALID
    ):
        _revoke(cert, at=at, reason_text=REASON_LOSS, actor=actor, reason=reason)
    card.status = Card.Status.SUSPENDED
    card.status_changed_at = at
    return _save(card, actor, reason)


@_atomic_domain_write
def card_report_found(*, card: Card, actor, reason: str, at: datetime | None = None) -> Card:
    """The card was found (発見届): the suspension is lifted. A revoked signing certificate stays revoked."""
    reason = _require_reason(reason)
    at = _now(at)
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status != Card.Status.SUSPENDED:
        raise ValidationError({"card": "一時停止中のカードではありません。"})
    if card.expires_on < _local_date(at):
        raise ValidationError({"card": "カードの有効期限が過ぎているため一時停止を解除できません。"})
    card.status = Card.Status.ACTIVE
    card.status_changed_at = at
    return _save(card, actor, reason)


# --- certificates ---------------------------------------------------------------------------------


@_atomic_domain_write
def certificates_issue(
    *, resident: Resident, actor, reason: str, signing: bool, user: bool,
    applicant_type: str = Application.ApplicantType.SELF, office: Office | None = None, at: datetime | None = None,
    documents=(), legal_authority_document: str = "", legal_authority_issued_on: date | None = None,
    certificate_name: str | None = None, certificate_address: str | None = None,
    outside_hours_confirmed: bool = False,
) -> Application:
    """New issuance or renewal (新規発行・更新) for the resident or a legal representative, same day."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason, at=at, applicant_type=applicant_type, outside_hours_confirmed=outside_hours_confirmed,
        actor=actor, office=office, resident=resident,
    )
    on = _local_date(at)
    card = active_card(resident, for_update=True)
    plan = issuance_plan(
        resident=resident, signing=signing, user=user, on=on, applicant_type=applicant_type, card=card
    )
    plan.raise_if_refused()
    legal = {"legal_authority_document": legal_authority_document, "legal_authority_issued_on": legal_authority_issued_on}
    _check_legal_authority(legal, on, applicant_type, documents)
    app = _new_application(
        kind=plan.kind, applicant_type=applicant_type, resident=resident, card=card, office=office, at=at,
        actor=actor, reason=reason, status=Application.Status.COMPLETED, signing_requested=bool(signing),
        user_requested=bool(user), outside_counter_hours=flag, completed_at=at, **legal,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _issue_certificates(
        application=app, plan=plan, resident=resident, card=card, office=office, at=at, actor=actor, reason=reason,
        certificate_name=certificate_name, certificate_address=certificate_address,
    )
    return app


@_atomic_domain_write
def certificates_revoke(
    *, resident: Resident, actor, reason: str, signing: bool, user: bool,
    applicant_type: str = Application.ApplicantType.SELF, office: Office | None = None, at: datetime | None = None,
    documents=(), outside_hours_confirmed: bool = False,
) -> Application:
    """Revocation at the resident's request (失効申請)."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason, at=at, applicant_type=applicant_type, outside_hours_confirmed=outside_hours_confirmed,
        actor=actor, office=office, resident=resident,
    )
    card = active_card(resident, for_update=True)
    current = valid_certificates(card)
    _check_revocable(current, signing, user)
    app = _new_application(
        kind=Application.Kind.REVOCATION, applicant_type=applicant_type, resident=resident, card=card, office=office,
        at=at, actor=actor, reason=reason, status=Application.Status.COMPLETED, signing_requested=bool(signing),
        user_requested=bool(user), outside_counter_hours=flag, completed_at=at,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _revoke_requested(current, signing, user, at=at, actor=actor, reason=reason)
    return app


def _check_revocable(current: dict, signing: bool, user: bool) -> None:
    if not signing and not user:
        raise ValidationError({"signing": "失効させる電子証明書を選択してください。"})
    errors = {}
    if signing and Certificate.Kind.SIGNING not in current:
        errors["signing"] = "有効な署名用電子証明書がありません。"
    if user and Certificate.Kind.USER not in current:
        errors["user"] = "有効な利用者証明用電子証明書がありません。"
    if errors:
        raise ValidationError(errors)


def _revoke_requested(current: dict, signing: bool, user: bool, *, at, actor, reason) -> None:
    for kind, wanted in ((Certificate.Kind.SIGNING, signing), (Certificate.Kind.USER, user)):
        if wanted:
            _revoke(current[kind], at=at, reason_text="本人からの失効申請", actor=actor, reason=reason)


@_atomic_domain_write
def passwords_initialize(
    *, resident: Resident, actor, reason: str, signing: bool, user: bool,
    applicant_type: str = Application.ApplicantType.SELF, office: Office | None = None, at: datetime | None = None,
    documents=(), outside_hours_confirmed: bool = False,
) -> Application:
    """Password initialization (暗証番号初期化). The new password is set on the terminal; never recorded."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason, at=at, applicant_type=applicant_type, outside_hours_confirmed=outside_hours_confirmed,
        actor=actor, office=office, resident=resident,
    )
    card = active_card(resident, for_update=True)
    _check_initializable(resident, card, signing, user)
    app = _new_application(
        kind=Application.Kind.PASSWORD_INIT, applicant_type=applicant_type, resident=resident, card=card,
        office=office, at=at, actor=actor, reason=reason, status=Application.Status.COMPLETED,
        signing_requested=bool(signing), user_requested=bool(user), outside_counter_hours=flag, completed_at=at,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    return app


def _check_initializable(resident, card, signing, user) -> None:
    if not resident.is_registered:
        raise ValidationError({"resident": "吹田市に住民登録がないため申請できません。"})
    if card is None or card.status != Card.Status.ACTIVE:
        raise ValidationError({"card": "有効なマイナンバーカードがありません。"})
    if not signing and not user:
        raise ValidationError({"signing": "初期化する暗証番号を選択してください。"})
    current = valid_certificates(card)
    errors = {}
    if signing and Certificate.Kind.SIGNING not in current:
        errors["signing"] = "有効な署名用電子証明書がないため初期化できません（新規発行になります）。"
    if user and Certificate.Kind.USER not in current:
        errors["user"] = "有効な利用者証明用電子証明書がないため初期化できません（新規発行になります）。"
    if errors:
        raise ValidationError(errors)


@_atomic_domain_write
def card_reissue(
    *, resident: Resident, actor, reason: str, issued_on: date, signing: bool, user: bool, fee_paid: bool,
    fee_receipt_number: str = "", office: Office | None = None, at: datetime | None = None, documents=(),
    old_card_status: str = Card.Status.LOST, outside_hours_confirmed: bool = False,
    applicant_type: str = Application.ApplicantType.SELF,
    legal_authority_document: str = "", legal_authority_issued_on: date | None = None,
) -> Application:
    """Reissue with a new card (再交付に伴う再発行): the old card ends, its certificates lapse, new ones
    go onto the new card for the fee (200 yen each, 200 yen for both together)."""
    reason, at, flag, office, resident = _same_day_start(
        reason=reason, at=at, applicant_type=applicant_type, outside_hours_confirmed=outside_hours_confirmed,
        actor=actor, office=office, resident=resident,
    )
    on = _local_date(at)
    _check_card_issue_date(resident, issued_on, at)
    if old_card_status not in (Card.Status.LOST, Card.Status.RETURNED, Card.Status.REVOKED):
        raise ValidationError({"old_card_status": "旧カードの扱いを選択してください（紛失・返納・廃止）。"})
    plan = issuance_plan(
        resident=resident, signing=signing, user=user, on=on, reissue=True, new_card_issued_on=issued_on,
        applicant_type=applicant_type,
    )
    plan.raise_if_refused()
    if plan.fee and not fee_paid:
        raise ValidationError({"fee_paid": f"手数料{plan.fee}円の収納を確認してください。"})
    legal = {"legal_authority_document": legal_authority_document, "legal_authority_issued_on": legal_authority_issued_on}
    _check_legal_authority(legal, on, applicant_type, documents)
    old = active_card(resident, for_update=True)
    if old is not None:
        for cert in Certificate.objects.select_for_update().filter(card=old, status=Certificate.Status.VALID):
            _revoke(cert, at=at, reason_text=REASON_CARD_REISSUE, actor=actor, reason=reason)
        old.status = old_card_status
        old.status_changed_at = at
        _save(old, actor, reason)
    card = Card(
        resident=resident, kind=Card.Kind.MYNUMBER, issued_on=issued_on, expires_on=plan.card_expires_on,
        status=Card.Status.ACTIVE, status_changed_at=at, office=office,
    )
    _save(card, actor, reason)
    plan.card = card
    app = _new_application(
        kind=Application.Kind.REISSUE, applicant_type=applicant_type, resident=resident, card=card, office=office,
        at=at, actor=actor, reason=reason, status=Application.Status.COMPLETED, signing_requested=bool(signing),
        user_requested=bool(user), fee_due=plan.fee, fee_paid=bool(fee_paid) if plan.fee else False,
        fee_receipt_number=(fee_receipt_number or "")[:40], outside_counter_hours=flag, completed_at=at, **legal,
    )
    _record_documents(app, documents, visit=1, at=at, actor=actor, reason=reason)
    _issue_certificates(
        application=app, plan=plan, resident=resident, card=card, office=office, at=at, actor=actor, reason=reason
    )
    return app


# --- register events that touch certificates -------------------------------------------------------


def revoke_signing_for_basic_info_change(*, resident: Resident, at: datetime, actor, reason: str) -> list[Certificate]:
    """A change of the 基本4情報 revokes the signing certificate; the user certificate survives."""
    revoked = []
    for cert in Certificate.objects.select_for_update().filter(
        card__resident=resident, kind=Certificate.Kind.SIGNING, status=Certificate.Status.VALID
    ):
        revoked.append(_revoke(cert, at=at, reason_text=REASON_BASIC_INFO_CHANGE, actor=actor, reason=reason))
    return revoked


def end_certificates_for_departure(*, resident: Resident, status: str, at: datetime, actor, reason: str) -> list[Certificate]:
    """Removal from the register: the signing certificate is revoked. On death or moving abroad the
    card itself ends, and with it the user certificate."""
    text = REASON_DEPARTURE.get(status, "住民登録の消除")
    revoked = []
    ends_card = status in (Resident.Status.DECEASED, Resident.Status.MOVED_ABROAD, Resident.Status.REMOVED)
    for cert in Certificate.objects.select_for_update().filter(card__resident=resident, status=Certificate.Status.VALID):
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


# --- the appointed proxy's two visits (任意代理人) ----------------------------------------------------

PROXY_CHECKLIST = (
    ("resident_card_checked", "本人のマイナンバーカードを確認してください。"),
    ("proxy_photo_id_checked", MSG_PHOTO_ID_REQUIRED),
    ("reply_complete", "照会書兼回答書の回答書欄が記入されていることを確認してください。"),
    ("power_of_attorney_complete", "委任状欄が記入されていることを確認してください。"),
    ("envelope_sealed", "回答書が封筒に封入され、割印されていることを確認してください。"),
    ("application_form_checked", "電子証明書新規発行申請書を受け取ってください。"),
)


@_atomic_domain_write
def proxy_visit1(
    *, resident: Resident, actor, reason: str, kind: str, signing: bool, user: bool, proxy_name: str, proxy_kana: str,
    proxy_address: str, proxy_birth_date: date, relation: str, proxy_postal_code: str = "",
    proxy_document: DocumentShown | None = None, office: Office | None = None, at: datetime | None = None,
    outside_hours_confirmed: bool = False,
) -> Application:
    """Visit 1: the application and the request to mail the inquiry (照会書送付依頼). Nothing is issued today.
    The proxy's identity document is optional on this visit."""
    reason = _require_reason(reason)
    at = _now(at)
    flag = _check_counter_hours(at, outside_hours_confirmed)
    office = _resolve_office(actor, office)
    resident = _lock_resident(resident)
    on = _local_date(at)
    errors: dict[str, list[str]] = {}
    if kind not in (Application.Kind.NEW, Application.Kind.RENEWAL, Application.Kind.PASSWORD_INIT,
                    Application.Kind.REVOCATION):
        errors.setdefault("kind", []).append("任意代理人が申請できない手続です。")
    for name, value, label in (
        ("proxy_name", proxy_name, "代理人の氏名"), ("proxy_kana", proxy_kana, "代理人の氏名（カナ）"),
        ("proxy_address", proxy_address, "代理人の住所"), ("relation", relation, "本人との関係"),
    ):
        if not value or not str(value).strip():
            errors.setdefault(name, []).append(f"{label}を入力してください。")
    if proxy_birth_date is None:
        errors.setdefault("proxy_birth_date", []).append("代理人の生年月日を入力してください。")
    elif proxy_birth_date >= on:
        errors.setdefault("proxy_birth_date", []).append("代理人の生年月日が正しくありません。")
    if proxy_document is not None and proxy_document.holder != IdentityDocument.Holder.PROXY:
        proxy_document = DocumentShown(IdentityDocument.Holder.PROXY, proxy_document.kind, proxy_document.issuer,
                                       proxy_document.number)
    card = active_card(resident)
    if kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
        plan = issuance_plan(
            resident=resident, signing=signing, user=user, on=on, applicant_type=Application.ApplicantType.PROXY,
            card=card,
        )
        for key, msgs in plan.refusals.items():
            # A certificate still valid today may be in its window by visit 2: only refuse hard cases.
            errors.setdefault(key, []).extend(msgs)
    else:
        if not resident.is_registered:
            errors.setdefault("resident", []).append("吹田市に住民登録がないため申請できません。")
        needs_legal = rules.age_on(resident.birth_date, on) < rules.SIGNING_CERTIFICATE_MIN_AGE or resident.is_adult_ward
        if needs_legal:
            errors.setdefault("applicant_type", []).append(
                "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。"
            )
        if not signing and not user:
            errors.setdefault("signing", []).append("対象の電子証明書を選択してください。")
        if card is None:
            errors.setdefault("card", []).append("有効なマイナンバーカードがありません。")
        else:
            current = valid_certificates(card)
            if signing and Certificate.Kind.SIGNING not in current:
                errors.setdefault("signing", []).append("有効な署名用電子証明書がありません。")
            if user and Certificate.Kind.USER not in current:
                errors.setdefault("user", []).append("有効な利用者証明用電子証明書がありません。")
    if errors:
        raise ValidationError(errors)
    app = _new_application(
        kind=kind, applicant_type=Application.ApplicantType.PROXY, resident=resident, card=card, office=office, at=at,
        actor=actor, reason=reason, status=Application.Status.AWAITING_LETTER, signing_requested=bool(signing),
        user_requested=bool(user), outside_counter_hours=flag,
    )
    proxy = ProxyAuthorization(
        application=app, proxy_name=proxy_name.strip()[:100], proxy_kana=proxy_kana.strip()[:200],
        proxy_postal_code=(proxy_postal_code or "")[:8], proxy_address=proxy_address.strip()[:200],
        proxy_birth_date=proxy_birth_date, relation=relation.strip()[:40], stage=ProxyAuthorization.Stage.VISIT1,
        visit1_at=at, visit1_office=office, inquiry_requested=True,
    )
    _save(proxy, actor, reason)
    if proxy_document is not None:
        _record_documents(app, [proxy_document], visit=1, at=at, actor=actor, reason=reason)
    return app


def _lock_proxy(application: Application) -> tuple[Application, ProxyAuthorization]:
    app = Application.objects.select_for_update().get(pk=application.pk)
    try:
        proxy = ProxyAuthorization.objects.select_for_update().get(application=app)
    except ProxyAuthorization.DoesNotExist as exc:
        raise ValidationError({"application": "任意代理人による申請ではありません。"}) from exc
    return app, proxy


def _refuse_if_ended(app: Application, proxy: ProxyAuthorization) -> None:
    if proxy.stage == ProxyAuthorization.Stage.RETURNED or app.status == Application.Status.RETURNED:
        raise ValidationError({"application": "照会書が返戻されたため、この申請は終了しています。改めて申請を受け付けてください。"})
    if app.status in (Application.Status.COMPLETED, Application.Status.REFUSED, Application.Status.CANCELLED):
        raise ValidationError({"application": f"この申請は既に「{app.get_status_display()}」です。"})


@_atomic_domain_write
def proxy_letter_sent(*, application: Application, actor, reason: str, at: datetime | None = None) -> ProxyAuthorization:
    """The inquiry letter (照会書兼回答書) was mailed to the resident, 転送不要."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    if proxy.stage != ProxyAuthorization.Stage.VISIT1:
        raise ValidationError({"application": "照会書は既に発送済みです。"})
    if at < proxy.visit1_at:
        raise ValidationError({"at": "発送日時が1回目の来庁より前になっています。"})
    proxy.stage = ProxyAuthorization.Stage.LETTER_SENT
    proxy.letter_sent_at = at
    _save(proxy, actor, reason)
    app.status = Application.Status.LETTER_SENT
    _save(app, actor, reason)
    return proxy


@_atomic_domain_write
def proxy_reply_received(*, application: Application, actor, reason: str, at: datetime | None = None) -> ProxyAuthorization:
    """The completed reply form (回答書) reached the office (usually brought sealed by the proxy)."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    if proxy.stage == ProxyAuthorization.Stage.REPLY_RECEIVED:
        raise ValidationError({"application": "この回答書は既に受理されています。"})
    if proxy.stage != ProxyAuthorization.Stage.LETTER_SENT:
        raise ValidationError({"application": "照会書がまだ発送されていません。"})
    proxy.stage = ProxyAuthorization.Stage.REPLY_RECEIVED
    proxy.reply_received_at = at
    _save(proxy, actor, reason)
    app.status = Application.Status.REPLY_RECEIVED
    _save(app, actor, reason)
    return proxy


@_atomic_domain_write
def proxy_letter_returned(
    *, application: Application, actor, reason: str, return_reason: str, at: datetime | None = None
) -> ProxyAuthorization:
    """The inquiry came back undeliverable (転送不要で返戻): the application ends without issuance."""
    reason = _require_reason(reason)
    at = _now(at)
    if not return_reason or not return_reason.strip():
        raise ValidationError({"return_reason": "返戻理由を選択してください。"})
    app, proxy = _lock_proxy(application)
    if proxy.stage == ProxyAuthorization.Stage.RETURNED:
        raise ValidationError({"application": "この照会書の返戻は既に記録されています。"})
    _refuse_if_ended(app, proxy)
    if proxy.stage != ProxyAuthorization.Stage.LETTER_SENT:
        raise ValidationError({"application": "発送済みの照会書ではないため返戻を記録できません。"})
    proxy.stage = ProxyAuthorization.Stage.RETURNED
    proxy.returned_at = at
    proxy.return_reason = return_reason.strip()[:60]
    _save(proxy, actor, reason)
    app.status = Application.Status.RETURNED
    app.completed_at = at
    _save(app, actor, reason)
    return proxy


@_atomic_domain_write
def proxy_visit2(
    *, application: Application, actor, reason: str, checklist: dict[str, bool], proxy_document: DocumentShown | None,
    office: Office | None = None, at: datetime | None = None, outside_hours_confirmed: bool = False,
    certificate_name: str | None = None, certificate_address: str | None = None,
) -> Application:
    """Visit 2: the proxy brings the card, an official photo ID, the sealed reply with the 委任状 and
    the application form. Refused the same day as visit 1 and without a photo ID."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    errors: dict[str, list[str]] = {}
    if proxy.stage == ProxyAuthorization.Stage.VISIT1:
        errors.setdefault("application", []).append("照会書がまだ発送されていません。発送後、回答書を持参のうえ来庁してください。")
    if _local_date(at) <= _local_date(proxy.visit1_at):
        errors.setdefault("application", []).append(
            f"任意代理人による申請は即日処理できません（1回目来庁: {_local_date(proxy.visit1_at):%Y-%m-%d}）。"
        )
    if proxy_document is None or not rules.is_official_photo_id(proxy_document.kind):
        errors.setdefault("proxy_document_kind", []).append(MSG_PHOTO_ID_REQUIRED)
    for key, message in PROXY_CHECKLIST:
        if not checklist.get(key):
            errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationError(errors)
    flag = _check_counter_hours(at, outside_hours_confirmed)
    office = _resolve_office(actor, office)
    resident = _lock_resident(app.resident)
    on = _local_date(at)
    card = active_card(resident, for_update=True)

    if app.kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
        plan = issuance_plan(
            resident=resident, signing=app.signing_requested, user=app.user_requested, on=on,
            applicant_type=Application.ApplicantType.PROXY, card=card,
        )
        plan.raise_if_refused()
        app.kind = plan.kind
    elif app.kind == Application.Kind.REVOCATION:
        current = valid_certificates(card)
        _check_revocable(current, app.signing_requested, app.user_requested)
    elif app.kind == Application.Kind.PASSWORD_INIT:
        _check_initializable(resident, card, app.signing_requested, app.user_requested)

    if proxy.reply_received_at is None:
        proxy.reply_received_at = at
    for key, _ in PROXY_CHECKLIST:
        setattr(proxy, key, True)
    proxy.stage = ProxyAuthorization.Stage.VISIT2
    proxy.visit2_at = at
    proxy.visit2_office = office
    _save(proxy, actor, reason)
    document = DocumentShown(IdentityDocument.Holder.PROXY, proxy_document.kind, proxy_document.issuer, proxy_document.number)
    _record_documents(app, [document], visit=2, at=at, actor=actor, reason=reason)

    if app.kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
        _issue_certificates(
            application=app, plan=plan, resident=resident, card=card, office=office, at=at, actor=actor,
            reason=reason, certificate_name=certificate_name, certificate_address=certificate_address,
        )
    elif app.kind == Application.Kind.REVOCATION:
        _revoke_requested(valid_certificates(card), app.signing_requested, app.user_requested, at=at, actor=actor,
                          reason=reason)
    app.card = card
    app.status = Application.Status.COMPLETED
    app.completed_at = at
    app.outside_counter_hours = app.outside_counter_hours or flag
    _save(app, actor, reason)
    return app


@_atomic_domain_write
def application_cancel(*, application: Application, actor, reason: str, at: datetime | None = None) -> Application:
    """Withdrawal of an open application (取下げ)."""
    reason = _require_reason(reason)
    at = _now(at)
    app = Application.objects.select_for_update().get(pk=application.pk)
    if not app.is_open:
        raise ValidationError({"application": f"この申請は既に「{app.get_status_display()}」です。"})
    app.status = Application.Status.CANCELLED
    app.completed_at = at
    return _save(app, actor, reason)


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
