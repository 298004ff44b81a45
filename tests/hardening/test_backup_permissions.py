"""A backup holds the personal data of the whole city: only its owner may read it.

(The round trip itself is tested in tests/deploy/test_backup_restore.py; this adds the file mode.)
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .support import known_bug

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'live.sqlite3'}",
        DJANGO_SETTINGS_MODULE="jpki.settings",
        PRODUCTION="false",
    )
    return env


@known_bug("backup-world-readable")
def test_a_backup_file_is_readable_by_its_owner_only(tmp_path):
    env = _env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr
    out = tmp_path / "backups" / "city.sqlite3"
    old = os.umask(0o022)  # a usual server umask
    try:
        done = subprocess.run(
            ["bash", str(ROOT / ".ci" / "backup"), str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
    assert stat.S_IMODE(out.parent.stat().st_mode) & 0o007 == 0, oct(out.parent.stat().st_mode)


@pytest.mark.skipif(not (ROOT / ".ci" / "backup").exists(), reason="no backup script")
def test_backups_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text()
    assert "/var/" in ignored.split()  # var/backups and var/private stay out of git
