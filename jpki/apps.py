"""The certificate domain's app: cards, certificates, applications, proxies; roles synced after migrate."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JpkiConfig(AppConfig):
    name = "jpki"
    verbose_name = _("電子証明書")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the project's deploy checks)
        from .roles import sync_roles

        def _sync(sender, using="default", **kwargs):
            if sender.name == "letters" or sender.name == self.name:
                sync_roles(using=using)

        post_migrate.connect(_sync, dispatch_uid="jpki_sync_roles", weak=False)

        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from .security import refuse_staff_account_deletion

        pre_delete.connect(
            refuse_staff_account_deletion, sender=get_user_model(), dispatch_uid="jpki_no_staff_delete", weak=False
        )
