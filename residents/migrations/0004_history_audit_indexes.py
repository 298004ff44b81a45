"""(history_date, history_id) on the residents' history tables (see jpki 0004)."""
from django.db import migrations

TABLES = ("residents_historicalresident", "residents_historicalcharactersubstitution")


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_seed_substitutions")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {table}_audit_idx ON {table} (history_date, history_id)",
            f"DROP INDEX {table}_audit_idx",
        )
        for table in TABLES
    ]
