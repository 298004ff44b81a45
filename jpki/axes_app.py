"""django-axes (login throttling) as staff see it in the admin.

Its own module: Django picks the default AppConfig of ``jpki.apps`` automatically only while that
module defines exactly one (a second one there made ``jpki`` fall back to a bare AppConfig, without
its ``ready()``: no roles synced).
"""

from axes import apps as axes_apps
from django.utils.translation import gettext_lazy as _


class AxesConfig(axes_apps.AppConfig):
    """axes' app has no verbose name of its own (the sidebar said "Axes"); its model and field names
    come from the project's catalogues (``locale/ja``)."""

    verbose_name = _("ログイン試行の記録")
