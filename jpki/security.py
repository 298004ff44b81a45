"""Hardening of the project: login throttling and the Japanese lockout page, the Content-Security-Policy
header, staff accounts that are never deleted, ids from URLs that are not ids. (Text that may be stored,
and the 個人番号 detector, are ``residents.safety``.)

- ``AXES_HANDLER = "jpki.security.LoginThrottleHandler"``: django-axes' database handler with one limit
  per lockout parameter (per account and address, per address, per account over all addresses);
- ``AXES_CLIENT_IP_CALLABLE = "jpki.security.client_ip_address"``: the client's address, taken from
  ``X-Forwarded-For`` only behind ``TRUSTED_PROXY_COUNT`` trusted reverse proxies;
- ``AXES_LOCKOUT_CALLABLE = "jpki.security.lockout_response"`` (a Japanese lockout page, 429);
- :class:`ContentSecurityPolicyMiddleware` sends ``settings.SECURE_CSP`` on every response;
- :func:`refuse_staff_account_deletion` is a ``pre_delete`` receiver for the user model: staff
  accounts are deactivated, never deleted (deleting one would blank the author of its history rows).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

# --- login throttling (django-axes) --------------------------------------------------------------------


def client_ip_address(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address failed logins are counted against.

    With ``TRUSTED_PROXY_COUNT = 0`` (the default) it is ``REMOTE_ADDR`` and ``X-Forwarded-For`` is
    ignored: a client must not choose the address that gets locked. Behind N trusted reverse proxies
    that each append the address they received the request from (nginx ``$proxy_add_x_forwarded_for``),
    the last N entries of the header were written by those proxies, and the N-th from the right is the
    address the outermost one saw; whatever the client put in front of it is never used. A header with
    fewer entries, or an entry that is not an address, falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def _failure_limit(parameter) -> int:
    """The number of failures within the cool-off that locks one lockout parameter of
    ``AXES_LOCKOUT_PARAMETERS`` (a name or a list of names)."""
    names = {parameter} if isinstance(parameter, str) else set(parameter)
    if names == {"ip_address"}:
        return settings.AXES_ADDRESS_FAILURE_LIMIT
    if names == {"username"}:
        return settings.AXES_USERNAME_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler (the attempts stay in ``AccessAttempt``, axes' admin and
    ``axes.utils.reset`` work as documented) with a limit of its own for each lockout parameter.

    Axes compares one number, :meth:`get_failures`, with one limit, ``AXES_FAILURE_LIMIT``. Here
    that number is, over every parameter, the failures counted for it shifted by the difference of
    its limit from ``AXES_FAILURE_LIMIT``: it reaches ``AXES_FAILURE_LIMIT`` exactly when one of the
    parameters reaches its own limit (per account and address: ``AXES_FAILURE_LIMIT``; per address
    over all accounts: ``AXES_ADDRESS_FAILURE_LIMIT``; per account over all addresses:
    ``AXES_USERNAME_FAILURE_LIMIT``).

    A successful login clears only the failures of that account from that address (the clerk's own
    typos), not those of the address or of the account elsewhere: logging in with one's own account
    must not give an address, or an attacker elsewhere, a fresh allowance of guesses.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        account_limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            names = {parameter} if isinstance(parameter, str) else set(parameter)
            if "username" in names and not username:
                continue  # no account named: the account's counters do not apply
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if failures:
                worst = max(worst, failures + account_limit - _failure_limit(parameter))
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=get_client_ip_address(request)).delete()
        return count


# --- the lockout page (django-axes) ----------------------------------------------------------------------

LOCKOUT_MESSAGE = _lazy("ログインに続けて失敗したため、ログインを一時的に停止しています。")
LOCKOUT_ASK_SUPERVISOR = _lazy("お急ぎの場合は、監督者にログイン制限の解除を依頼してください。")


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The response django-axes returns to a locked-out login (HTTP 429, in Japanese)."""
    minutes = int(float(getattr(settings, "AXES_COOLOFF_TIME", 0.5) or 0) * 60)
    wait = _t("最後の試行から約%(minutes)s分後に自動で解除されます。") % {"minutes": minutes} if minutes else ""
    title = escape(_t("ログインできません"))
    back = escape(_t("ログイン画面へ戻る"))
    body = (
        f'<!doctype html><html lang="{escape(get_language() or "ja")}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{escape(LOCKOUT_MESSAGE)}{escape(wait)}</p>"
        f"<p>{escape(LOCKOUT_ASK_SUPERVISOR)}</p>"
        f'<p><a href="/admin/login/">{back}</a></p></body></html>'
    )
    return HttpResponse(body, status=429, content_type="text/html; charset=utf-8")


# --- Content-Security-Policy ----------------------------------------------------------------------------


def csp_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script or event handler text."""
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def content_security_policy(directives: dict) -> str:
    """``{"default-src": ["'self'"], ...}`` as the header's value."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.SECURE_CSP`` (directive -> sources, the shape of Django 6.0's setting of the
    same name, so that its own middleware can replace this one) as ``Content-Security-Policy`` on
    every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(settings.SECURE_CSP)
        return response


# --- staff accounts are deactivated, never deleted ------------------------------------------------------------

MSG_DEACTIVATE = _lazy("職員のアカウントは削除できません。無効化（有効のチェックを外す）してください。")


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
