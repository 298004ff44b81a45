"""(history_date, history_id) on the letters' history tables, for the supervisors' audit page
(newest first; see jpki/migrations/0004_history_audit_indexes.py)."""
from django.db import migrations

TABLES = ("letters_historicalletter", "letters_historicalmailingbatch")


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {table}_audit_idx ON {table} (history_date, history_id)",
            f"DROP INDEX {table}_audit_idx",
        )
        for table in TABLES
    ]
