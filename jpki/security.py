"""Hardening helpers: the lockout page, text that cannot be stored, 個人番号 detection, staff accounts.

Nothing here is wired in by itself; the settings and services refer to it:

- ``AXES_LOCKOUT_CALLABLE = "jpki.security.lockout_response"`` (a Japanese lockout page, 429);
- ``jpki.services._save`` / ``_require_reason`` call :func:`check_instance_text` /
  :func:`check_text` so that NUL bytes and unpaired surrogates are refused with a Japanese
  message instead of failing in the database driver (PostgreSQL refuses NUL in text columns,
  both drivers refuse lone surrogates);
- :func:`refuse_staff_account_deletion` is a ``pre_delete`` receiver for the user model: staff
  accounts are deactivated, never deleted (deleting one would blank the author of its history rows).
"""
from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
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


# --- text a database cannot store -------------------------------------------------------------------------

MSG_NUL = "使用できない制御文字（NUL）が含まれています。入力し直してください。"
MSG_SURROGATE = "文字化けした文字（対になっていないサロゲート）が含まれています。入力し直してください。"
MSG_CONTROL = "使用できない制御文字（{codepoint}）が含まれています。入力し直してください。"
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def text_problem(value) -> str | None:
    """A Japanese message when ``value`` holds characters no column should hold, else ``None``.

    Refused: NUL (PostgreSQL text columns cannot hold it), unpaired surrogates (not encodable as
    UTF-8 by either driver) and the other C0/C1 control characters (never typed at a counter;
    tab and line breaks stay allowed for notes).
    """
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return MSG_NUL
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return MSG_SURROGATE
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return MSG_CONTROL.format(codepoint=f"U+{ord(char):04X}")
    return None


def check_text(value, field: str) -> None:
    """Raise ``ValidationError({field: message})`` when ``value`` cannot be stored."""
    problem = text_problem(value)
    if problem:
        raise ValidationError({field: problem})


def check_instance_text(obj: models.Model) -> None:
    """Check every text column of a model instance before it is saved (all errors at once)."""
    errors: dict[str, list[str]] = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            problem = text_problem(getattr(obj, field.attname, None))
            if problem:
                errors.setdefault(field.name, []).append(problem)
    if errors:
        raise ValidationError(errors)


# --- the individual number (個人番号) ------------------------------------------------------------------------

_TWELVE_DIGITS = re.compile(r"(?<![0-9０-９])([0-9０-９][ 　\-‐－]?){11}[0-9０-９](?![0-9０-９])")


def individual_number_check_digit(first_eleven: str) -> int:
    """The check digit of a 個人番号 (行政手続における特定の個人を識別するための番号の利用等に関する
    法律施行令 第8条): weights 2..7 then 2..6 from the right."""
    digits = [int(d) for d in first_eleven]
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def looks_like_individual_number(text: str) -> bool:
    """Whether ``text`` contains a 12-digit run (spaces/hyphens allowed) with a valid check digit."""
    if not isinstance(text, str):
        return False
    normalized = unicodedata.normalize("NFKC", text)
    for match in _TWELVE_DIGITS.finditer(normalized):
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if len(digits) == 12 and individual_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False


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


class SafeHistoryIdsMixin:
    """For ``SimpleHistoryAdmin`` subclasses: a history URL with an id that is not an id is a 404,
    not a 500 (django-simple-history's ``history_view`` / ``history_form_view`` query with the raw
    value; upstream django-commons/django-simple-history#1108)."""

    def history_view(self, request, object_id, extra_context=None):
        from django.contrib.admin.utils import unquote
        from django.http import Http404

        if not is_valid_pk(self.model, unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        from django.contrib.admin.utils import unquote
        from django.http import Http404

        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        if not (is_valid_pk(self.model, unquote(object_id)) and is_valid_pk(history_model, version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
