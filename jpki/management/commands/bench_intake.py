"""``manage.py bench_intake [--people N] [--events N]``: how fast the register feed applies.

On the configured database (use a scratch one: it writes residents, cards and certificates that stay
there), prints the time of an initial load (every person as ``move_in``, 400,000 by default, target
≤ 10 min) and of a day's file (10,000 events of every kind, target ≤ 60 s) applied after it, with
a card and both certificates for a fifth of the people so that revocations happen.
"""

from __future__ import annotations

import os
import random
import string
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jpki.bench import intake
from jpki.models import Card, Certificate
from jpki.services import feed_import, feed_system_user
from residents.models import Resident


class Command(BaseCommand):
    help = "異動連携の速度を計測します（初期移行と1日分のファイル）。計測用のデータベースで実行してください。"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=400_000, help="初期移行の人数（既定 400,000）")
        parser.add_argument("--events", type=int, default=10_000, help="1日分の異動の件数（既定 10,000）")

    def handle(self, *args, people, events, **options):
        if people < events:
            raise CommandError("--people は --events 以上にしてください。")
        actor = feed_system_user()
        today = timezone.localdate()
        prefix = "B" + "".join(random.choices(string.ascii_uppercase, k=4))
        db = connection.settings_dict
        self.stdout.write(
            f"bench_intake — {connection.vendor} ({db.get('NAME')}), {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}, residents before {Resident.objects.count():,}, keys {prefix}…"
        )
        persons, data = intake.initial_load(people, prefix=prefix, today=today)
        started, cpu = time.monotonic(), time.process_time()
        result = feed_import(data=data, file_name=f"{prefix}-initial.csv", actor=actor, dry_run=False)
        load_s, load_cpu = time.monotonic() - started, time.process_time() - cpu
        if result.refusals:
            raise CommandError(f"initial load refused: {result.refusals[:3]}")
        self.stdout.write(
            f"  initial load: {people:,} move_in in {load_s:.1f} s ({people / load_s:,.0f} events/s; target ≤ 600 s; "
            f"this process's CPU {load_cpu:.1f} s, load {os.getloadavg()[0]:.1f})"
        )
        cards = self._certificates(persons[: people // 5], actor, today)
        self.stdout.write(f"  (set-up: {cards:,} cards with both certificates)")
        data = intake.daily(persons, events, prefix=prefix, today=today)
        started = time.monotonic()
        dry = feed_import(data=data, file_name=f"{prefix}-daily.csv", actor=actor, dry_run=True)
        dry_s = time.monotonic() - started
        started, cpu = time.monotonic(), time.process_time()
        result = feed_import(data=data, file_name=f"{prefix}-daily.csv", actor=actor, dry_run=False)
        daily_s, daily_cpu = time.monotonic() - started, time.process_time() - cpu
        if result.refusals:
            raise CommandError(f"daily file refused: {result.refusals[:3]}")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
        self.stdout.write(f"  daily file: {events:,} events ({counts})")
        self.stdout.write(f"    dry run {dry_s:.1f} s ({len(dry.revocations):,} revocations listed)")
        self.stdout.write(
            f"    applied in {daily_s:.1f} s ({events / daily_s:,.0f} events/s; target ≤ 60 s), "
            f"{len(result.revocations):,} certificates revoked; this process's CPU {daily_cpu:.1f} s, "
            f"load {os.getloadavg()[0]:.1f}"
        )
        self.stdout.write(f"bench_intake: initial {people} in {load_s:.1f} s, daily {events} in {daily_s:.1f} s")

    def _certificates(self, persons, actor, today) -> int:
        """A card and both certificates for each of ``persons`` (set-up, not measured)."""
        ids = dict(Resident.objects.filter(resident_key__in=[p.key for p in persons]).values_list("resident_key", "pk"))
        issued = today.replace(year=today.year - 1)
        reason = "bench_intake set-up"
        with transaction.atomic():
            cards = [
                Card(resident_id=ids[p.key], issued_on=issued, expires_on=issued.replace(year=issued.year + 9))
                for p in persons
                if p.key in ids
            ]
            bulk_create_with_history(cards, Card, batch_size=2000, default_user=actor, default_change_reason=reason)
            certs = []
            for card in cards:
                for kind in (Certificate.Kind.SIGNING, Certificate.Kind.USER):
                    certs.append(
                        Certificate(
                            card=card,
                            kind=kind,
                            serial=f"BN{card.pk:09d}{kind[0].upper()}{random.randrange(16**6):06X}",
                            issued_on=issued,
                            expires_on=issued.replace(year=issued.year + 5),
                        )
                    )
            bulk_create_with_history(
                certs, Certificate, batch_size=2000, default_user=actor, default_change_reason=reason
            )
        return len(cards)
