"""What every counter procedure shares (窓口の手続): the :class:`Workflow` base class, the confirm
step's :class:`Preview`, and the formatting of dates, fees and certificates on those pages."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from jpki import rules, services
from jpki.models import Application, Card, Certificate
from residents import charset
from residents.models import Resident

from . import forms as wf_forms
from . import offers


class _DryRun(Exception):
    """Raised inside a transaction to roll back a trial run of a service."""


@dataclass
class Preview:
    """What the confirm step shows: rows of (label, value), what will be revoked, notes."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    revokes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _d(day: date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else "—"


def _cert_line(cert: Certificate) -> str:
    return f"{cert.get_kind_display()}（シリアル {cert.serial}、有効期限 {_d(cert.expires_on)}）"


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _today() -> date:
    return timezone.localdate()


class Workflow(abc.ABC):
    slug = ""
    title = _("手続")
    form_class = wf_forms.WorkflowForm
    permission = "jpki.add_application"
    needs_application = False
    submit_label = _("この内容で記録する")
    intro = ""

    # -- availability on the resident page -------------------------------------------------------
    def available(self, resident: Resident, card: Card | None, valid: dict) -> offers.Availability:
        """Whether the resident page offers this procedure now; false with the reason it is refused
        (``offers.Availability``: truthy when it can be done)."""
        return offers.OK if resident.is_registered else offers.refused(offers.MSG_NOT_REGISTERED)

    # -- steps --------------------------------------------------------------------------------------
    def picker(self, request, resident) -> dict | None:
        """What a form page offers to fill the form from the register (e.g. the proxy picker), or None."""
        return None

    def form_kwargs(self, resident, application):
        return {"resident": resident, "application": application}

    def preview(self, request, form, resident, application) -> Preview:
        return Preview()

    @abc.abstractmethod
    def perform(self, request, form, resident, application, dry=False):
        """Call the service that records this procedure (every workflow defines it)."""

    def result(self, request, outcome, resident, application) -> dict:
        return {
            "rows": [],
            "application_id": getattr(outcome, "pk", None) if isinstance(outcome, Application) else None,
        }

    # helpers
    def plan_preview(
        self, plan: services.IssuancePlan, preview: Preview | None = None, resident: Resident | None = None
    ) -> Preview:
        preview = preview or Preview()
        preview.warnings.extend(cap_warnings(plan, resident))
        kind_label = dict(Application.Kind.choices).get(plan.kind, plan.kind)
        preview.rows.append((_t("手続の種類"), str(kind_label)))
        if plan.card_expires_on:
            preview.rows.append((_t("カードの有効期限"), _d(plan.card_expires_on)))
        if plan.signing:
            preview.rows.append((_t("署名用電子証明書の有効期限"), _d(plan.signing_expires_on)))
            preview.rows.append((_t("署名用電子証明書の更新可能期間の開始"), _d(plan.signing_renewal_starts_on)))
        if plan.user:
            preview.rows.append((_t("利用者証明用電子証明書の有効期限"), _d(plan.user_expires_on)))
            preview.rows.append((_t("利用者証明用電子証明書の更新可能期間の開始"), _d(plan.user_renewal_starts_on)))
        preview.rows.append((_t("手数料"), _yen(plan.fee)))
        for cert in plan.revokes:
            preview.revokes.append(_cert_line(cert) + "（更新により失効）")
        return preview

    def certificate_text_preview(self, resident: Resident, preview: Preview, form=None) -> None:
        overrides = {}
        if form is not None:
            overrides = {
                "name": form.cleaned_data.get("certificate_name") or "",
                "address": form.cleaned_data.get("certificate_address") or "",
            }
        for key, label, text in (
            ("name", _t("証明書に記録する氏名"), resident.name),
            ("address", _t("証明書に記録する住所"), resident.address),
        ):
            if overrides.get(key):
                preview.rows.append((label, f"{overrides[key]}（職員が入力）"))
                continue
            issues = charset.check_text(text)
            if not issues:
                preview.rows.append((label, text))
                continue
            try:
                converted, _pos = charset.substitute_characters_detailed(text)
            except ValidationError as exc:
                preview.warnings.extend(exc.messages)
                continue
            detail = "、".join(f"{i['position'] + 1}文字目 {i['char']}→{i['substitute'] or '（削除）'}" for i in issues)
            preview.rows.append((label, f"{converted}（代替文字: {detail}）"))

    @staticmethod
    def issued_rows(application: Application) -> list[tuple[str, str]]:
        rows = [
            (_t("申請番号"), f"#{application.pk}"),
            (_t("手続の種類"), application.get_kind_display()),
            (_t("状態"), application.get_status_display()),
        ]
        for cert in application.certificates.order_by("kind"):
            starts, _end = rules.renewal_window(cert.expires_on)
            rows.append(
                (
                    cert.get_kind_display(),
                    f"有効期限 {_d(cert.expires_on)}（更新は {_d(starts)} から）・シリアル {cert.serial}",
                )
            )
        if application.fee_due:
            rows.append(
                (_t("手数料"), f"{_yen(application.fee_due)}（領収番号 {application.fee_receipt_number or '—'}）")
            )
        if application.outside_counter_hours:
            rows.append((_t("取扱時間外"), _t("時間外処理として記録（監督者の確認対象）")))
        return rows


CAP_WARNING_MONTHS = 6


def _jdate(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cap_warnings(plan: services.IssuancePlan, resident: Resident | None) -> list[str]:
    """A new certificate that the card (or the period of stay, through the card) ends within 6 months:
    say so on the confirm step, so that the clerk can tell the resident (a child who just turned 15...)."""
    card_end = plan.card_expires_on
    if card_end is None or card_end > rules.add_months(plan.on, CAP_WARNING_MONTHS):
        return []
    stay = resident.period_of_stay_ends_on if resident is not None and resident.stay_limits_card else None
    if stay is not None and stay == card_end:
        cause = _t("在留期間の満了日（%(day)s）") % {"day": _jdate(stay)}
    else:
        cause = _t("カードの有効期限（%(day)s）") % {"day": _jdate(card_end)}
    warnings = []
    for wanted, expires, label in (
        (plan.signing, plan.signing_expires_on, _t("署名用電子証明書")),
        (plan.user, plan.user_expires_on, _t("利用者証明用電子証明書")),
    ):
        if wanted and expires is not None and expires == card_end:
            warnings.append(
                _t("%(cause)sにより、%(label)sは%(day)sまでです。カードの更新をご案内ください。")
                % {"cause": cause, "label": label, "day": _jdate(expires)}
            )
    return warnings


def _current(resident):
    card = services.active_card(resident)
    return card, services.valid_certificates(card)
