"""Hardening of the project: the Japanese lockout page, staff accounts that are never deleted, ids from
URLs that are not ids. (Text that may be stored, and the 個人番号 detector, are ``residents.safety``.)

- ``AXES_LOCKOUT_CALLABLE = "jpki.security.lockout_response"`` (a Japanese lockout page, 429);
- :func:`refuse_staff_account_deletion` is a ``pre_delete`` receiver for the user model: staff
  accounts are deactivated, never deleted (deleting one would blank the author of its history rows).
"""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.html import escape

# --- the lockout page (django-axes) ----------------------------------------------------------------------

LOCKOUT_MESSAGE = (
    "ログインに続けて失敗したため、このアカウントは一時的にロックされました。"
    "しばらく時間をおいてから再度お試しください。お急ぎの場合は監督者に解除を依頼してください。"
)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The response django-axes returns to a locked-out login (HTTP 429, in Japanese)."""
    from django.conf import settings

    minutes = int(float(getattr(settings, "AXES_COOLOFF_TIME", 0.5) or 0) * 60)
    wait = f"（約{minutes}分後に自動で解除されます）" if minutes else ""
    body = (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ログインできません</title></head>'
        f"<body><h1>ログインできません</h1><p>{escape(LOCKOUT_MESSAGE)}{escape(wait)}</p>"
        '<p><a href="/admin/login/">ログイン画面へ戻る</a></p></body></html>'
    )
    return HttpResponse(body, status=429, content_type="text/html; charset=utf-8")


# --- staff accounts are deactivated, never deleted ------------------------------------------------------------

MSG_DEACTIVATE = "職員のアカウントは削除できません。無効化（有効のチェックを外す）してください。"


def refuse_staff_account_deletion(sender, instance, **kwargs):
    """``pre_delete`` receiver for the user model: a staff account is never deleted (its history
    rows would lose their author: simple-history's ``history_user`` is ``SET_NULL``)."""
    from django.core.exceptions import PermissionDenied

    if getattr(instance, "is_staff", False) or getattr(instance, "is_superuser", False) or authored_history(instance):
        raise PermissionDenied(MSG_DEACTIVATE)


def authored_history(user) -> bool:
    """Whether ``user`` is the author (``history_user``) of any history row."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.model_name.startswith("historical") and hasattr(model, "history_user"):
            if model._default_manager.filter(history_user_id=user.pk).exists():
                return True
    return False


# --- admin: ids that are not ids ------------------------------------------------------------------------------


def is_valid_pk(model, value) -> bool:
    """Whether ``value`` (from a URL) can be a primary key of ``model`` ("abc", "²", "1\\x00" cannot)."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    if value is None or not isinstance(value, (str, int)):
        return False
    if isinstance(value, str) and not value.isascii():
        return False
    try:
        model._meta.pk.to_python(value)
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        return False
    return True
