"""manage.py bench [--iterations N] [--letters N] [--skip-letters]

Measures, against whatever city is in the database, the pages a clerk and a supervisor open —
resident search (kana prefix, name, date of birth), the resident changelist, a resident page,
certificates in their renewal window, the dashboard, the supervisors' audit page — through the
Django test client as a logged-in supervisor, then the same pages under the stock admin
configuration (``jpki.bench.stock_urls``) as the baseline; then a one-letter preview and a batch of
letters. Prints a table (median, p95, query count, ratios) and, as its last line::

    bench: worst median <ms> ms, max queries <n>, letters <pages/s> pages/s

(letters 0.0 when they were skipped). Writes nothing but the bench login (user
``bench-supervisor``, its groups and staff profile) and what the pages themselves log.
"""

from __future__ import annotations

import os
import platform
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from jpki.bench import pages as bench


class Command(BaseCommand):
    help = "窓口の画面（検索・住民画面・更新可能期間・ダッシュボード・監査・帳票）の速度とクエリ数を計測します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--iterations", type=int, default=10, help="1画面あたりの計測回数（既定 10、ほかにウォームアップ1回）"
        )
        parser.add_argument("--letters", type=int, default=1000, help="一括印刷の通数（既定 1000）")
        parser.add_argument("--skip-letters", action="store_true", help="帳票の計測をしない")
        parser.add_argument("--no-stock", action="store_true", help="標準の管理画面（比較対象）を計測しない")

    def handle(self, *args, iterations, letters, skip_letters, no_stock, verbosity, **options):
        if iterations < 1:
            raise CommandError("--iterations は1以上にしてください。")
        say = self.stderr.write if verbosity > 1 else (lambda *_a, **_k: None)
        try:
            user = bench.ensure_bench_user()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc

        from jpki.models import Certificate
        from residents.models import Resident

        started = time.monotonic()
        db = connection.settings_dict
        self.stdout.write(
            f"bench {timezone.localtime():%Y-%m-%d %H:%M} — {connection.vendor} "
            f"({db.get('NAME')}), residents {Resident.objects.count():,}, "
            f"certificates {Certificate.objects.count():,}; {iterations} iterations + 1 warm-up; "
            f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        pages = bench.discover_pages(user)
        if no_stock:
            for page in pages:
                page.stock_url = None
        results = bench.run_pages(user, pages, iterations, progress=say)
        letters_result = None
        if not skip_letters:
            say("  letters …")
            letters_result = bench.run_letters(user, letters, iterations)
        for line in bench.format_table(pages, results, letters_result):
            self.stdout.write(line)
        if skip_letters:
            self.stdout.write("  letters: skipped (--skip-letters)")
        self.stdout.write(f"  ({time.monotonic() - started:.0f} s)")
        self.stdout.write(bench.summary_line(results, letters_result))
