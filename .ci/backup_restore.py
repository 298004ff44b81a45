"""Backup and restore of the project's database (called by .ci/backup and .ci/restore).

The database is the one the application uses: `DATABASES["default"]` from jpki.settings, i.e.
DATABASE_URL from the environment or .env, else db.sqlite3 in the checkout.

SQLite:      online backup with sqlite3's backup API (consistent while the server runs; WAL
             readers and writers are not blocked), written to a temporary file, checked with
             PRAGMA integrity_check, then renamed into place. Restore copies the backup back
             with the same API, page by page, into the live file.
PostgreSQL:  pg_dump --format=custom (consistent snapshot, online), checked with pg_restore
             --list. Restore: pg_restore --clean --if-exists --single-transaction into the
             configured database: all or nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_settings() -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jpki.settings")
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise SystemExit(f"backup: unsupported database engine {engine}")


def pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"backup: {tool} not found (Debian package postgresql-client)")
    return path


def log(message: str) -> None:
    print(message, file=sys.stderr)


def sqlite_connect(target, **kwargs) -> sqlite3.Connection:
    """A connection with Django's SQL functions (REGEXP etc.), which CHECK constraints may use."""
    conn = sqlite3.connect(target, **kwargs)
    try:
        from django.db.backends.sqlite3._functions import register
    except ImportError:  # pragma: no cover - private API moved
        import re

        conn.create_function(
            "REGEXP",
            2,
            lambda pattern, value: None if value is None else bool(re.search(pattern, str(value))),
            deterministic=True,
        )
    else:
        register(conn)
    return conn


def sqlite_check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise SystemExit(f"{what}: integrity check failed: {result[:5]}")


def sqlite_summary(conn: sqlite3.Connection) -> str:
    tables = [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    rows = sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)
    history = sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if "_historical" in t)
    return f"{len(tables)} tables, {rows} rows ({history} history rows)"


def backup(args) -> int:
    os.umask(0o077)  # a backup holds the whole city's personal data: owner-only files and folders
    db = database_settings()
    kind = vendor(db)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if kind == "sqlite" else ".dump"
    out = Path(args.output) if args.output else ROOT / "var" / "backups" / f"jpki-{stamp}{suffix}"
    if out.is_dir() or (args.output or "").endswith("/"):
        out = out / f"jpki-{stamp}{suffix}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.unlink(missing_ok=True)

    if kind == "sqlite":
        source_path = Path(db["NAME"])
        if not source_path.exists():
            raise SystemExit(f"backup: database {source_path} does not exist")
        source = sqlite_connect(source_path, timeout=60)
        target = sqlite_connect(tmp)
        try:
            source.backup(target, pages=4096)
            # A self-contained single file, whatever the journal mode of the live database.
            target.execute("PRAGMA journal_mode=DELETE")
            sqlite_check(target, "backup")
            summary = sqlite_summary(target)
        finally:
            target.close()
            source.close()
    else:
        env = pg_env(db)
        subprocess.run(
            [need("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp), db["NAME"]],
            env=env,
            check=True,
        )
        listing = subprocess.run(
            [need("pg_restore"), "--list", str(tmp)], env=env, check=True, capture_output=True, text=True
        ).stdout
        entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
        summary = f"{sum(' TABLE DATA ' in e for e in entries)} tables with data, {len(entries)} entries"

    os.replace(tmp, out)
    os.chmod(out, 0o600)
    log(f"backup: {out} ({kind}; {summary}; {out.stat().st_size} bytes)")
    print(out)
    return 0


def target_is_empty(db: dict, kind: str) -> bool:
    if kind == "sqlite":
        path = Path(db["NAME"])
        if not path.exists():
            return True
        conn = sqlite3.connect(path, timeout=60)
        try:
            return conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
        finally:
            conn.close()
    out = subprocess.run(
        [
            need("psql"),
            "-X",
            "-At",
            "-c",
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        ],
        env=pg_env(db),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out == "0"


def restore(args) -> int:
    db = database_settings()
    kind = vendor(db)
    source = Path(args.backup)
    if not source.is_file():
        raise SystemExit(f"restore: {source} not found")
    if not args.yes and not target_is_empty(db, kind):
        raise SystemExit(
            f"restore: the database {db['NAME']} is not empty; everything in it will be replaced by "
            f"{source}. Stop the application, then run again with --yes."
        )

    if kind == "sqlite":
        if source.suffix == ".dump":
            raise SystemExit("restore: this is a PostgreSQL dump, but the configured database is SQLite")
        src = sqlite_connect(f"file:{source}?mode=ro", uri=True)
        try:
            sqlite_check(src, "restore (backup file)")
            target_path = Path(db["NAME"])
            target_path.parent.mkdir(parents=True, exist_ok=True)
            dst = sqlite_connect(target_path, timeout=60)
            try:
                src.backup(dst, pages=4096)
                sqlite_check(dst, "restore")
                summary = sqlite_summary(dst)
            finally:
                dst.close()
        finally:
            src.close()
    else:
        subprocess.run(
            [
                need("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                db["NAME"],
                str(source),
            ],
            env=pg_env(db),
            check=True,
        )
        summary = "pg_restore --clean --single-transaction"
    log(f"restore: {source} -> {db['NAME']} ({kind}; {summary})")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backup", help="back up the configured database; prints the file name")
    p.add_argument("output", nargs="?", help="file or directory (default var/backups/jpki-<time>.sqlite3|.dump)")
    p.set_defaults(func=backup)
    p = sub.add_parser("restore", help="replace the configured database with a backup")
    p.add_argument("backup", help="a file made by .ci/backup")
    p.add_argument("--yes", action="store_true", help="replace a database that is not empty")
    p.set_defaults(func=restore)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except subprocess.CalledProcessError as err:
        log(f"{args.command}: {Path(err.cmd[0]).name} failed with exit code {err.returncode}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
