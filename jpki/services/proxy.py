"""The appointed proxy's two visits (任意代理人): visit 1, the letter, reply or return, visit 2, withdrawal."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from jpki import rules
from jpki.models import (
    Application,
    Certificate,
    IdentityDocument,
    Office,
    ProxyAuthorization,
)
from residents.models import Resident
from residents.recording import now as _now
from residents.recording import require_reason as _require_reason
from residents.recording import save as _save

from .base import (
    MSG_PHOTO_ID_REQUIRED,
    DocumentShown,
    _atomic_domain_write,
    _check_counter_hours,
    _issue_certificates,
    _local_date,
    _lock_resident,
    _new_application,
    _record_documents,
    _resolve_office,
    active_card,
    issuance_plan,
    valid_certificates,
)
from .counter import _check_initializable, _check_revocable, _revoke_requested

# --- the appointed proxy's two visits (任意代理人) ----------------------------------------------------

PROXY_MIN_AGE = 15  # an appointed proxy is at least 15 on visit 1
PROXY_BORN_EARLIEST = date(1900, 1, 1)  # earlier is a typing error (0001-01-01), not a living proxy
MSG_POSTAL_CODE = _lazy("郵便番号は7桁の数字で入力してください（例: 564-0041）。")
_POSTAL_CODE = re.compile(r"([0-9]{3})[-‐‑−–—―ー]?([0-9]{4})", re.ASCII)


def proxy_birth_date_problem(birth_date, on: date) -> str | None:
    """Why ``birth_date`` cannot be a proxy's on ``on`` (missing, before 1900, in the future, under 15),
    else None. The visit 1 form checks the same."""
    if birth_date is None:
        return _t("代理人の生年月日を入力してください。")
    if birth_date < PROXY_BORN_EARLIEST:
        earliest = PROXY_BORN_EARLIEST
        return _t("代理人の生年月日は%(date)s以降の日付を入力してください。") % {"date": f"{earliest:%Y-%m-%d}"}
    if birth_date >= on:
        return _t("代理人の生年月日が正しくありません（来庁日以降の日付です）。")
    if rules.age_on(birth_date, on) < PROXY_MIN_AGE:
        return _t("任意代理人は%(age)s歳以上の方に限られます。生年月日を確認してください。") % {"age": PROXY_MIN_AGE}
    return None


def normalize_postal_code(text) -> str | None:
    """A postal code as ``NNN-NNNN`` (7 digits, full-width or half-width, with or without a hyphen or a
    leading 〒), ``""`` for none, or None when it is not one (``=1+1``)."""
    if text is None:
        return ""
    if not isinstance(text, str):
        return None
    value = unicodedata.normalize("NFKC", text).strip().removeprefix("〒").strip()
    if not value:
        return ""
    match = _POSTAL_CODE.fullmatch(value)
    return f"{match.group(1)}-{match.group(2)}" if match else None


PROXY_CHECKLIST = (
    ("resident_card_checked", _lazy("本人のマイナンバーカードを確認してください。")),
    ("proxy_photo_id_checked", MSG_PHOTO_ID_REQUIRED),
    ("reply_complete", _lazy("照会書兼回答書の回答書欄が記入されていることを確認してください。")),
    ("power_of_attorney_complete", _lazy("委任状欄が記入されていることを確認してください。")),
    ("envelope_sealed", _lazy("回答書が封筒に封入され、割印されていることを確認してください。")),
    ("application_form_checked", _lazy("電子証明書新規発行申請書を受け取ってください。")),
)


@_atomic_domain_write
def proxy_visit1(
    *,
    resident: Resident,
    actor,
    reason: str,
    kind: str,
    signing: bool,
    user: bool,
    proxy_name: str,
    proxy_kana: str,
    proxy_address: str,
    proxy_birth_date: date,
    relation: str,
    proxy_postal_code: str = "",
    proxy_document: DocumentShown | None = None,
    office: Office | None = None,
    at: datetime | None = None,
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
    if kind not in (
        Application.Kind.NEW,
        Application.Kind.RENEWAL,
        Application.Kind.PASSWORD_INIT,
        Application.Kind.REVOCATION,
    ):
        errors.setdefault("kind", []).append(_t("任意代理人が申請できない手続です。"))
    for name, value, label in (
        ("proxy_name", proxy_name, _t("代理人の氏名")),
        ("proxy_kana", proxy_kana, _t("代理人の氏名（カナ）")),
        ("proxy_address", proxy_address, _t("代理人の住所")),
        ("relation", relation, _t("本人との関係")),
    ):
        if not value or not str(value).strip():
            errors.setdefault(name, []).append(_t("%(field)sを入力してください。") % {"field": label})
    birth_problem = proxy_birth_date_problem(proxy_birth_date, on)
    if birth_problem:
        errors.setdefault("proxy_birth_date", []).append(birth_problem)
    postal_code = normalize_postal_code(proxy_postal_code)
    if postal_code is None:
        errors.setdefault("proxy_postal_code", []).append(MSG_POSTAL_CODE)
    if proxy_document is not None and proxy_document.holder != IdentityDocument.Holder.PROXY:
        proxy_document = DocumentShown(
            IdentityDocument.Holder.PROXY, proxy_document.kind, proxy_document.issuer, proxy_document.number
        )
    card = active_card(resident)
    if kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
        plan = issuance_plan(
            resident=resident,
            signing=signing,
            user=user,
            on=on,
            applicant_type=Application.ApplicantType.PROXY,
            card=card,
        )
        for key, msgs in plan.refusals.items():
            # A certificate still valid today may be in its window by visit 2: only refuse hard cases.
            errors.setdefault(key, []).extend(msgs)
    else:
        if not resident.is_registered:
            errors.setdefault("resident", []).append(_t("吹田市に住民登録がないため申請できません。"))
        needs_legal = (
            rules.age_on(resident.birth_date, on) < rules.SIGNING_CERTIFICATE_MIN_AGE or resident.is_adult_ward
        )
        if needs_legal:
            errors.setdefault("applicant_type", []).append(
                _t(
                    "15歳未満の方および成年被後見人の方は任意代理人による申請はできません（法定代理人が申請してください）。"
                )
            )
        if not signing and not user:
            errors.setdefault("signing", []).append(_t("対象の電子証明書を選択してください。"))
        if card is None:
            errors.setdefault("card", []).append(_t("有効なマイナンバーカードがありません。"))
        else:
            current = valid_certificates(card)
            if signing and Certificate.Kind.SIGNING not in current:
                errors.setdefault("signing", []).append(_t("有効な署名用電子証明書がありません。"))
            if user and Certificate.Kind.USER not in current:
                errors.setdefault("user", []).append(_t("有効な利用者証明用電子証明書がありません。"))
    if errors:
        raise ValidationError(errors)
    app = _new_application(
        kind=kind,
        applicant_type=Application.ApplicantType.PROXY,
        resident=resident,
        card=card,
        office=office,
        at=at,
        actor=actor,
        reason=reason,
        status=Application.Status.AWAITING_LETTER,
        signing_requested=bool(signing),
        user_requested=bool(user),
        outside_counter_hours=flag,
    )
    proxy = ProxyAuthorization(
        application=app,
        proxy_name=proxy_name.strip()[:100],
        proxy_kana=proxy_kana.strip()[:200],
        proxy_postal_code=postal_code,
        proxy_address=proxy_address.strip()[:200],
        proxy_birth_date=proxy_birth_date,
        relation=relation.strip()[:40],
        stage=ProxyAuthorization.Stage.VISIT1,
        visit1_at=at,
        visit1_office=office,
        inquiry_requested=True,
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
        raise ValidationError({"application": _t("任意代理人による申請ではありません。")}) from exc
    return app, proxy


def _refuse_if_ended(app: Application, proxy: ProxyAuthorization) -> None:
    if proxy.stage == ProxyAuthorization.Stage.RETURNED or app.status == Application.Status.RETURNED:
        raise ValidationError(
            {"application": _t("照会書が返戻されたため、この申請は終了しています。改めて申請を受け付けてください。")}
        )
    if app.status == Application.Status.CANCELLED or proxy.stage == ProxyAuthorization.Stage.WITHDRAWN:
        note = withdrawal_note(app)
        message = (
            _t("この申請は取り下げられています（%(note)s）。") % {"note": note}
            if note
            else _t("この申請は取り下げられています。")
        )
        raise ValidationError({"application": message})
    if app.status in (Application.Status.COMPLETED, Application.Status.REFUSED):
        raise ValidationError(
            {"application": _t("この申請は既に「%(status)s」です。") % {"status": app.get_status_display()}}
        )


@_atomic_domain_write
def proxy_letter_sent(
    *, application: Application, actor, reason: str, at: datetime | None = None
) -> ProxyAuthorization:
    """The inquiry letter (照会書兼回答書) was mailed to the resident, 転送不要."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    if proxy.stage != ProxyAuthorization.Stage.VISIT1:
        raise ValidationError({"application": _t("照会書は既に発送済みです。")})
    if at < proxy.visit1_at:
        raise ValidationError({"at": _t("発送日時が1回目の来庁より前になっています。")})
    proxy.stage = ProxyAuthorization.Stage.LETTER_SENT
    proxy.letter_sent_at = at
    _save(proxy, actor, reason)
    app.status = Application.Status.LETTER_SENT
    _save(app, actor, reason)
    return proxy


@_atomic_domain_write
def proxy_reply_received(
    *, application: Application, actor, reason: str, at: datetime | None = None
) -> ProxyAuthorization:
    """The completed reply form (回答書) reached the office (usually brought sealed by the proxy)."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    if proxy.stage == ProxyAuthorization.Stage.REPLY_RECEIVED:
        raise ValidationError({"application": _t("この回答書は既に受理されています。")})
    if proxy.stage != ProxyAuthorization.Stage.LETTER_SENT:
        raise ValidationError({"application": _t("照会書がまだ発送されていません。")})
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
        raise ValidationError({"return_reason": _t("返戻理由を選択してください。")})
    app, proxy = _lock_proxy(application)
    if proxy.stage == ProxyAuthorization.Stage.RETURNED:
        raise ValidationError({"application": _t("この照会書の返戻は既に記録されています。")})
    _refuse_if_ended(app, proxy)
    if proxy.stage != ProxyAuthorization.Stage.LETTER_SENT:
        raise ValidationError({"application": _t("発送済みの照会書ではないため返戻を記録できません。")})
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
    *,
    application: Application,
    actor,
    reason: str,
    checklist: dict[str, bool],
    proxy_document: DocumentShown | None,
    office: Office | None = None,
    at: datetime | None = None,
    outside_hours_confirmed: bool = False,
    certificate_name: str | None = None,
    certificate_address: str | None = None,
) -> Application:
    """Visit 2: the proxy brings the card, an official photo ID, the sealed reply with the 委任状 and
    the application form. Refused the same day as visit 1 and without a photo ID."""
    reason = _require_reason(reason)
    at = _now(at)
    app, proxy = _lock_proxy(application)
    _refuse_if_ended(app, proxy)
    errors: dict[str, list[str]] = {}
    if proxy.stage == ProxyAuthorization.Stage.VISIT1:
        errors.setdefault("application", []).append(
            _t("照会書がまだ発送されていません。発送後、回答書を持参のうえ来庁してください。")
        )
    if _local_date(at) <= _local_date(proxy.visit1_at):
        errors.setdefault("application", []).append(
            _t("任意代理人による申請は即日処理できません（1回目来庁: %(day)s）。")
            % {"day": f"{_local_date(proxy.visit1_at):%Y-%m-%d}"}
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
            resident=resident,
            signing=app.signing_requested,
            user=app.user_requested,
            on=on,
            applicant_type=Application.ApplicantType.PROXY,
            card=card,
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
    document = DocumentShown(
        IdentityDocument.Holder.PROXY, proxy_document.kind, proxy_document.issuer, proxy_document.number
    )
    _record_documents(app, [document], visit=2, at=at, actor=actor, reason=reason)

    if app.kind in (Application.Kind.NEW, Application.Kind.RENEWAL):
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
    elif app.kind == Application.Kind.REVOCATION:
        _revoke_requested(
            valid_certificates(card), app.signing_requested, app.user_requested, at=at, actor=actor, reason=reason
        )
    app.card = card
    app.status = Application.Status.COMPLETED
    app.completed_at = at
    app.outside_counter_hours = app.outside_counter_hours or flag
    _save(app, actor, reason)
    return app


@_atomic_domain_write
def application_cancel(
    *,
    application: Application,
    actor,
    reason: str,
    at: datetime | None = None,
    outside_hours_confirmed: bool = False,
) -> Application:
    """Withdrawal of an open application (取下げ): the application ends without issuance.

    The reason is kept on the application (its notes) as well as in the history, so that a later
    step (visit 2, a reply) is refused with it. A proxy case closes (stage 取下げ): it leaves the
    lists of letters awaiting a reply. Letters already printed or mailed stay as they were recorded.
    """
    reason = _require_reason(reason)
    at = _now(at)
    app = Application.objects.select_for_update().get(pk=application.pk)
    if not app.is_open:
        raise ValidationError(
            {"application": _t("この申請は既に「%(status)s」です。") % {"status": app.get_status_display()}}
        )
    flag = _check_counter_hours(at, outside_hours_confirmed)
    proxy = ProxyAuthorization.objects.select_for_update().filter(application=app).first()
    if proxy is not None:
        proxy.stage = ProxyAuthorization.Stage.WITHDRAWN
        _save(proxy, actor, reason)
    note = f"取下げ（{_local_date(at):%Y-%m-%d}）: {reason}"  # Japanese by nature: stored in the notes
    app.notes = f"{app.notes}\n{note}" if app.notes else note
    app.status = Application.Status.CANCELLED
    app.completed_at = at
    app.outside_counter_hours = app.outside_counter_hours or flag
    return _save(app, actor, reason)


def withdrawal_note(app: Application) -> str:
    """The withdrawal line of an application's notes (「取下げ（日付）: 理由」), or ""."""
    lines = [line for line in (app.notes or "").splitlines() if line.startswith("取下げ（")]
    return lines[-1] if lines else ""
