"""Concurrency: clerks racing on the same card, reply or returned letter.

PostgreSQL (marker ``postgres``): the scenarios of ``race.py`` run in-process with
``transactional_db`` (each thread has its own connection; row locks serialize them).

SQLite: the pytest-django test database is an in-memory *shared-cache* database, where a second
writer gets "database table is locked" at once (shared-cache locking ignores the busy timeout), so
the same scenarios run in a subprocess against a file database set up like production (WAL,
``transaction_mode=IMMEDIATE``, ``timeout=20``: writers queue instead of failing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jpki.services import MSG_CONCURRENT

from . import race
from .support import is_japanese

ROOT = Path(__file__).resolve().parents[2]


# --- what every run must show ----------------------------------------------------------------------------


def _outcomes(data):
    results = data["results"]
    errors = [r for r in results if r["outcome"] == "error"]
    assert not errors, "\n".join(r.get("traceback") or r["error"] for r in errors)
    ok = [r for r in results if r["outcome"] == "ok"]
    refused = [r for r in results if r["outcome"] == "refused"]
    for r in refused:
        assert r["messages"] and all(is_japanese(m) for m in r["messages"]), r
    return ok, refused


def check_issue(data, n=8):
    ok, refused = _outcomes(data)
    assert len(ok) == 1 and len(refused) == n - 1
    for r in refused:
        text = " ".join(r["messages"])
        assert "有効な" in text or text == MSG_CONCURRENT, text
    c = data["counts"]
    assert c["valid_signing"] == 1 and c["valid_user"] == 1
    assert c["certificates"] == 2
    assert c["applications"] == 1 and c["applications_without_certificates"] == 0
    assert c["application_history"] == 1 and c["certificate_history"] == 2
    assert c["identity_documents"] == 1


def check_issue_split(data, n=8):
    ok, refused = _outcomes(data)
    assert len(ok) == 2 and len(refused) == n - 2
    c = data["counts"]
    assert c["valid_signing"] == 1 and c["valid_user"] == 1
    assert c["certificates"] == 2
    assert c["applications"] == 2 and c["applications_without_certificates"] == 0
    assert c["application_history"] == 2 and c["certificate_history"] == 2
    assert c["identity_documents"] == 2


def check_reply(data, n=2):
    ok, refused = _outcomes(data)
    assert len(ok) == 1 and len(refused) == n - 1
    for r in refused:
        text = " ".join(r["messages"])
        assert "既に受理" in text or text == MSG_CONCURRENT, text
    s = data["summary"]
    assert s["status"] == "reply_received" and s["stage"] == "reply_received"
    assert s["proxy_history"] == 3 and s["application_history"] == 3  # visit 1, letter sent, reply
    winner = ok[0]["value"]
    assert s["history_reasons"][-1] == f"回答書受理（窓口{winner}）"


def check_return(data, n=2):
    ok, refused = _outcomes(data)
    assert len(ok) == 1 and len(refused) == n - 1
    for r in refused:
        text = " ".join(r["messages"])
        assert "既に記録" in text or text == MSG_CONCURRENT, text
    s = data["summary"]
    assert s["status"] == "returned" and s["stage"] == "returned"
    assert s["proxy_history"] == 3 and s["application_history"] == 3


def check_reply_or_return(data):
    ok, refused = _outcomes(data)
    assert len(ok) == 1 and len(refused) == 1
    s = data["summary"]
    if ok[0]["value"] == "reply":
        assert s["stage"] == "reply_received" and s["returned_at"] is None
    else:
        assert s["stage"] == "returned" and s["reply_received_at"] is None
    assert s["proxy_history"] == 3 and s["application_history"] == 3


CHECKS = {
    "issue": check_issue,
    "issue_split": check_issue_split,
    "reply": check_reply,
    "reply8": lambda data: check_reply(data, n=8),
    "return": check_return,
    "reply_or_return": check_reply_or_return,
}


# --- PostgreSQL: in-process, transactional_db -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", list(race.SCENARIOS))
def test_race_on_postgresql(scenario, transactional_db):
    data = race.SCENARIOS[scenario]()
    CHECKS[scenario](data)


# --- SQLite: a production-like file database in a subprocess ----------------------------------------------

RUNNER = """
import json, sys
import django
django.setup()
from tests.hardening import race
print("RACE-RESULT " + json.dumps(race.SCENARIOS[sys.argv[1]](), ensure_ascii=False))
"""


def _env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="jpki.settings",
        PYTHONPATH=str(ROOT),
        PRODUCTION="false",
        AXES_ENABLED="false",
        LOG_LEVEL="ERROR",
    )
    return env


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    """A migrated file SQLite database (with the role groups), copied for each scenario."""
    path = tmp_path_factory.mktemp("race") / "template.sqlite3"
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(f"sqlite:///{path}"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize("scenario", [name for name in race.SCENARIOS if name != "reply8"])
def test_race_on_sqlite_file_database(scenario, sqlite_template, tmp_path):
    db = tmp_path / "race.sqlite3"
    db.write_bytes(sqlite_template.read_bytes())
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, scenario],
        cwd=ROOT,
        env=_env(f"sqlite:///{db}"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RACE-RESULT "))
    data = json.loads(line[len("RACE-RESULT ") :])
    CHECKS[scenario](data)


def test_sqlite_settings_queue_writers_instead_of_failing(settings):
    """Without ``BEGIN IMMEDIATE`` two SQLite writers deadlock on the lock upgrade and one gets
    "database is locked" at once (the busy timeout does not help); the races above rely on it."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20
