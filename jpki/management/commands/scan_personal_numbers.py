"""manage.py scan_personal_numbers: is a 個人番号 stored anywhere?

Reads every text column (CharField, TextField, and JSONField as its JSON text) of every table of
the project's apps (the register, the certificate domain, letters: history tables and the read
log included), of Django's admin log and staff accounts and of the task queue, and reports each
value that holds a 12-digit run with the 個人番号 check digit
(``residents.safety.looks_like_individual_number``) as table, column and row id: never the value.
Columns the system fills with its own digits (tracking numbers, digests, serials:
``residents.safety.NOT_FREE_TEXT``) are not read.

Exit status 0 when nothing is found, 1 when something is (so that CI and cron can act on it).
Only the text columns are fetched, row by row through a server-side cursor where the database has
one, so a large city is scanned in constant memory.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, models

from residents import safety

# Tables of installed packages that hold what staff typed: the admin's log (object_repr is str() of
# what was saved), the staff accounts (names, e-mail), the task queue (a queued task's arguments,
# e.g. the reason of a batch print). Scanned when installed.
EXTRA_APPS = ("admin", "auth", "django_tasks_database")
CHUNK = 2000


def project_app_labels() -> list[str]:
    """The apps whose code is in this repository (not an installed package), then :data:`EXTRA_APPS`."""
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        package = "site-packages" in path.parts or "dist-packages" in path.parts
        if (path == base or base in path.parents) and not package:
            labels.append(config.label)
    present = {config.label for config in apps.get_app_configs()}
    return labels + [label for label in EXTRA_APPS if label in present]


def scanned_models(labels) -> list[type[models.Model]]:
    found = []
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            found.append(model)
    return found


class Command(BaseCommand):
    help = (
        "保存されているすべてのテキスト（履歴・閲覧記録を含む）から個人番号と思われる12桁の数字を探し、"
        "テーブル・列・行IDを表示します（値は表示しません）。見つかった場合は終了コード1で終わります。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="検査するデータベース（既定 default）")

    def handle(self, *args, database, **options):
        connection = connections[database]
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
        tables = columns = values = 0
        found: list[tuple[str, str, object]] = []
        for model in scanned_models(project_app_labels()):
            table = model._meta.db_table
            fields = [f for f in model._meta.concrete_fields if safety.is_free_text(f)]
            if not fields or table not in existing:
                continue
            tables += 1
            columns += len(fields)
            json_columns = [isinstance(f, models.JSONField) for f in fields]
            rows = (
                model._base_manager.using(database)
                .order_by()
                .values_list(model._meta.pk.attname, *[f.attname for f in fields])
                .iterator(chunk_size=CHUNK)
            )
            for pk, *texts in rows:
                for field, is_json, value in zip(fields, json_columns, texts, strict=True):
                    if value is None or value == "":
                        continue
                    values += 1
                    text = safety.json_text(value) if is_json else value
                    if safety.looks_like_individual_number(text):
                        found.append((table, field.column, pk))
                        self.stdout.write(f"個人番号の疑い: {table}.{field.column} id={pk}")
        summary = f"テーブル {tables}、列 {columns}、値 {values:,} を検査しました。"
        if found:
            raise CommandError(
                f"{summary} 個人番号と思われる値が {len(found)} 件あります（上の表示のテーブル・列・行）。",
                returncode=1,
            )
        self.stdout.write(f"{summary} 個人番号と思われる値はありません。")
