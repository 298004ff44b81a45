"""The register's app (住民記録): residents and the substitution table of characters."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("住民")
