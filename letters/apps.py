"""The letters' app: 照会書兼回答書, application forms, mailing batches and their PDFs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("郵送・帳票")

    def ready(self):
        from . import review  # noqa: F401  (registers the letters' sources of the review queue)
