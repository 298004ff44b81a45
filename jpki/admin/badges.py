"""Status badges for cards and certificates (一覧・住民画面の状態表示).

Pure presentation helpers on top of :func:`jpki.rules.certificate_state`: no queries here. The
callers prefetch the current card and its certificates (see ``jpki.admin.residents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jpki import rules

# A certificate in its renewal window that expires within this many days is "expires soon".
EXPIRES_SOON_DAYS = 30

LABELS = {
    "valid": _("有効"),
    "renewal_window": _("更新可能期間"),
    "expires_soon": _("期限間近"),
    "revoked": _("失効"),
    "expired": _("期限切れ"),
    "suspended": _("一時停止"),
    "none": _("なし"),
}


@dataclass(frozen=True)
class Badge:
    state: str
    label: str
    title: str = ""

    @property
    def css(self) -> str:
        return f"jpki-badge jpki-badge--{self.state}"


def until(day: date) -> str:
    """「〜2034-02-28」: valid until that day."""
    return gettext("〜%(date)s") % {"date": f"{day:%Y-%m-%d}"}


def certificate_badge(cert, today: date) -> Badge:
    """Badge for one certificate (or ``None`` → なし)."""
    if cert is None:
        return Badge("none", str(LABELS["none"]))
    if cert.status == "revoked":
        when = f"{cert.revoked_at:%Y-%m-%d}" if cert.revoked_at else ""
        return Badge("revoked", str(LABELS["revoked"]), f"{when} {cert.revocation_reason}".strip())
    state = "expired" if cert.status == "expired" else rules.certificate_state(cert.expires_on, today)
    if state == "renewal_window" and (cert.expires_on - today).days <= EXPIRES_SOON_DAYS:
        state = "expires_soon"
    title = until(cert.expires_on)
    if state in ("renewal_window", "expires_soon", "valid"):
        starts, _end = rules.renewal_window(cert.expires_on)
        title = gettext("〜%(date)s（更新は%(start)sから）") % {
            "date": f"{cert.expires_on:%Y-%m-%d}",
            "start": f"{starts:%Y-%m-%d}",
        }
    return Badge(state, str(LABELS[state]), title)


def card_badge(card, today: date) -> Badge:
    if card is None:
        return Badge("none", str(LABELS["none"]))
    if card.status == "suspended":
        return Badge("suspended", str(LABELS["suspended"]), until(card.expires_on))
    if card.status != "active" or card.expires_on < today:
        return Badge(
            "expired",
            card.get_status_display() if card.status != "active" else str(LABELS["expired"]),
            until(card.expires_on),
        )
    state = rules.certificate_state(card.expires_on, today)
    return Badge(
        "valid" if state == "valid" else "renewal_window",
        str(LABELS["valid"] if state == "valid" else LABELS["renewal_window"]),
        until(card.expires_on),
    )


def latest_by_kind(certificates) -> dict[str, object]:
    """The certificate of each kind to show: the valid one, else the most recently issued."""
    chosen: dict[str, object] = {}
    for cert in certificates:
        current = chosen.get(cert.kind)
        if current is None:
            chosen[cert.kind] = cert
            continue
        if current.status != "valid" and (
            cert.status == "valid" or (cert.issued_on, cert.pk) > (current.issued_on, current.pk)
        ):
            chosen[cert.kind] = cert
    return chosen
