"""The English UI is complete (issue 14, point 5): no Japanese on any page that does not come from the data.

Rendered in English (the header's language switch, ``/i18n/setlang/``), for a world whose first
resident has an ASCII name (``SMITH　JOHN``; the kana is data):

- every GET URL of the project, as a supervisor and as a clerk (the generic walk of
  ``tests/hardening/urlwalk.py``, so that pages added later are covered);
- every counter workflow's form posted empty (its error messages) and posted with the valid data of
  ``tests/admin/test_submit_once.py`` (its confirm step).

A page fails on any Japanese character left after removing the data: every string of the database
rows (longest first, as is and HTML-escaped), the strings of the settings (the city's names, the
language names of ``LANGUAGES``), and the values the test itself posted. Nothing else is ignored.
Each page must also say it is English (``<html lang="en"``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jpki import services
from jpki.admin.workflows import WORKFLOWS
from tests.admin.conftest import frozen
from tests.admin.test_submit_once import CASES
from tests.conftest import at
from tests.factories import ResidentFactory
from tests.hardening import urlwalk
from tests.hardening.conftest import NOW, build_world

pytestmark = pytest.mark.django_db

JAPANESE_CHAR = (
    r"[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\uff01-\uffef\U00020000-\U0003ffff]"
)
JAPANESE = re.compile(JAPANESE_CHAR + "+")
TEXT_FIELDS = ("CharField", "TextField", "SlugField", "EmailField", "JSONField")
HTML_LANG_EN = re.compile(r"<html[^>]*\blang=\"en\"")


def _strings(value):
    """Every string inside a settings value or a JSON value (lists, tuples, dicts, nested)."""
    if type(value) is str:  # not a lazy translation: that is a UI string, to be translated
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def data_strings(extra=()) -> list[str]:
    """The Japanese strings of the database rows and of the settings, longest first."""
    found = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.get_internal_type() in TEXT_FIELDS]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    if JAPANESE.search(text):
                        found.add(text)
    for name in dir(settings):
        if name.isupper():
            for text in _strings(getattr(settings, name)):
                if JAPANESE.search(text):
                    found.add(text)
    found.update(text for text in _strings(list(extra)) if JAPANESE.search(text))
    # as Django's admin prints a title in the breadcrumbs (truncatewords: the full-width space of a
    # name becomes a plain one)
    found.update([" ".join(text.split()) for text in found])
    return sorted(found, key=len, reverse=True)


def japanese_left(content: str, data: list[str]) -> list[str]:
    """The runs of Japanese characters of a page once the data strings are removed."""
    text = content
    for value in data:
        for form in (value, html.escape(value), html.escape(value, quote=False), json.dumps(value)[1:-1]):
            text = _remove(text, form)
    text = html.unescape(text)
    for value in data:
        text = _remove(text, value)
    return [m.group() for m in JAPANESE.finditer(text)]


def _remove(text: str, value: str) -> str:
    """``text`` without ``value``; a one-character value (a relation 子, a character of the substitution
    table) only where it stands alone, not inside a Japanese word that would then hide a leak."""
    if len(value) > 1:
        return text.replace(value, " ")
    return re.sub(rf"(?<!{JAPANESE_CHAR}){re.escape(value)}(?!{JAPANESE_CHAR})", " ", text)


def english_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    return client


def check_page(response, label: str, data: list[str], leaks: dict, not_english: list) -> None:
    """Record the Japanese left on an HTML page, and whether it says it is English."""
    if "html" not in response.get("Content-Type", ""):
        return
    content = response.content.decode()
    if "<html" in content and not HTML_LANG_EN.search(content):
        not_english.append(label)
    for run in japanese_left(content, data):
        leaks.setdefault(label, []).append(run)


def report(leaks: dict, not_english: list) -> str:
    lines = [f"{label}: {' | '.join(dict.fromkeys(runs))}" for label, runs in sorted(leaks.items())]
    lines += [f"{label}: not lang=en" if "->" not in label else label for label in not_english]
    return "\n".join(lines)


# --- the world -------------------------------------------------------------------------------------------


@pytest.fixture
def english_world(clerk, supervisor):
    """The hardening world, with first a resident with an ASCII name, a card and both certificates."""
    world = build_world(clerk, supervisor)
    smith = ResidentFactory(name="SMITH　JOHN", name_kana="スミス　ジョン", birth_date=dt.date(1985, 3, 4))
    card = services.card_issue(resident=smith, actor=clerk, reason="card issued", issued_on=dt.date(2024, 6, 10))
    services.certificates_issue(
        resident=smith, actor=clerk, reason="issued at the counter", signing=True, user=True, at=at(2026, 11, 24, 10)
    )
    world.instances_for(type(smith)).insert(0, smith)
    world.instances_for(type(card)).insert(0, card)
    world.smith = smith
    return world


# --- every GET URL -------------------------------------------------------------------------------------------


def _walk(user, world) -> tuple[dict, list, int]:
    client = english_client(user)
    data = data_strings()
    leaks, not_english, pages = {}, [], 0
    with frozen(NOW):
        for endpoint in urlwalk.endpoints():
            for path in urlwalk.concrete_paths(endpoint, world):
                response = client.get(path)
                if response.status_code >= 500:  # a page that fails cannot be checked: say so
                    not_english.append(f"{endpoint.label} {path} -> {response.status_code}")
                if response.status_code != 200:
                    continue
                pages += 1
                label = f"{endpoint.label} {path}"
                found, wrong = {}, []
                check_page(response, label, data, found, wrong)
                if found:  # the page may show rows written since (read log, letters): data as of now
                    data, found = data_strings(), {}
                    check_page(response, label, data, found, [])
                leaks.update(found)
                not_english.extend(wrong)
    return leaks, not_english, pages


@pytest.mark.parametrize("role", ["supervisor", "clerk"])
def test_every_page_is_english(role, english_world, request):
    user = request.getfixturevalue(role)
    leaks, not_english, pages = _walk(user, english_world)
    assert pages > 40  # the walk really rendered the project's pages
    assert not leaks and not not_english, report(leaks, not_english)


# --- every workflow: the form with errors, the confirm step ---------------------------------------------


@pytest.mark.parametrize("slug", sorted(WORKFLOWS))
def test_every_workflow_form_and_confirm_step_is_english(slug, clerk):
    case = CASES[slug](clerk)
    leaks, not_english = {}, []
    with frozen(case.moment):
        client = english_client(clerk)  # logged in at the case's moment: the session is fresh then
        form = client.get(case.url)
        assert form.status_code == 200
        check_page(form, f"{slug} form", data_strings(), leaks, not_english)

        empty = client.post(case.url, {"_step": "review"})
        assert empty.status_code == 200 and empty.context["step"] == "form"
        assert empty.context["form"].errors
        check_page(empty, f"{slug} empty form", data_strings(), leaks, not_english)

        confirm = client.post(case.url, {**case.data, "_step": "review"})
        assert confirm.status_code == 200 and confirm.context["step"] == "confirm", confirm.context["form"].errors
        # what the clerk typed is data, and so is the masked document number the page repeats
        posted = [
            *case.data.values(),
            *(services.mask_document_number(v) for k, v in case.data.items() if k.endswith("_number")),
        ]
        check_page(confirm, f"{slug} confirm", data_strings(posted), leaks, not_english)
    assert not leaks and not not_english, report(leaks, not_english)


# --- the letters admin's one-shot forms, posted empty ----------------------------------------------------

LETTER_FORMS = ("mailing", "return", "reply", "reprint")


def test_every_letters_form_with_errors_is_english(english_world, clerk):
    urls = [reverse(f"admin:letters_letter_{name}", args=[english_world.letter.pk]) for name in LETTER_FORMS]
    urls += [
        reverse("admin:letters_letter_create", args=[english_world.proxy_application.pk]),
        reverse("admin:letters_letter_print_day"),
    ]
    leaks, not_english = {}, []
    with frozen(NOW):
        client = english_client(clerk)
        for url in urls:
            response = client.post(url, {})
            assert response.status_code == 200, url
            assert "errornote" in response.content.decode() or "errorlist" in response.content.decode(), url
            check_page(response, f"{url} posted empty", data_strings(), leaks, not_english)
    assert not leaks and not not_english, report(leaks, not_english)
