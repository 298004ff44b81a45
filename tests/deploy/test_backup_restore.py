"""Backup and restore round trip (.ci/backup, .ci/restore) with history rows.

Each test builds its own database in a subprocess (migrate + a small dataset with history, plus
the demo city when `manage.py demo_city` exists), backs it up, changes the live database,
restores, and compares every row of every table, history tables included, with the state at
backup time. The SQLite test always runs; the PostgreSQL test runs when DATABASE_URL points to
PostgreSQL (its role needs CREATEDB, as .ci/postgres sets up).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

POPULATE = r"""
import datetime as dt
import django
django.setup()
from django.contrib.auth import get_user_model
from simple_history.utils import update_change_reason
from jpki.models import Card, Office
from residents.models import Resident

tag = "{tag}"
user, _ = get_user_model().objects.get_or_create(username="backup-" + tag, defaults={{"is_staff": True}})
office = Office(code="bk-" + tag, name="泉町出張所（" + tag + "）", kind="branch")
office._history_user = user
office.save()
resident = Resident(
    name="𠮷田　髙志", name_kana="ヨシダ　タカシ", birth_date=dt.date(1980, 2, 29), sex="male",
    postal_code="564-8550", address_town="大阪府吹田市泉町", address_block="1丁目3番40号",
)
resident._history_user = user
resident._change_reason = "住民登録（" + tag + "）"
resident.save()
resident.address_building = "﨑ハイツ101"
resident._history_user = user
resident._change_reason = "方書の変更"
resident.save()
card = Card(resident=resident, issued_on=dt.date(2024, 4, 1), expires_on=dt.date(2034, 2, 28), office=office)
card._history_user = user
card.save()
update_change_reason(card, "カード交付")
print(Resident.history.filter(id=resident.id).count())
"""

CHECK_HISTORY = r"""
import django
django.setup()
from residents.models import Resident
h = Resident.history.filter(name="𠮷田　髙志", history_change_reason="方書の変更").select_related("history_user").get()
assert h.address_building == "﨑ハイツ101", h.address_building
assert h.history_user.username == "backup-one", h.history_user
print("ok")
"""


def run(args, database_url, **kwargs):
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="jpki.settings")
    env.pop("PYTHONPATH", None)
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if kwargs.get("check") is not False and result.returncode != 0:
        pytest.fail(f"{args} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


@cache
def demo_city_available() -> bool:
    result = subprocess.run(
        [PY, "manage.py", "help", "demo_city"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, DATABASE_URL="sqlite:///:memory:"),
    )
    return result.returncode == 0


def build(database_url):
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], database_url)
    if demo_city_available():
        run([PY, "manage.py", "demo_city"], database_url)
    out = run([PY, "-c", POPULATE.format(tag="one")], database_url)
    assert out.stdout.strip().splitlines()[-1] == "2"  # two history rows for the resident


def change(database_url):
    """What happens after the backup: new rows, and a history row lost by accident."""
    run([PY, "-c", POPULATE.format(tag="two")], database_url)


def backup(database_url, directory: Path) -> Path:
    out = run(["bash", str(ROOT / ".ci" / "backup"), str(directory) + "/"], database_url)
    path = Path(out.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.parent == directory
    return path


def restore(database_url, path: Path, *extra, check=True):
    return run(["bash", str(ROOT / ".ci" / "restore"), str(path), *extra], database_url, check=check)


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite_snapshot(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        snapshot = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        snapshot["<schema>"] = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr)
        return snapshot
    finally:
        conn.close()


def assert_same(actual: dict, expected: dict):
    """Equal snapshots, with a short report of what differs instead of two huge dicts."""
    problems = []
    for key in sorted(set(actual) | set(expected)):
        a, e = actual.get(key), expected.get(key)
        if a != e:
            if a is None or e is None:
                problems.append(f"{key}: {'missing' if a is None else 'unexpected'}")
                continue
            extra = [r for r in a if r not in e][:3]
            lost = [r for r in e if r not in a][:3]
            problems.append(f"{key}: {len(a)} rows vs {len(e)} expected; extra {extra!r}; lost {lost!r}")
    assert not problems, "\n".join(problems)


def assert_has_history(snapshot):
    assert snapshot["residents_historicalresident"], "no history rows in the dataset"
    assert snapshot["jpki_historicalcard"]


def test_sqlite_backup_restore_round_trip(tmp_path):
    live = tmp_path / "live.sqlite3"
    url = f"sqlite:///{live}"
    build(url)
    before = sqlite_snapshot(live)
    assert_has_history(before)

    # Online: a writer holds an open transaction while the backup runs; its rows are not in it.
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM residents_historicalresident")
    path = backup(url, tmp_path / "backups")
    writer.execute("ROLLBACK")
    writer.close()

    assert_same(sqlite_snapshot(path), before)

    change(url)
    conn = sqlite3.connect(live)
    conn.execute("DELETE FROM residents_historicalresident WHERE history_change_reason = '方書の変更'")
    conn.commit()
    conn.close()
    changed = sqlite_snapshot(live)
    assert changed != before

    refused = restore(url, path, check=False)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert_same(sqlite_snapshot(live), changed)

    restore(url, path, "--yes")
    assert_same(sqlite_snapshot(live), before)
    assert run([PY, "-c", CHECK_HISTORY], url).stdout.strip() == "ok"

    # Restoring into a new, empty database needs no --yes.
    fresh = tmp_path / "new" / "restored.sqlite3"
    restore(f"sqlite:///{fresh}", path)
    assert_same(sqlite_snapshot(fresh), before)


# --- PostgreSQL -----------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")


def pg_url(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + name))


def pg_snapshot(url: str) -> dict[str, list]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        snapshot = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        # Sorted here, not in SQL: the two databases may differ in collation. Constraint and index
        # definitions are compared by name and kind: PostgreSQL deparses some expressions
        # differently after a dump and restore (ARRAY[...]::text[] vs ARRAY[...::text]).
        snapshot["<columns>"] = sorted(
            conn.execute(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_schema = 'public'"
            ).fetchall()
        )
        snapshot["<constraints>"] = sorted(
            conn.execute(
                "SELECT conrelid::regclass::text, conname, contype FROM pg_constraint"
                " WHERE connamespace = 'public'::regnamespace"
            ).fetchall()
        )
        snapshot["<indexes>"] = sorted(
            conn.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'").fetchall()
        )
        return snapshot


@pytest.fixture
def pg_databases():
    import psycopg

    admin_url = DATABASE_URL.replace("postgres://", "postgresql://", 1)
    names = [f"jpki_backup_{uuid.uuid4().hex[:8]}_{role}" for role in ("src", "dst")]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [pg_url(name) for name in names]
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="needs DATABASE_URL=postgres://"
)
def test_postgresql_backup_restore_round_trip(tmp_path, pg_databases):
    src, dst = pg_databases
    build(src)
    before = pg_snapshot(src)
    assert_has_history(before)

    path = backup(src, tmp_path / "backups")

    # Into a new, empty database.
    restore(dst, path)
    assert_same(pg_snapshot(dst), before)
    assert run([PY, "-c", CHECK_HISTORY], dst).stdout.strip() == "ok"
    # Sequences came along: new rows get fresh ids.
    change(dst)

    # Over the changed live database.
    change(src)
    import psycopg

    with psycopg.connect(src.replace("postgres://", "postgresql://", 1)) as conn:
        conn.execute("DELETE FROM residents_historicalresident WHERE history_change_reason = '方書の変更'")
    changed = pg_snapshot(src)
    assert changed != before
    refused = restore(src, path, check=False)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    restore(src, path, "--yes")
    assert_same(pg_snapshot(src), before)
