"""manage.py demo_city [--residents N] [--seed S] [--append] [--batch-size B]

Builds the demo city (see jpki/demo.py): offices, the system user ``demo``, clerks with staff
profiles, residents, cards, certificates and applications, all with their history rows
(history user ``demo``, reason ``デモデータ作成``). Refuses to run when residents already exist
unless ``--append`` is given; it never deletes anything.
"""

import os
import sys
import time
from datetime import date, datetime
from datetime import time as dtime

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from jpki.demo import DEFAULT_BATCH_SIZE, DEFAULT_RESIDENTS, TOKYO, CityBuilder, RefusedError
from jpki.models import (
    Application,
    Card,
    Certificate,
    IdentityDocument,
    Office,
    ProxyAuthorization,
    StaffProfile,
)
from residents.models import Resident

SUMMARY_MODELS = (
    ("窓口", Office),
    ("職員の所属", StaffProfile),
    ("住民", Resident),
    ("カード", Card),
    ("電子証明書", Certificate),
    ("申請", Application),
    ("代理人による申請", ProxyAuthorization),
    ("本人確認書類", IdentityDocument),
)


def default_workers(residents: int) -> int:
    if residents < 20000:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


class Command(BaseCommand):
    help = "デモ用の市（住民・カード・電子証明書・申請と履歴）を作成します。既存データは削除しません。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents",
            type=int,
            default=DEFAULT_RESIDENTS,
            help=f"住民の数（既定 {DEFAULT_RESIDENTS}。負荷試験には 400000）",
        )
        parser.add_argument("--seed", type=int, default=None, help="乱数の種（同じ種・同じ日付なら同じ市）")
        parser.add_argument(
            "--append", action="store_true", help="住民が既にいても追加する（シナリオの人物は作りません）"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"1トランザクションの住民数（既定 {DEFAULT_BATCH_SIZE}）",
        )
        parser.add_argument("--no-progress", action="store_true", help="進捗バーを表示しない")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="並行して作成するプロセス数（既定: 住民2万人以上なら CPU 数（最大2）、それ以外は1）",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="基準日 YYYY-MM-DD（既定は今日。指定すると「現在」はその日の12時30分）",
        )

    def handle(self, *args, residents, seed, append, batch_size, no_progress, today, workers, verbosity, **options):
        if residents < 0:
            raise CommandError("--residents は0以上にしてください。")
        show = verbosity > 0 and not no_progress
        bar = tqdm(
            total=residents,
            unit="人",
            desc="デモの市",
            file=sys.stderr,
            disable=not show,
            dynamic_ncols=True,
            mininterval=0.5,
        )
        now = datetime.combine(today, dtime(12, 30), tzinfo=TOKYO) if today else None
        builder = CityBuilder(
            residents=residents,
            seed=seed,
            append=append,
            batch_size=batch_size,
            today=today,
            now=now,
            progress=bar.update,
            workers=workers if workers is not None else default_workers(residents),
        )
        started = time.monotonic()
        try:
            builder.build()
        except RefusedError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        if verbosity == 0:
            return
        self.stdout.write(f"デモの市を作成しました（seed={builder.seed}、基準日 {builder.today:%Y-%m-%d}）。")
        width = max(len(label) for label, _ in SUMMARY_MODELS)
        self.stdout.write(f"{'':{width}}  {'作成':>9} {'合計':>9} {'履歴（合計）':>12}")
        created = {
            Resident: builder.stats.get("residents", 0),
            Card: builder.stats.get("cards", 0),
            Certificate: builder.stats.get("certificates", 0),
            Application: builder.stats.get("applications", 0),
            ProxyAuthorization: builder.stats.get("proxy_authorizations", 0),
            IdentityDocument: builder.stats.get("identity_documents", 0),
        }
        for label, model in SUMMARY_MODELS:
            made = created.get(model, "")
            self.stdout.write(f"{label:{width}}  {made!s:>9} {model.objects.count():>9} {model.history.count():>12}")
        self.stdout.write(f"所要時間: {elapsed:.1f} 秒")
        if builder.timings:
            self.stdout.write(
                "内訳: " + "、".join(f"{name} {seconds:.1f} 秒" for name, seconds in builder.timings.items())
            )
