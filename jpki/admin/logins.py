"""ログイン失敗の記録: failed logins (django-axes' ``AccessAttempt`` rows) for supervisors, and the
two actions that lift a lockout.

Each row is one account tried from one address (and browser) within the cool-off. Its state shows
which of the three limits of ``jpki.security.LoginThrottleHandler`` it has reached: the account at
that address, the address over all accounts, the account over all addresses. A supervisor (the
``axes.view_accessattempt`` and ``axes.change_accessattempt`` permissions of ``jpki.roles``; "change"
means "unlock") lifts a lock with axes' public API ``axes.utils.reset``: for the selected accounts
everywhere, or for the selected addresses. What was removed is in Django's admin log (who, when).
Nothing else can be added, edited or deleted here.
"""

from __future__ import annotations

import logging

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .changelists import SafeChangeListMixin

log = logging.getLogger("jpki.security")

TITLE = gettext_lazy("ログイン失敗の記録（ログイン制限の解除）")


def _failures_within_cool_off(field: str, since):
    """The failures counted for this row's ``field`` (``ip_address`` or ``username``) over all rows."""
    rows = (
        AccessAttempt.objects.filter(**{field: OuterRef(field)}, attempt_time__gte=since)
        .order_by()
        .values(field)
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _locked_q() -> Q:
    return (
        Q(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        | Q(address_failures__gte=settings.AXES_ADDRESS_FAILURE_LIMIT)
        | Q(username_failures__gte=settings.AXES_USERNAME_FAILURE_LIMIT)
    )


class LockedFilter(admin.SimpleListFilter):
    title = gettext_lazy("状態")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("ロック中")), ("no", _("ロックされていない"))]

    def queryset(self, request, queryset):
        current = Q(attempt_time__gte=timezone.now() - get_cool_off(request))
        if self.value() == "yes":
            return queryset.filter(_locked_q(), current)
        if self.value() == "no":
            return queryset.exclude(_locked_q(), current)
        return queryset


class LoginAttemptAdmin(SafeChangeListMixin, admin.ModelAdmin):
    list_display = ("when", "account", "address", "failures", "state")
    list_filter = (LockedFilter,)
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    list_per_page = 100
    actions = ("unlock_accounts", "unlock_addresses")
    fields = ("attempt_time", "username", "ip_address", "user_agent", "path_info", "failures_since_start")
    readonly_fields = fields

    def get_queryset(self, request):
        since = timezone.now() - get_cool_off(request)
        return (
            super()
            .get_queryset(request)
            .annotate(
                address_failures=_failures_within_cool_off("ip_address", since),
                username_failures=_failures_within_cool_off("username", since),
            )
        )

    # Nothing is added or edited here, and rows go only through the unlock actions.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unlock_permission(self, request):
        return request.user.has_perm("axes.change_accessattempt")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context={"title": TITLE, **(extra_context or {})})

    # --- columns -------------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("最後の失敗"), ordering="attempt_time")
    def when(self, obj):
        return timezone.localtime(obj.attempt_time).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("ユーザー名"), ordering="username")
    def account(self, obj):
        return obj.username or "—"

    @admin.display(description=gettext_lazy("接続元アドレス"), ordering="ip_address")
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=gettext_lazy("失敗回数"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(description=gettext_lazy("状態"))
    def state(self, obj):
        if obj.attempt_time < timezone.now() - get_cool_off():
            return _("期限切れ（数えられません）")
        reasons = []
        if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            reasons.append(_("このアカウントはこの接続元からロック中"))
        if getattr(obj, "address_failures", 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            reasons.append(_("この接続元はすべてのアカウントでロック中"))
        if getattr(obj, "username_failures", 0) >= settings.AXES_USERNAME_FAILURE_LIMIT:
            reasons.append(_("このアカウントはすべての接続元でロック中"))
        if reasons:
            return _("・").join(reasons)
        return _("あと%(n)d回でロック") % {"n": settings.AXES_FAILURE_LIMIT - obj.failures_since_start}

    # --- the unlock actions --------------------------------------------------------------------------

    def _unlock(self, request, field: str, values: list[str]) -> int:
        rows = AccessAttempt.objects.filter(**{f"{field}__in": values})
        self.log_deletions(request, rows)
        if field == "username":
            removed = sum(reset(username=value) for value in values)
        else:
            removed = sum(reset(ip=value) for value in values)
        log.warning("login lockout lifted by %s: %s %s (%d attempt rows)", request.user, field, values, removed)
        return removed

    @admin.action(
        description=gettext_lazy("選択したアカウントのログイン制限を解除（すべての接続元）"), permissions=["unlock"]
    )
    def unlock_accounts(self, request, queryset):
        names = sorted({name for name in queryset.values_list("username", flat=True) if name})
        if not names:
            self.message_user(request, _("ユーザー名のある行を選択してください。"), messages.WARNING)
            return
        removed = self._unlock(request, "username", names)
        self.message_user(
            request,
            _("%(names)sのログイン制限を解除しました（失敗の記録 %(n)d 件を削除）。")
            % {"names": _("、").join(_("「%(name)s」") % {"name": name} for name in names), "n": removed},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("選択した接続元アドレスのログイン制限を解除（すべてのアカウント）"),
        permissions=["unlock"],
    )
    def unlock_addresses(self, request, queryset):
        addresses = sorted({ip for ip in queryset.values_list("ip_address", flat=True) if ip})
        if not addresses:
            self.message_user(request, _("接続元アドレスのある行を選択してください。"), messages.WARNING)
            return
        removed = self._unlock(request, "ip_address", addresses)
        self.message_user(
            request,
            _("接続元 %(ips)s のログイン制限を解除しました（失敗の記録 %(n)d 件を削除）。")
            % {"ips": _("、").join(addresses), "n": removed},
            messages.SUCCESS,
        )


# django-axes registers its own English admin for AccessAttempt (its app comes before jpki in
# INSTALLED_APPS, so autodiscover has run it); this one replaces it.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LoginAttemptAdmin)
