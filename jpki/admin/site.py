"""The admin site itself: its titles, no bulk delete anywhere, staff accounts that cannot be deleted."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

CITY_NAME = getattr(settings, "CITY_NAME", "吹田市")
SYSTEM_NAME = getattr(settings, "SYSTEM_NAME", "電子証明書窓口システム")
admin.site.site_header = f"{CITY_NAME} {SYSTEM_NAME}"
admin.site.site_title = f"{CITY_NAME} {SYSTEM_NAME}"
admin.site.index_title = _("窓口の状況")
# Records are never hard-deleted: no bulk delete anywhere (staff accounts are deactivated instead).
admin.site.disable_action("delete_selected")


# Staff accounts are deactivated, never deleted.
User = get_user_model()
if admin.site.is_registered(User):
    _user_admin_class = type(admin.site.get_model_admin(User))

    class NoDeleteUserAdmin(_user_admin_class):
        def has_delete_permission(self, request, obj=None):
            return False

    admin.site.unregister(User)
    admin.site.register(User, NoDeleteUserAdmin)
