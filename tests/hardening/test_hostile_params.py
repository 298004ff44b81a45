"""Hostile query strings everywhere, the other screens' forms, and CSV cells a spreadsheet would run.

Contracts checked (issue 10, "hostile input everywhere"):

- every list page of the admin (every ModelAdmin of the site, found through its public API, so a
  screen added later is covered) gets hostile values in every GET parameter it accepts: its list
  filters' own parameters (``expected_parameters()``, and the values of their own links), the date
  hierarchy's drill-down, the search ``q``, ordering ``o``, page ``p``, ``e``, ``all``, ``_facets``,
  ``_popup``, ``_to_field``: never a 5xx; a redirect leads to the unfiltered list with a Japanese
  message (``jpki.admin.changelists``);
- the letters views (the ledger's ``LedgerParamsForm`` fields, the reference lookup) and the audit
  (``AuditFilterForm`` fields, ``p``, ``format``): never a 5xx, a Japanese message;
- every admin form outside the resident workflows (``test_hostile_requests`` posts to those): the
  letters' procedures, the substitution table, offices and staff: never a 5xx, Japanese messages,
  nothing written unless the page says it was recorded;
- the 500s of the issue's findings, one test each;
- every CSV export prefixes a cell that starts with ``= + - @``, tab or CR with ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from django import forms
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jpki import services
from jpki.admin.audit import AuditFilterForm
from jpki.admin.changelists import SafeChangeListMixin
from jpki.csvexport import csv_row, safe_cell
from letters.views import LedgerParamsForm
from residents.models import CharacterSubstitution
from tests.factories import ResidentFactory, UserFactory

from . import urlwalk
from .support import NUL, hostile_text, is_japanese, row_counts
from .test_hostile_requests import (
    ACCESS_LOGS,
    _client,
    _describe,
    _field_strategy,
    _http_safe,
    _plausible,
    counter_open,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db

UNFILTERED = "条件を外して一覧を表示しています"

HOSTILE_VALUES = [
    "99999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "²",
    "١٢",
    "９９９９",
    "1e309",
    "NaN",
    "0x10",
    "1,99999999999999999999",
    "0001-01-01",
    "0000-00-00",
    "9999-12-31",
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00+09:00",
    "2026-02-30",
    "10000-01-01",
    "１９８５-０６-０１",
    NUL,
    "a\x00b",
    "\x07",
    "\ufffd",
    "=1+1",
    "@SUM(A1)",
    "+1",
    "-1+1",
    "'; DROP TABLE residents_resident; --",
    "<script>alert(1)</script>",
    "x" * 5000,
    "あ" * 600,
    "True",
    "xyz",
    "",
    " ",
    ",",
    "%00",
    "__proto__",
]
HIERARCHY_VALUES = [
    "0",
    "1",
    "2",
    "12",
    "13",
    "31",
    "32",
    "1867",
    "2026",
    "2999",
    "3000",
    "9999",
    "10000",
    "99999999999999999999",
    "-1",
    "１２",
    "²",
    "1.5",
    "",
]
CHANGELIST_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hostile_value():
    return st.one_of(st.sampled_from(HOSTILE_VALUES), hostile_text(max_size=60).map(_http_safe))


# --- the list pages ------------------------------------------------------------------------------------------


def registered_admins():
    """(model, model_admin) of every list page of the site, through its public API."""
    superuser = type(
        "Anyone",
        (),
        {"is_active": True, "is_staff": True, "has_module_perms": lambda *a: True, "has_perm": lambda *a: True},
    )()
    request = RequestFactory().get("/admin/")
    request.user = superuser
    found = []
    for app in admin.site.get_app_list(request):
        for entry in app["models"]:
            found.append((entry["model"], admin.site.get_model_admin(entry["model"])))
    return found


def changelist_parameters(model_admin, user) -> dict[str, list[str]]:
    """Every GET parameter the list page accepts, each with the values of the page's own links."""
    request = RequestFactory().get("/")
    request.user = user
    cl = model_admin.get_changelist_instance(request)
    params: dict[str, list[str]] = {}
    for spec in cl.filter_specs:
        for name in spec.expected_parameters():
            params.setdefault(name, [])
        for choice in spec.choices(cl):
            for key, value in parse_qsl(choice.get("query_string", "").lstrip("?"), keep_blank_values=True):
                if key in params and value not in params[key]:
                    params[key].append(value)
    if model_admin.date_hierarchy:
        for part, value in (("year", "2026"), ("month", "11"), ("day", "25")):
            params[f"{model_admin.date_hierarchy}__{part}"] = [value]
    if model_admin.get_search_fields(request):
        params["q"] = ["山田", "SU-2026-000001"]
    params.update(
        {
            "o": ["1", "-2.1"],
            "p": ["1", "2"],
            "e": ["1"],
            "all": [""],
            "_facets": ["1"],
            "_popup": ["1"],
            "_to_field": ["id"],
        }
    )
    return params


def _user_for(model_admin, supervisor, superuser):
    """The supervisor where the role may see the list (role-scoped first), else a superuser."""
    request = RequestFactory().get("/")
    request.user = supervisor
    return supervisor if model_admin.has_view_or_change_permission(request) else superuser


def _changelist_problem(client, url, data) -> str | None:
    """None when the list page answered (possibly after redirects) with a page, and an unfiltered
    list that replaced the request's filters says so in Japanese; else what went wrong."""
    where = f"{url} {sorted(data.items())!r:.300}"
    response = client.get(url, data)
    if response.status_code >= 500:
        return f"{where}: " + _describe(url, response)
    chain = []
    while response.status_code in (301, 302) and len(chain) < 5:
        chain.append(response["Location"])
        response = client.get(chain[-1])
        if response.status_code >= 500:
            return f"{where} -> {chain}: " + _describe(chain[-1], response)
    if response.status_code == 400 and "_to_field" in data:
        return None  # DisallowedModelAdminToField: Django's answer to a suspicious operation
    if response.status_code != 200:
        return f"{where} -> {chain}: answered {response.status_code}"
    if chain and chain[-1].endswith("?e=1") and UNFILTERED not in response.content.decode():
        return f"{where} -> {chain}: the unfiltered list without the Japanese message"
    return None


def _list_page_problems(model, model_admin, client, user) -> list[str]:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    params = changelist_parameters(model_admin, user)
    problems: list[str] = []

    # The findings, and the date hierarchy's calendar edges, on every page that has them.
    fixed = [
        {"id__in": "99999999999999999999"},
        {"p": "99999999999999999999999"},
        {"p": "0"},
        {"q": "a\x00b"},
        {"e": "1", "p": "-5"},
        {"pk__regex": "("},
    ]
    if model_admin.date_hierarchy:
        dh = model_admin.date_hierarchy
        fixed += [
            {f"{dh}__year": "9999", f"{dh}__month": "12"},
            {f"{dh}__year": "9999", f"{dh}__month": "12", f"{dh}__day": "31"},
            {f"{dh}__year": "1"},
            {f"{dh}__year": "0"},
            {f"{dh}__year": "10" * 10},
            {f"{dh}__gte": "0001-01-01"},
            {f"{dh}__lt": "9999-12-31 23:59:59"},
        ]
    for data in fixed:
        if (problem := _changelist_problem(client, url, data)) is not None:
            problems.append(problem)

    names = sorted(params)

    @st.composite
    def query(draw):
        data = {}
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
            own = params[name]
            pool = HIERARCHY_VALUES if name.endswith(("__year", "__month", "__day")) else HOSTILE_VALUES
            mine = [st.sampled_from(own)] if own else []
            data[name] = draw(st.one_of(st.sampled_from(pool), hostile_value(), *mine))
        return data

    @CHANGELIST_SETTINGS
    @given(data=query())
    def get_hostile(data):
        if (problem := _changelist_problem(client, url, data)) is not None:
            problems.append(problem)

    get_hostile()
    return problems


def test_every_list_page_survives_hostile_parameters(world, branch, supervisor, superuser):
    """Every list page of the site (the project's, Django's, django-axes', django-tasks'), one world."""
    problems: list[str] = []
    clients = {}
    for model, model_admin in registered_admins():
        user = _user_for(model_admin, supervisor, superuser)
        client = clients.setdefault(user.pk, _client(user))
        problems += _list_page_problems(model, model_admin, client, user)
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_every_list_page_has_the_bad_parameter_handling():
    """Without it, ?id__in=99999999999999999999 is a 500 on SQLite (``protect_every_list`` adds it to
    Django's, django-axes' and django-tasks' list pages too)."""
    missing = [
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m, a in registered_admins()
        if not isinstance(a, SafeChangeListMixin)
    ]
    assert not missing
    assert len(registered_admins()) >= 15


def test_the_parameters_are_discovered_from_the_screens(world, branch, supervisor):
    from jpki.models import Application
    from letters.models import Letter

    params = changelist_parameters(admin.site.get_model_admin(Application), supervisor)
    assert {"status__exact", "office__id__exact", "proxy_stage", "q", "p", "o"} <= set(params)
    assert params["status__exact"]  # the values of the filter's own links
    params = changelist_parameters(admin.site.get_model_admin(Letter), supervisor)
    assert {"rendered_at__year", "rendered_at__month", "rendered_at__day", "posted_at__isempty"} <= set(params)


# --- the findings of issue 10, one by one ------------------------------------------------------------------------


FINDING_LIST_PAGES = [
    "/admin/jpki/application/?received_at__gte=0001-01-01",
    "/admin/letters/letter/?rendered_at__year=9999&rendered_at__month=12",
    "/admin/letters/letter/?rendered_at__year=9999&rendered_at__month=12&rendered_at__day=31",
    "/admin/jpki/certificate/?expires_on__lt=0001-01-01",
    "/admin/residents/resident/?birth_date__year=1",
    "/admin/jpki/card/?id__in=99999999999999999999",
    "/admin/jpki/application/?e=1&received_at__gte=0001-01-01",
]


def test_finding_list_pages_answer_with_the_unfiltered_list_and_a_message(world, clerk, supervisor):
    for user in (clerk, supervisor):
        client = _client(user)
        for path in FINDING_LIST_PAGES:
            response = client.get(path, follow=True)
            assert response.status_code == 200, _describe(path, response)
            assert response.redirect_chain and response.redirect_chain[-1][0].endswith("?e=1"), path
            assert UNFILTERED in response.content.decode(), path
            assert response.context["cl"].result_count >= 1, path  # the unfiltered list


def test_a_filter_that_makes_sense_still_filters(world, supervisor):
    client = _client(supervisor)
    response = client.get("/admin/jpki/application/", {"received_at__gte": "2026-01-01"})
    assert response.status_code == 200 and response.context["cl"].result_count >= 1
    response = client.get("/admin/jpki/application/", {"received_at__gte": "2999-01-01"})
    assert response.status_code == 200 and response.context["cl"].result_count == 0
    response = client.get("/admin/letters/letter/", {"rendered_at__year": "2026", "rendered_at__month": "11"})
    assert response.status_code == 200
    response = client.get("/admin/jpki/application/", {"received_at__gte": "0001-01-01", "q": "1"})
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response["Location"]).query)) == {"e": "1"}


def test_finding_a_substitution_for_a_character_that_needs_none(world, clerk, supervisor):
    for user in (clerk, supervisor):
        client = _client(user)
        for character in ("高", "A", "\x07"):
            before = row_counts()
            response = client.post(
                "/admin/residents/charactersubstitution/add/",
                {"original": character, "substitute": "高", "note": "", "change_reason": "申出"},
            )
            assert response.status_code == 200, _describe(repr(character), response)
            errors = response.context["adminform"].form.errors
            assert "original" in errors and all(is_japanese(m) for m in errors["original"]), errors
            assert row_counts() == before


def test_a_substitution_with_an_unusable_reason_is_refused_at_the_field(world, clerk):
    before = row_counts()
    char = next(
        c
        for c in ("\U0002123d", "\U00020b9f", "\U0002a6b2")
        if not CharacterSubstitution.objects.filter(original=c).exists()
    )
    data = {"original": char, "substitute": "土", "note": "", "change_reason": "住民の\x0b申出"}
    response = _client(clerk).post("/admin/residents/charactersubstitution/add/", data)
    assert response.status_code == 200, _describe("add", response)
    errors = response.context["adminform"].form.errors
    assert "change_reason" in errors and all(is_japanese(m) for m in errors["change_reason"]), errors
    assert row_counts() == before


def test_a_substitution_that_is_needed_is_still_recorded(world, clerk):
    char = next(
        c
        for c in ("\U0002123d", "\U00020b9f", "\U0002a6b2")
        if not CharacterSubstitution.objects.filter(original=c).exists()
    )
    data = {"original": char, "substitute": "土", "note": "", "change_reason": "住民からの申出"}
    response = _client(clerk).post("/admin/residents/charactersubstitution/add/", data)
    assert response.status_code == 302
    assert CharacterSubstitution.objects.get(original=char).history.get().history_user == clerk


AUDIT_FINDINGS = [
    ({"p": "-3"}, None),
    ({"p": "x"}, None),
    ({"resident": "99999999999999999999999"}, "resident"),
    ({"resident": "９９９９９９９９９９９９９９９９９９９９９"}, "resident"),
    ({"date_from": "0001-01-01"}, "date_from"),
    ({"date_to": "9999-12-31"}, "date_to"),
    ({"date_from": "2026-11-25", "date_to": "2026-11-01"}, "date_to"),
    ({"user": "99999999999999999999999"}, "user"),
    ({"office": "abc"}, "office"),
    ({"date_from": "0001-01-01", "format": "csv"}, "date_from"),
]


def test_finding_the_audit_page_answers_in_japanese(world, supervisor):
    client = _client(supervisor)
    for query, field in AUDIT_FINDINGS:
        response = client.get("/admin/jpki/recordview/audit/", query)
        assert response.status_code == 200, _describe(str(query), response)
        assert response["Content-Type"].startswith("text/html"), query
        if field is None:
            messages = [str(m) for m in response.context["messages"]]
            assert messages and all(is_japanese(m) for m in messages), query
            assert response.context["rows"], query
        else:
            errors = response.context["form"].errors
            assert field in errors and all(is_japanese(m) for m in errors[field]), (query, errors)
            assert response.context["rows"] == [], query  # not the unfiltered list passed off as the filtered one


def test_the_audit_pages_stop_at_the_csv_depth(world, supervisor):
    from jpki.admin import audit

    client = _client(supervisor)
    for page in ("401", "99999999999999999999999"):
        response = client.get("/admin/jpki/recordview/audit/", {"p": page})
        assert response.status_code == 200 and response.context["page"] == audit.max_page() == 400
        assert not response.context["has_next"]
        assert [m for m in response.context["messages"] if is_japanese(str(m))]


LEDGER_FINDINGS = [
    {"office": "abc"},
    {"office": "99999999999999999999999"},
    {"office": "1\x00"},
    {"date": "0001-01-01"},
    {"date": "9999-12-31"},
    {"date": "2026-02-30"},
    {"month": "9999-12"},
    {"month": "2026-13"},
    {"month": "0-0"},
    {"month": "２０２６-１１"},
    {"month": "-2026-11"},
    {"format": "xlsx"},
]


def test_finding_the_ledger_answers_in_japanese(world, supervisor, clerk):
    client = _client(supervisor)
    path = reverse("letters:ledger")
    for query in LEDGER_FINDINGS:
        response = client.get(path, query)
        assert response.status_code == 400, _describe(f"{path} {query}", response)
        assert is_japanese(response.content.decode()), query
    office = clerk.staff_profile.office
    response = client.get(path, {"office": office.pk, "month": "2026-11", "format": "csv"})
    assert response.status_code == 200 and "発行日" in response.content.decode("utf-8-sig")


# --- the letters views and the audit, fuzzed ---------------------------------------------------------------------

VIEW_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _form_parameters(form_class, plausible: dict) -> dict:
    """A strategy per field of a filter form (its own values mixed with hostile ones)."""
    fields = form_class().fields
    strategies = {}
    for name, field in fields.items():
        own = [str(v) for v in plausible.get(name, [])]
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            own += [str(k) for k, _label in field.choices]
        strategies[name] = st.one_of(hostile_value(), *([st.sampled_from(own)] if own else []))
    return strategies


def _fuzz_view(client, path, strategies, check):
    problems: list[str] = []
    names = sorted(strategies)

    @st.composite
    def query(draw):
        return {
            n: draw(strategies[n]) for n in draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        }

    @VIEW_SETTINGS
    @given(data=query())
    def get_hostile(data):
        response = client.get(path, data)
        where = f"{path} {sorted(data.items())!r:.300}"
        if response.status_code >= 500:
            problems.append(f"{where}: " + _describe(path, response))
            return
        problem = check(response)
        if problem:
            problems.append(f"{where}: {problem}")

    get_hostile()
    return problems


def test_the_ledger_survives_hostile_parameters(world, supervisor, clerk):
    office = clerk.staff_profile.office
    strategies = _form_parameters(
        LedgerParamsForm, {"office": [office.pk], "date": ["2026-11-25"], "month": ["2026-11"]}
    )
    strategies["format"] = st.one_of(st.just("csv"), hostile_value().filter(lambda v: v not in ("", "pdf")))
    strategies["inline"] = hostile_value()

    def check(response):
        if response.status_code == 400 and not is_japanese(response.content.decode()):
            return "a refusal not in Japanese"
        if response.status_code not in (200, 400):
            return f"answered {response.status_code}"
        return None

    problems = _fuzz_view(_client(supervisor), reverse("letters:ledger"), strategies, check)
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_the_reference_lookup_survives_hostile_parameters(world, clerk):
    strategies = {"q": st.one_of(hostile_value(), st.sampled_from([world.letter.reference, "SU-2026-000001"]))}
    problems = _fuzz_view(
        _client(clerk),
        reverse("letters:lookup"),
        strategies,
        lambda r: None if r.status_code == 302 else f"answered {r.status_code}",
    )
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_the_audit_survives_hostile_parameters(world, supervisor, clerk):
    strategies = _form_parameters(
        AuditFilterForm,
        {
            "user": [clerk.pk],
            "office": [clerk.staff_profile.office.pk],
            "resident": [world.hanako.pk],
            "date_from": ["2026-11-01"],
            "date_to": ["2026-11-30"],
        },
    )
    strategies["p"] = st.one_of(hostile_value(), st.sampled_from(["1", "2", "400", "401"]))
    strategies["format"] = st.one_of(st.just("csv"), hostile_value())

    def check(response):
        if response.status_code != 200:
            return f"answered {response.status_code}"
        context = response.context or {}
        form = context.get("form")
        errors = [str(m) for e in (form.errors.values() if form is not None else []) for m in e]
        messages = [str(m) for m in context.get("messages", [])]
        if any(not is_japanese(m) for m in errors + messages):
            return f"not in Japanese: {errors + messages}"
        if errors and context.get("rows"):
            return "rows shown for a filter that was refused"
        return None

    problems = _fuzz_view(_client(supervisor), "/admin/jpki/recordview/audit/", strategies, check)
    assert not problems, "\n".join(sorted(set(problems))[:40])


# --- the other admin forms (not the resident workflows: test_hostile_requests posts to those) --------------------

FORM_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _page_form(response):
    context = response.context or {}
    if context.get("form") is not None:
        return context["form"]
    adminform = context.get("adminform")
    return adminform.form if adminform is not None else None


def other_form_pages(client, world):
    """(label, path, form) of every admin page outside the resident workflows that shows a form to post."""
    pages = {}
    for ep in urlwalk.endpoints():
        if not ep.in_admin or "slug" in ep.params or ep.model is None:
            continue
        if ep.model._meta.app_label not in ("jpki", "residents", "letters"):
            continue
        if ep.url_name.endswith(("_changelist", "_history", "_simple_history", "_delete", "_autocomplete", "_audit")):
            continue
        for path in urlwalk.concrete_paths(ep, world)[:1]:
            response = client.get(path)
            form = _page_form(response) if response.status_code == 200 else None
            if form is not None and form.fields:
                pages.setdefault(ep.label, (path, form))
    return pages


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_hostile_values_in_every_other_admin_form(role, world, request, counter_open):  # noqa: F811
    client = _client(request.getfixturevalue(role))
    pages = other_form_pages(client, world)
    assert pages, "no form found"
    problems: list[str] = []
    for label, (path, form) in sorted(pages.items()):
        problems += _post_hostile_values(client, label, path, form)
    assert not problems, "\n".join(sorted(set(problems))[:60])


def _post_hostile_values(client, label, path, form) -> list[str]:
    problems: list[str] = []
    baseline = {name: _plausible(name, field) for name, field in form.fields.items()}
    hostile = {name: _field_strategy(field) for name, field in form.fields.items()}

    @st.composite
    def payload(draw):
        data = dict(baseline)
        for name in draw(st.lists(st.sampled_from(sorted(hostile)), min_size=1, max_size=3, unique=True)):
            data[name] = draw(hostile[name])
        return data

    @FORM_SETTINGS
    @given(data=payload())
    def post_hostile(data):
        with transaction.atomic():
            before = row_counts()
            response = client.post(path, data)
            after = row_counts()
            transaction.set_rollback(True)
        where = f"{label} {sorted(data)}"
        if response.status_code >= 500:
            problems.append(f"{where}: " + _describe(path, response))
            return
        changed = {k for k in before if before[k] != after.get(k) and k not in ACCESS_LOGS}
        if changed and response.status_code == 200 and _page_form(response) is not None:
            problems.append(f"{where}: rows written though the form came back: {sorted(changed)}")
        if response.status_code == 200:
            form_back = _page_form(response)
            errors = [str(m) for e in (form_back.errors.values() if form_back is not None else []) for m in e]
            if any(not is_japanese(m) for m in errors):
                problems.append(f"{where}: message not in Japanese: {errors}")

    post_hostile()
    return problems


# --- CSV exports ---------------------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize(
    "value, expected",
    [
        *[(f, "'" + f) for f in FORMULAS],
        ("山田　花子", "山田　花子"),
        ("a=1", "a=1"),
        ("＝1+1", "＝1+1"),
        ("2026-11-25", "2026-11-25"),
        ("", ""),
        (None, ""),
        (-5, "-5"),
        (12, "12"),
        (1.5, "1.5"),
        (True, "True"),
        (" =1", " =1"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_row_escapes_every_cell():
    assert csv_row(["=1", "a", None, -1]) == ["'=1", "a", "", "-1"]


def _csv_cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]


def _unsafe(cells) -> list[str]:
    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_audit_csv_neutralises_formulas(world, clerk, supervisor):
    formula_clerk = UserFactory(
        username="formula-clerk", first_name="=1+1", last_name="@A1", office=clerk.staff_profile.office
    )
    resident = ResidentFactory(name='=HYPERLINK("http://x")', name_kana="ヤマダ　ハナコ")
    card = services.card_issue(
        resident=resident, actor=formula_clerk, reason="-1+1 カード交付", issued_on=dt.date(2024, 6, 10)
    )
    services.card_report_lost(
        card=card, actor=formula_clerk, reason="=1+1 紛失届", at=dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC)
    )
    response = _client(supervisor).get("/admin/jpki/recordview/audit/", {"format": "csv"})
    assert response.status_code == 200
    cells = _csv_cells(b"".join(response.streaming_content).decode("utf-8"))
    assert "'=1+1 紛失届" in cells and "'-1+1 カード交付" in cells
    assert not _unsafe(cells), _unsafe(cells)


def test_ledger_csv_neutralises_formulas(world, clerk, supervisor):
    formula_clerk = UserFactory(
        username="formula-clerk2", first_name="@A1", last_name="", office=clerk.staff_profile.office
    )
    resident = ResidentFactory(name="=1+1", name_kana="ヤマダ　ハナコ")
    services.card_issue(resident=resident, actor=formula_clerk, reason="カード交付", issued_on=dt.date(2024, 6, 10))
    services.certificates_issue(
        resident=resident,
        actor=formula_clerk,
        reason="窓口で新規発行",
        signing=True,
        user=True,
        at=dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC),
    )
    response = _client(supervisor).get(
        reverse("letters:ledger"), {"date": "2026-11-25", "format": "csv", "office": clerk.staff_profile.office.pk}
    )
    assert response.status_code == 200
    cells = _csv_cells(response.content.decode("utf-8"))
    assert "'=1+1" in cells
    assert not _unsafe(cells), _unsafe(cells)
