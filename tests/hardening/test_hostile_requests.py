"""Hostile requests as counter staff: hostile ids in every URL, hostile values in every workflow form.

- every URL with a path parameter gets non-numeric, exotic-digit and out-of-range ids: never a 500;
- every workflow form (discovered from the pages themselves, ``response.context["form"]``) is POSTed
  hostile values (hypothesis) at the review and at the confirm step: never a 500, the form comes back
  with Japanese messages, no row is written unless the procedure was really recorded, and nothing
  posted is echoed back as live HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock
from urllib.parse import quote

import pytest
from django import forms
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import urlwalk
from .support import NUL, bug_open, hostile_text, is_japanese, known_bug, row_counts

pytestmark = pytest.mark.django_db

COUNTER_OPEN = dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC)  # Wednesday 10:05 in Tokyo
ACCESS_LOGS = {
    "jpki.RecordView",
    "jpki.ReadLog",
    "jpki.ReadLogResident",
    "letters.LetterAccess",
    "letters.HistoricalLetterAccess",
}
HOSTILE_IDS = ["abc", "²", "99999999999999999999", "-1", "1%00", "%F0%9F%98%80"]
HOSTILE_QUERY_IDS = ["²", "abc", "99999999999999999999", "1 OR 1=1", "-1"]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _describe(path, response) -> str:
    text = f"{path} -> {response.status_code}"
    exc = getattr(response, "exc_info", None)
    if exc:
        text += f" ({exc[0].__name__}: {exc[1]})"
    return text


def _with_param(endpoint, world, param, raw):
    """The endpoint's first concrete path with ``param`` replaced by a raw (already quoted) value."""
    values = {}
    model = urlwalk._model_hint(endpoint, world)
    for name in endpoint.params:
        values[name] = urlwalk._param_value(name, endpoint, world, model)[0]
    marker = "HOSTILEVALUE"
    values[param] = marker
    return urlwalk._fill(endpoint, values).replace(marker, raw)


# --- hostile ids in paths and queries ---------------------------------------------------------------------


def _known_bad_id_view(endpoint) -> str | None:
    """The known-bug key of a view that still fails on bad ids (skipped by the generic test)."""
    name = endpoint.url_name
    if name.endswith(("_history", "_simple_history")) and bug_open("history-view-bad-ids"):
        return "history-view-bad-ids"
    if name.endswith(("_workflow", "_workflow_done")) and bug_open("workflow-bad-ids"):
        return "workflow-bad-ids"
    return None


def _bad_id_problems(client, world, select):
    problems = []
    for ep in urlwalk.endpoints():
        if not select(ep):
            continue
        for param in ep.params:
            if param in ("app_label", "url", "slug"):
                continue
            for raw in HOSTILE_IDS:
                path = _with_param(ep, world, param, raw)
                response = client.get(path)
                if response.status_code >= 500:
                    problems.append(f"{ep.label}[{param}]: " + _describe(path, response))
    return problems


def test_hostile_ids_in_every_url_never_cause_a_500(world, clerk):
    problems = _bad_id_problems(_client(clerk), world, lambda ep: _known_bad_id_view(ep) is None)
    assert not problems, "\n".join(problems)


@known_bug("history-view-bad-ids")
def test_history_views_answer_404_to_ids_that_are_not_ids(world, clerk):
    problems = _bad_id_problems(_client(clerk), world, lambda ep: ep.url_name.endswith(("_history", "_simple_history")))
    assert not problems, "\n".join(problems)


@known_bug("workflow-bad-ids")
def test_workflow_views_answer_404_to_ids_that_are_not_ids(world, clerk):
    problems = _bad_id_problems(_client(clerk), world, lambda ep: ep.url_name.endswith(("_workflow", "_workflow_done")))
    assert not problems, "\n".join(problems)


@known_bug("workflow-bad-ids")
def test_hostile_query_ids_never_cause_a_500(world, clerk):
    client = _client(clerk)
    problems = []
    for ep in urlwalk.endpoints():
        if "slug" not in ep.params:
            continue
        for path in urlwalk.concrete_paths(ep, world):
            if "?" in path:
                continue
            for raw in HOSTILE_QUERY_IDS:
                full = f"{path}?application={quote(raw)}"
                response = client.get(full)
                if response.status_code >= 500:
                    problems.append(_describe(full, response))
    assert not problems, "\n".join(problems)


# --- hostile values in every workflow form ------------------------------------------------------------------

HOSTILE_DATES = [
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "１９８５-０６-０１",
    "令和8年11月25日",
    "2026/11/25",
    "-1",
    "1e309",
    "99999999-01-01",
    "",
    " ",
    "2026-11-25\x00",
    "2026-11-25'; --",
]
HOSTILE_BOOLEANS = ["on", "", "false", "0", "\x00", "✔", "<b>on</b>"]


def _http_safe(value: str) -> str:
    """What a browser can send: lone surrogates arrive as U+FFFD (Django decodes with 'replace')."""
    return (
        value.encode("utf-8", "replace").decode("utf-8").replace("?", "\ufffd")
        if re.search("[\ud800-\udfff]", value)
        else value
    )


def _field_strategy(field):
    text = hostile_text(max_size=120).map(_http_safe)
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(HOSTILE_BOOLEANS)
    if isinstance(field, forms.DateField):
        return st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(lambda d: d.isoformat()), text)
    if isinstance(field, forms.IntegerField):
        return st.one_of(st.sampled_from(["99999999999999999999", "-1", "1e309", "NaN", "0x10", "２"]), text)
    if isinstance(field, forms.ChoiceField):
        values = [str(k) for k, _label in field.choices if not isinstance(_label, (list, tuple))]
        return st.one_of(st.sampled_from(values or [""]), text)
    return text


PLAUSIBLE_TEXT = {
    "postal": "564-0041",
    "kana": "スズキ　イチロウ",
    "tracking": "12345678903",  # the check digit (mod 7) fits
    "relation": "子",
    "address": "大阪府吹田市山田東1丁目1番1号",
    "name": "鈴木　一郎",
    "reason": "窓口での手続",
    "number": "AB-1234",
    "issuer": "大阪府公安委員会",
    "receipt": "R-0001",
    "document": "戸籍謄本",
}


def _plausible(name, field):
    """A value the form would accept on its own: the baseline the hostile values are mixed into."""
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.DateField):
        return "1970-01-01" if "birth" in name else "2026-11-20"
    if isinstance(field, forms.ChoiceField):
        values = [str(k) for k, _label in field.choices if k not in ("", None)]
        initial = field.initial if field.initial not in (None, "") else None
        return str(initial) if initial is not None else (values[0] if values else "")
    for key, value in PLAUSIBLE_TEXT.items():
        if key in name:
            return value
    return "テスト"


def _form_pages(client, world):
    """(path, form) of every workflow page that shows a form to counter staff."""
    pages = {}
    for ep in urlwalk.endpoints():
        if "slug" not in ep.params or ep.url_name.endswith("_done"):
            continue
        for path in urlwalk.concrete_paths(ep, world):
            response = client.get(path)
            assert response.status_code < 500, _describe(path, response)
            form = (response.context or {}).get("form") if response.status_code == 200 else None
            if form is not None:
                slug = path.split("/procedure/")[1].split("/")[0] if "/procedure/" in path else path
                pages.setdefault(slug, (path, form))
    return pages


def _form_errors(response) -> list[str]:
    form = (response.context or {}).get("form")
    if form is None:
        return []
    return [str(m) for errors in form.errors.values() for m in errors]


@pytest.fixture
def counter_open():
    with mock.patch("django.utils.timezone.now", return_value=COUNTER_OPEN):
        yield


def test_every_workflow_form_is_found(world, clerk, counter_open):
    pages = _form_pages(_client(clerk), world)
    assert len(pages) >= 10, sorted(pages)
    assert any("proxy" in slug for slug in pages)


def test_hostile_values_in_every_workflow_form(world, clerk, counter_open):
    client = _client(clerk)
    pages = _form_pages(client, world)
    problems: list[str] = []

    for slug, (path, form) in sorted(pages.items()):
        baseline = {name: _plausible(name, field) for name, field in form.fields.items()}
        hostile = {name: _field_strategy(field) for name, field in form.fields.items()}
        if not bug_open("workflow-bad-ids"):
            hostile["application"] = st.sampled_from(HOSTILE_QUERY_IDS)

        @st.composite
        def payload(draw):
            data = dict(baseline)
            for name in draw(st.lists(st.sampled_from(sorted(hostile)), min_size=1, max_size=3, unique=True)):
                data[name] = draw(hostile[name])
            for name in draw(st.lists(st.sampled_from(sorted(baseline)), max_size=2, unique=True)):
                data.pop(name, None)  # a field missing from the POST altogether
            data["_step"] = draw(st.sampled_from(["review", "confirm", "confirm", "edit", "<script>", NUL]))
            return data

        @settings(
            max_examples=50,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(data=payload())
        def post_hostile(data):
            with transaction.atomic():
                before = row_counts()
                response = client.post(path, data)
                after = row_counts()
                transaction.set_rollback(True)
            where = f"{slug} {sorted(data)}"
            if response.status_code >= 500:
                problems.append(f"{where}: " + _describe(path, response))
                return
            recorded = response.status_code == 302 and "/done/" in response.get("Location", "")
            changed = {k for k in before if before[k] != after.get(k) and k not in ACCESS_LOGS}
            if changed and not recorded:
                problems.append(f"{where}: rows written without recording the procedure: {sorted(changed)}")
            if response.status_code == 200:
                errors = _form_errors(response)
                step = (response.context or {}).get("step")
                if step == "form" and data["_step"] not in ("edit",) and not errors:
                    problems.append(f"{where}: the form came back without a message")
                if any(not is_japanese(m) for m in errors):
                    problems.append(f"{where}: message not in Japanese: {errors}")
                body = response.content.decode("utf-8", "replace")
                for value in data.values():
                    if "<script>" in value and "<script>alert" in body:
                        problems.append(f"{where}: posted HTML echoed back unescaped")

        post_hostile()
    assert not problems, "\n".join(sorted(set(problems))[:60])
