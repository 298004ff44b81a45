"""``manage.py import_register FILE [--dry-run] [--encoding cp932] [--no-progress]``: the register feed.

Checks the file (INTAKE.md) and applies it all or nothing; exit status 0 when applied or a clean
dry run, 1 when refused. The run is recorded (FeedRun) with the feed's system user as the actor of
every change and, as the one who started it, the user named by ``--user`` (default: the feed user).
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from jpki.services import feed_import, feed_system_user
from residents.feed import EVENT_LABELS


class Command(BaseCommand):
    help = "住民記録システムからの異動連携ファイルを取り込みます（--dry-run で試行のみ）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="異動連携ファイル（CSV）")
        parser.add_argument("--dry-run", action="store_true", help="何も書き込まずに結果だけを表示します。")
        parser.add_argument("--encoding", default="utf-8", help="文字コード（utf-8 または cp932）")
        parser.add_argument("--no-progress", action="store_true", help="進捗表示を出しません。")
        parser.add_argument("--user", default="", help="実行者として記録する職員のユーザー名（省略時は連携用ユーザー）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルがありません: {path}")
        data = path.read_bytes()
        actor = feed_system_user()
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"ユーザーがありません: {options['user']}")
        bar = None
        if not options["no_progress"] and not options["dry_run"]:
            bar = tqdm(total=data.count(b"\n"), unit="件", desc="異動連携", file=sys.stderr)
        try:
            result = feed_import(
                data=data,
                file_name=path.name,
                actor=actor,
                dry_run=options["dry_run"],
                encoding=options["encoding"],
                progress=bar.update if bar else None,
            )
        finally:
            if bar:
                bar.close()
        run = result.run
        out = self.stdout
        out.write(f"ファイル: {path.name}  sha256: {run.sha256}")
        out.write(f"結果: {run.get_outcome_display()}（{'試行' if run.dry_run else '反映'}）")
        for kind, label in EVENT_LABELS.items():
            if result.counts.get(kind):
                out.write(f"  {label}（{kind}）: {result.counts[kind]}")
        out.write(f"失効{'する' if run.dry_run or result.refusals else 'した'}電子証明書: {len(result.revocations)}")
        for item in result.revocations:
            out.write(f"  {item['line']}行目 {item['name']}（{item['resident_key']}） {item['kind']} {item['reason']}")
        out.write(f"反映済みのため省略: {result.skipped}")
        characters = run.report.get("characters", [])
        if characters:
            out.write(f"代替文字・カナの準備が必要な文字、または通知書のフォントにない文字: {len(characters)}件")
            for note in characters:
                subs = "、".join(f"{s['char']}→{s['substitute'] or 'カナ'}" for s in note["substitutes"])
                missing = "、".join(c["char"] for c in note["unprintable"])
                out.write(
                    f"  {note['line']}行目 {note['field']}: {subs}{'  フォントなし: ' + missing if missing else ''}"
                )
        if result.refusals:
            out.write(f"拒否した行: {len(result.refusals)}（ファイル全体を反映していません）")
            for refusal in result.refusals:
                out.write(f"  {refusal['line']}行目: {refusal['reason']}")
            sys.exit(1)
