"""Content-Security-Policy on every response (``jpki.security.ContentSecurityPolicyMiddleware`` with
``settings.SECURE_CSP``): strict for scripts, no framing; the templates hold no inline script the
policy would block. (The admin working under it in a real browser: tests/browser/, whose conftest
fails a test on any CSP violation the browser reports.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jpki.security import content_security_policy, csp_hash

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(["'])(.*?)\1""", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_the_policy_is_strict():
    policy = settings.SECURE_CSP
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert not any("*" in source or source.startswith("http") for sources in policy.values() for source in sources)


@pytest.mark.parametrize("who", ["anonymous", "clerk", "supervisor"])
def test_every_response_carries_it(who, clerk, supervisor):
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(clerk if who == "clerk" else supervisor)
    expected = content_security_policy(settings.SECURE_CSP)
    for path in (reverse("admin:login"), reverse("admin:index"), "/admin/no-such-page/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code < 500, path
        assert response["Content-Security-Policy"] == expected, (path, response.status_code)
        assert _directives(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_the_lockout_page_carries_it(clerk, settings):
    settings.AXES_ENABLED = True
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("admin:login"), {"username": "clerk", "password": f"wrong-{attempt}"})
    assert response.status_code == 429
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_every_inline_event_handler_in_the_templates_is_allowed_by_its_hash():
    """An inline handler the policy does not list would silently do nothing in the browser."""
    allowed = set(settings.SECURE_CSP["script-src"])
    found, problems = [], []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in HANDLER.finditer(text):
            found.append(match.group(2))
            if csp_hash(match.group(2)) not in allowed:
                problems.append(f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}")
        for match in INLINE_SCRIPT.finditer(text):
            problems.append(f"{path.relative_to(TEMPLATES)}: inline script {match.group(0)} (use a static file)")
        if "javascript:" in text:
            problems.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert not problems, "\n".join(problems)
    assert found == ["this.form.submit()"]  # the language switch; the check above is not vacuous
