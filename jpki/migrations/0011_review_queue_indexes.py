"""Indexes of the review queue (確認待ち, ``jpki.review``) at city scale.

- ``manual_move_in`` reads the residents' history rows whose change reason starts with
  ``residents.services.MOVE_IN_BY_HAND_MARK``: without an index on the reason every count scanned the
  whole history (400,000 creation rows at 400,000 residents). The source matches the prefix as an
  index range on SQLite and with ``LIKE 'prefix%'`` on PostgreSQL, where the index needs the pattern
  operator class (the collation may not be C). History tables are not in the migration state (see
  0004), hence SQL.
- ``kana_override`` compares the certificates of each application of the period with its resident:
  the applications' ``(received_at, resident)`` and the certificates' texts (only those issued by an
  application) are read from indexes; a certificate's row is read only when its texts differ.
"""

from django.db import migrations, models

TABLE = "residents_historicalresident"
NAME = "res_hist_reason_date_idx"


def create_reason_index(apps, schema_editor):
    reason = "history_change_reason"
    if schema_editor.connection.vendor == "postgresql":
        reason += " text_pattern_ops"  # the reason is a text column (SIMPLE_HISTORY_..._USE_TEXT_FIELD)
    schema_editor.execute(f"CREATE INDEX {NAME} ON {TABLE} (history_type, {reason}, history_date)")


def drop_reason_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("jpki", "0010_feed_runs"),
        ("residents", "0007_resident_alias_kana"),
    ]

    operations = [
        migrations.RunPython(create_reason_index, drop_reason_index),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["received_at", "resident"], name="app_received_resident_idx"),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                condition=models.Q(("application__isnull", False)),
                fields=["application", "name_in_certificate", "address_in_certificate"],
                name="cert_review_texts_idx",
            ),
        ),
    ]
