"""Search terms stay out of the access log: gunicorn, started in the checkout the way the README says,
reads ``gunicorn.conf.py`` and logs the method and the path of a request, not its query string
(the search box's ``?q=``) nor the referrer (which repeats the previous page's query)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_gunicorn_logs_no_query_string_and_no_referrer(tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "PRODUCTION": "false",
        "LOG_LEVEL": "CRITICAL",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    server = subprocess.Popen(
        [str(GUNICORN), "jpki.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile", str(access_log)],
        cwd=BASE,  # as in the README: gunicorn reads ./gunicorn.conf.py
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/admin/login/?q=%E3%83%A4%E3%83%9E%E3%83%80+secret-term"
        request = urllib.request.Request(url, headers={"Referer": f"http://127.0.0.1:{port}/admin/?q=secret-referer"})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        deadline = time.monotonic() + 10
        while "/admin/login/" not in (access_log.read_text() if access_log.exists() else ""):
            assert time.monotonic() < deadline, "no access log line"
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = access_log.read_text()
    assert '"GET /admin/login/ HTTP/1.1" 200' in text, text
    assert "secret-term" not in text and "secret-referer" not in text and "q=" not in text, text
