"""``manage.py demo_register_feed``: the demo city's day applies cleanly (twice: nothing the second
time) and the second file's rows are refused with their lines."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from jpki.models import FeedRun
from residents.models import Resident

pytestmark = pytest.mark.django_db


def test_demo_day_applies_and_the_refused_file_is_refused(tmp_path):
    call_command("demo_city", residents=300, seed=7, today=dt.date(2026, 11, 25), no_progress=True, stdout=StringIO())
    call_command("demo_register_feed", str(tmp_path), day="2026-11-26", stdout=StringIO())
    clean, refused = tmp_path / "feed-2026-11-26.csv", tmp_path / "feed-2026-11-26-refused.csv"
    out = StringIO()
    call_command("import_register", str(clean), "--dry-run", "--no-progress", stdout=out)
    assert "試行（問題なし）" in out.getvalue()
    call_command("import_register", str(clean), "--no-progress", stdout=StringIO())
    run = FeedRun.objects.get(dry_run=False)
    assert run.outcome == FeedRun.Outcome.APPLIED
    assert {"move_within", "name_change", "birth", "death", "move_out", "move_in"} <= set(run.counts)
    assert Resident.objects.get(resident_key="N261126101").name == "髙橋　健太"
    assert any(n["resident_key"] == "N261126101" for n in run.report["characters"])
    out = StringIO()
    call_command("import_register", str(clean), "--no-progress", stdout=out)
    assert f"反映済みのため省略: {sum(run.counts.values())}" in out.getvalue()
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import_register", str(refused), "--no-progress", stdout=out)
    text = out.getvalue()
    for line, reason in (
        (2, "宛名番号 Z99999999 の住民が登録されていません"),
        (3, "性別コード"),
        (4, "個人番号"),
        (5, "存在しない日付"),
        (6, "5 行目と重複"),
    ):
        assert f"{line}行目: " in text and reason in text, (line, reason)
