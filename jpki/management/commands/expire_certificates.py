"""Move cards and certificates past their expiry day to the expired state (idempotent).

Run daily (cron / systemd timer) after midnight: `manage.py expire_certificates`.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jpki.services import expire_due


class Command(BaseCommand):
    help = "有効期限を過ぎたカードと電子証明書を「有効期限切れ」にします（何度実行しても同じ結果になります）。"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="基準日 YYYY-MM-DD（省略時は今日）。この日より前に期限が来たものが対象です。")

    def handle(self, *args, **options):
        on = timezone.localdate()
        if options.get("on"):
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("--on は YYYY-MM-DD の形式で指定してください。") from exc
        cards, certificates = expire_due(on=on)
        self.stdout.write(f"expired: cards {cards}, certificates {certificates} (as of {on:%Y-%m-%d})")
