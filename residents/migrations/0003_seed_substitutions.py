"""Ship the common 異体字 substitutions as rows, so staff see and extend them in the admin."""
from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from residents.charset import DEFAULT_SUBSTITUTIONS

    alias = schema_editor.connection.alias
    Substitution = apps.get_model("residents", "CharacterSubstitution")
    History = apps.get_model("residents", "HistoricalCharacterSubstitution")
    existing = set(Substitution.objects.using(alias).values_list("original", flat=True))
    rows = [
        Substitution(original=original, substitute=substitute, note="初期登録（よく使われる異体字）")
        for original, substitute in DEFAULT_SUBSTITUTIONS.items()
        if original not in existing
    ]
    Substitution.objects.using(alias).bulk_create(rows)
    now = timezone.now()
    History.objects.using(alias).bulk_create(
        [
            History(
                id=row.id, original=row.original, substitute=row.substitute, note=row.note, history_date=now,
                history_type="+", history_change_reason="初期データ（代替文字表）",
            )
            for row in Substitution.objects.using(alias).filter(original__in=[r.original for r in rows])
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_search_keys")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
