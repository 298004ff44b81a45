"""Print the day's inquiry letters of an office, with the mailing list (差出票), into one PDF, here and now.

The letters are laid out in chunks (in worker processes for a large batch: ``letters.engine``); the
progress bar advances as each chunk is done, and the batch's screen shows the same count meanwhile.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jpki.models import Office
from letters import services


class Command(BaseCommand):
    help = "本日（または指定日）の照会書兼回答書を差出票付きの1つのPDFに一括印刷します。"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="差出日 YYYY-MM-DD（既定: 今日）")
        parser.add_argument("--office", default=None, help="窓口コード（既定: 職員の所属窓口）")
        parser.add_argument(
            "--user", default=None, help="操作する職員のユーザー名（既定: 唯一の有効なスーパーユーザー）"
        )
        parser.add_argument("--reason", default="照会書兼回答書の一括印刷", help="履歴に残す理由")
        parser.add_argument(
            "--output", "-o", default=None, help="PDFの書き出し先（既定: 保存先の非公開ストレージのみ）"
        )

    def handle(self, *args, **opts):
        from tqdm import tqdm

        User = get_user_model()
        if opts["user"]:
            try:
                actor = User.objects.get(username=opts["user"], is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"ユーザー {opts['user']} が見つかりません。") from exc
        else:
            supers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
            if len(supers) != 1:
                raise CommandError("--user で操作する職員を指定してください。")
            actor = supers[0]
        office = None
        if opts["office"]:
            try:
                office = Office.objects.get(code=opts["office"])
            except Office.DoesNotExist as exc:
                raise CommandError(f"窓口 {opts['office']} が見つかりません。") from exc
        on = opts["date"] or timezone.localdate()
        try:
            batch = services.mailing_batch_create(
                actor=actor, reason=opts["reason"], office=office, on=on, enqueue=False
            )  # rendered here, not by a worker
            if batch is None:
                self.stdout.write("印刷する照会書はありません。")
                return
            count = batch.letters.count()
            with tqdm(total=count, desc="照会書", unit="通", disable=opts.get("verbosity", 1) == 0) as bar:
                result = services.mailing_batch_print(
                    batch=batch, actor=actor, reason=opts["reason"], progress=bar.update
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if opts["output"]:
            Path(opts["output"]).write_bytes(result.pdf)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.batch}: {result.letters}通 {result.pages}頁（差出票を含む） "
                f"SHA-256 {result.batch.sha256[:16]}…" + (f" → {opts['output']}" if opts["output"] else "")
            )
        )
