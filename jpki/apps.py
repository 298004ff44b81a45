from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JpkiConfig(AppConfig):
    name = "jpki"
    verbose_name = _("電子証明書")
