"""Deployment: ``manage.py check --deploy`` is clean under production settings, a production start
without a secret key fails, and the checks really bite (a weak key or DEBUG in production fail them).

Each case runs ``manage.py`` in a subprocess with its own environment, as a server would start.
(Backup and restore are tested in tests/deploy/test_backup_restore.py.)
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "counter.example.jp"


def _run(args, tmp_path, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST")) and k not in ("SECRET_KEY", "DEBUG", "PRODUCTION", "ALLOWED_HOSTS")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="jpki.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        PRIVATE_STORAGE_ROOT=str(tmp_path / "private"),
    )
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def production(**extra):
    return {
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "false",
        "TRUSTED_PROXY_COUNT": "1",  # behind the README's one TLS proxy
        **extra,
    }


def test_check_deploy_is_clean_in_production(tmp_path):
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout, done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_production_without_a_secret_key_does_not_start(tmp_path):
    done = _run(["manage.py", "check"], tmp_path, **production(SECRET_KEY=None))
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_production_with_an_empty_secret_key_does_not_start(tmp_path):
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production(SECRET_KEY=""))
    assert done.returncode != 0


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"SECRET_KEY": "change-me-to-a-long-random-string"}, "security.W009"),  # the .env.example value
        ({"DEBUG": "true"}, "security.W018"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"TRUSTED_PROXY_COUNT": "0"}, "jpki.W001"),  # the proxy's address logged for every terminal
    ],
    ids=["weak-key", "debug", "no-hsts", "no-ssl-redirect", "no-trusted-proxy"],
)
def test_check_deploy_bites(tmp_path, extra, code):
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production(**extra))
    assert done.returncode != 0
    assert code in done.stdout + done.stderr


SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k, None) for k in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "ALLOWED_HOSTS", "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "AXES_ENABLED", "AXES_FAILURE_LIMIT")}, default=str))
"""


def test_production_settings(tmp_path):
    done = _run(["-c", SHOW], tmp_path, **production())
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["ALLOWED_HOSTS"] == [HOST]
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True and 0 < values["SESSION_COOKIE_AGE"] <= 8 * 3600
    assert values["AXES_ENABLED"] is True and values["AXES_FAILURE_LIMIT"] <= 10


def test_production_refuses_a_wrong_host(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(raise_request_exception=False)\n"
        f"print(c.get('/admin/login/', HTTP_HOST='evil.example', secure=True).status_code,"
        f" c.get('/admin/login/', HTTP_HOST='{HOST}', secure=True).status_code,"
        f" c.get('/admin/login/', HTTP_HOST='{HOST}').status_code)\n"
    )
    done = _run(["-c", code], tmp_path, **production(LOG_LEVEL="CRITICAL"))
    assert done.returncode == 0, done.stderr
    wrong_host, https, plain_http = done.stdout.split()[-3:]
    assert wrong_host == "400"  # DisallowedHost
    assert plain_http == "301"  # SECURE_SSL_REDIRECT
    assert https == "200"
