"""(history_date, history_id) on every history table: the audit's newest-first page.

The supervisors' audit orders each history table by (-history_date, -history_id) LIMIT n. With an
index on history_date alone, PostgreSQL sorts the whole table (bulk loads stamp one history_date
on hundreds of thousands of rows): 560 ms on the certificate history at 400,000 residents; with
this index, a backward index scan reads n rows (0.1 ms). Plain SQL (not Meta.indexes): simple-
history builds the historical models, so the state is left alone.
"""
from django.db import migrations

TABLES = (
    "jpki_historicaloffice", "jpki_historicalstaffprofile", "jpki_historicalcard", "jpki_historicalcertificate",
    "jpki_historicalapplication", "jpki_historicalidentitydocument", "jpki_historicalproxyauthorization",
)


class Migration(migrations.Migration):
    dependencies = [("jpki", "0003_cert_status_revoked_idx")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {table}_audit_idx ON {table} (history_date, history_id)",
            f"DROP INDEX {table}_audit_idx",
        )
        for table in TABLES
    ]
