"""How every write is recorded: the acting user and the reason go into the history row, text is
checked before it reaches the database (no character a column cannot hold, no 個人番号 in any
free-text column or reason: :mod:`residents.safety`). Used by the services of every layer."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_noop

from . import safety

# Marked for translation; raisers wrap it in gettext (the constant stays plain text).
MSG_CONCURRENT = gettext_noop("同じ記録を別の職員が同時に処理しました。画面を開き直して状態を確認してください。")


def stamp(obj, actor, reason: str):
    """Set the history user and the change reason simple-history writes with the next save."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj


def save(obj, actor, reason: str, **kwargs):
    """Save ``obj`` with its history row. Its text and the reason are checked first: NUL, lone
    surrogates or a 個人番号 are a ``ValidationError`` keyed by the field (``reason`` for the reason)."""
    safety.check_instance_text(obj)
    safety.check_text(reason, "reason")
    stamp(obj, actor, reason)
    obj.save(**kwargs)
    return obj


def require_reason(reason: str) -> str:
    """The reason of a procedure, required, trimmed and checked (500 characters at most; never a
    個人番号, which would sit in every history row written with it)."""
    if not reason or not str(reason).strip():
        raise ValidationError({"reason": _t("理由を入力してください。")})
    safety.check_text(reason, "reason")
    return str(reason).strip()[:500]


def now(at: datetime | None) -> datetime:
    """``at`` or the current time; a naive datetime is refused."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationError({"at": _t("日時にはタイムゾーンが必要です。")})
    return at
