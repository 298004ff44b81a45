"""``manage.py demo_register_feed DIR [--day YYYY-MM-DD] [--seed N]``: a day's register feed for the
demo city (a clean file and a file with refused rows), to try ``import_register`` and the admin."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jpki.demo.feed import day_files


class Command(BaseCommand):
    help = "デモの市の1日分の異動連携ファイル（問題なしのものと拒否される行を含むもの）を書き出します。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="書き出すフォルダ")
        parser.add_argument("--day", help="連携日 YYYY-MM-DD（省略時は今日。異動日はその前日）")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, directory, day=None, seed=1, **options):
        try:
            on = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--day は YYYY-MM-DD の形式で指定してください。") from exc
        try:
            clean, refused, counts = day_files(Path(directory), day=on, seed=seed)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{clean}  ({counts['clean']} rows)")
        self.stdout.write(f"{refused}  ({counts['refused_file']} rows, some refused)")
        self.stdout.write(f"try: manage.py import_register {clean} --dry-run")
