"""No write except through a service (issue 10, point 1).

The walk: every URL the project serves (``urlwalk.endpoints()``, filled in with a world of rows), as
every role (anonymous, counter staff, supervisor, superuser). Each page is fetched and every form it
renders with ``method="post"`` is posted back exactly as a browser would send it (inputs, checked
boxes, selected options, textareas and the first submit button). A form that answers with a next
step (a workflow's confirm page) is followed: review, then confirm. A form with an empty reason is
posted once more with a reason filled in, so that the services' own paths run too; a changelist's
admin actions are each posted with every row selected; every URL also gets a bare POST (POST-only
views), and every history version page gets the version's own data. Nothing here names a URL: an
admin page added later is walked the same way.

Afterwards, by a snapshot of every domain table taken before the walk:

- every history row written during the walk (every ``Historical*`` model) has an acting user and a
  non-empty reason;
- every domain row that was added or changed ends in a history row written during the walk, with a
  user and a reason, that holds exactly its current values (a write around a service, such as a
  raw form save or ``QuerySet.update()``, leaves no such row); a row of a table without history (the
  read logs) may be added, never changed or removed.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_model_for_model

from jpki import services
from jpki.admin.base import SafeHistoryIdsMixin
from jpki.models import Card, Office, StaffProfile
from tests.conftest import at

from . import urlwalk
from .support import DOMAIN_APPS

pytestmark = pytest.mark.django_db

WALK_NOW = at(2026, 11, 27, 10, 5)  # a Friday, counter open, two days after the world was built
WALK_REASON = "巡回テストによる記録"
MAX_STEPS = 3  # review → confirm (→ one more, should a flow grow a step)
WRITE_METHODS = ("post", "put", "patch", "delete")


@contextmanager
def frozen(moment):
    """Pin django.utils.timezone.now: the counter is open whatever the wall clock says."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# --- the forms of a page, as a browser would submit them ---------------------------------------------------


@dataclass
class Form:
    action: str  # the absolute path (with query) the form posts to
    fields: list[tuple[str, str]] = field(default_factory=list)  # successful controls, in order
    empty_text: list[str] = field(default_factory=list)  # names of empty text inputs / textareas
    checkboxes: dict[str, list[str]] = field(default_factory=dict)  # every checkbox value by name
    selects: dict[str, list[str]] = field(default_factory=dict)  # every option value by select name
    buttons: list[tuple[str, str]] = field(default_factory=list)  # submit buttons (name, value)

    def data(self, button=None, **replace) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        button = button if button is not None else (self.buttons[0] if self.buttons else None)
        if button and button[0]:
            out.setdefault(button[0], []).append(button[1])
        out.update({name: list(values) for name, values in replace.items()})
        return out

    @property
    def signature(self):
        return (urlsplit(self.action).path, tuple(sorted({n for n, _v in self.fields})), tuple(self.buttons))


class FormParser(HTMLParser):
    """The ``method="post"`` forms of a page (html.parser from the standard library)."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select = None  # [name, multiple, [(value, selected)], disabled]
        self._option = None  # [value or None, selected, text]
        self._textarea = None  # [name, text, disabled]

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = a.get("action", "")
                self._form = Form(action=urljoin(self.page_path, action) if action else self.page_path)
            else:
                self._form = None
            return
        form = self._form
        if form is None:
            return
        disabled = "disabled" in a
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name", "")
            if kind in ("submit", "image"):
                if not disabled:
                    form.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if name:
                    form.checkboxes.setdefault(name, []).append(a.get("value", "on"))
                if name and "checked" in a and not disabled:
                    form.fields.append((name, a.get("value", "on")))
            elif kind in ("file", "reset", "button") or not name or disabled:
                return
            else:  # text, hidden, date, number, password, ...: sent as they are
                form.fields.append((name, a.get("value", "")))
                if kind != "hidden" and not a.get("value"):
                    form.empty_text.append(name)
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit" and not disabled:
                form.buttons.append((a.get("name", ""), a.get("value", "")))
        elif tag == "select":
            self._select = [a.get("name", ""), "multiple" in a, [], disabled]
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea":
            self._textarea = [a.get("name", ""), "", disabled]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[2].append((value if value is not None else text.strip(), selected))
        self._option = None

    def handle_endtag(self, tag):
        form = self._form
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            name, multiple, options, disabled = self._select
            self._select = None
            if form is None or not name or disabled:
                return
            form.selects[name] = [v for v, _s in options]
            chosen = [v for v, s in options if s]
            if not chosen and options and not multiple:
                chosen = [options[0][0]]  # a browser submits the first option
            form.fields.extend((name, v) for v in (chosen if multiple else chosen[-1:]))
        elif tag == "textarea" and self._textarea is not None:
            name, text, disabled = self._textarea
            self._textarea = None
            if form is not None and name and not disabled:
                text = text[1:] if text.startswith("\n") else text
                form.fields.append((name, text))
                if not text.strip():
                    form.empty_text.append(name)
        elif tag == "form":
            if form is not None:
                self.forms.append(form)
            self._form = None


def post_forms(response, page_path: str) -> list[Form]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser(page_path)
    parser.feed(response.content.decode(response.charset or "utf-8", errors="replace"))
    parser.close()
    return parser.forms


# --- snapshots of the domain tables --------------------------------------------------------------------


def domain_models():
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            if not issubclass(model, HistoricalChanges):
                yield model


def history_models():
    return [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]


def history_of(model):
    try:
        return get_history_model_for_model(model)
    except NotHistoricalModelError:
        return None


def attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def snapshot() -> dict:
    rows = {}
    for model in domain_models():
        names = attnames(model)
        pk_index = names.index(model._meta.pk.attname)
        rows[model] = {row[pk_index]: row for row in model._base_manager.values_list(*names)}
    return rows


def records(rows: dict) -> dict:
    """The tables with history of a snapshot (the records, not the read logs)."""
    return {model: values for model, values in rows.items() if history_of(model) is not None}


def history_marks() -> dict:
    return {hm: hm._base_manager.aggregate(m=Max("history_id"))["m"] or 0 for hm in history_models()}


def new_history_rows(marks):
    for hm, mark in marks.items():
        yield from hm._base_manager.filter(history_id__gt=mark).order_by("history_id")


def write_problems(before: dict, marks: dict) -> list[str]:
    """What changed in the domain tables since ``before`` without a history row (user + reason)
    that records it, and every new history row without a user or a reason."""
    problems = []
    for row in new_history_rows(marks):
        if row.history_user_id is None or not (row.history_change_reason or "").strip():
            meta = row.instance_type._meta
            problems.append(
                f"history row without user/reason: {meta.label} #{getattr(row, meta.pk.attname)} "
                f"(history #{row.history_id} {row.history_type}, user={row.history_user_id}, "
                f"reason={row.history_change_reason!r})"
            )
    after = snapshot()
    for model, old_rows in before.items():
        new_rows = after[model]
        changed = [pk for pk in old_rows.keys() | new_rows.keys() if old_rows.get(pk) != new_rows.get(pk)]
        if not changed:
            continue
        hm = history_of(model)
        label = model._meta.label
        if hm is None:
            for pk in changed:
                if pk in old_rows:
                    problems.append(f"{label} #{pk} (a table without history) was changed or removed")
            continue
        pk_name = model._meta.pk.attname
        names = attnames(model)
        hnames = [n for n in names if n in {f.attname for f in hm._meta.concrete_fields}]
        latest = {}
        for record in hm._base_manager.filter(**{f"{pk_name}__in": changed}).order_by("history_id"):
            latest[getattr(record, pk_name)] = record
        for pk in changed:
            record = latest.get(pk)
            if record is None or record.history_id <= marks[hm]:
                problems.append(
                    f"{label} #{pk} changed without a history row: {old_rows.get(pk)} -> {new_rows.get(pk)}"
                )
                continue
            if record.history_user_id is None or not (record.history_change_reason or "").strip():
                continue  # reported above
            if pk not in new_rows:
                if record.history_type != "-":
                    problems.append(f"{label} #{pk} removed, but its last history row is {record.history_type}")
                continue
            recorded = hm._base_manager.filter(history_id=record.history_id).values_list(*hnames).get()
            current = tuple(new_rows[pk][names.index(n)] for n in hnames)
            if recorded != current:
                problems.append(f"{label} #{pk} differs from its last history row: {recorded} != {current}")
    return problems


# --- the walk -------------------------------------------------------------------------------------------------


@dataclass
class Walk:
    role: str
    user: object | None
    client: Client
    problems: list[str] = field(default_factory=list)
    posts: int = 0  # POSTs of forms that a page rendered (steps included)
    refused_history: set = field(default_factory=set)  # history version paths that answered 405
    seen: set = field(default_factory=set)  # signatures of the forms posted so far

    def login(self):
        if self.user is not None:
            self.client.force_login(self.user)

    def request(self, method: str, path: str, data=None):
        """One request in a savepoint of the test's transaction: a request that breaks its transaction
        (a database error that is not its own atomic block's, always a 500 here too) is rolled back
        and reported, and the walk goes on."""
        with transaction.atomic():
            response = getattr(self.client, method)(path, data)
            if transaction.get_rollback():
                self.problems.append(f"{self.role}: {method.upper()} {path} left a broken transaction")
        return response

    def post(self, path: str, data):
        response = self.request("post", path, data)
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.login()  # the logout form was posted: carry on as the same role
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            detail = f" ({exc[0].__name__}: {exc[1]})" if exc else ""
            self.problems.append(f"{self.role}: POST {path} -> {response.status_code}{detail}")
        return response

    def submit(self, form: Form, data, endpoint, steps: int = MAX_STEPS):
        """POST a form; when the answer is a next step of the same form (a confirm page), submit it too."""
        self.posts += 1
        response = self.post(form.action, data)
        if steps <= 1 or response.status_code != 200:
            return
        for follow in post_forms(response, form.action):
            if urlsplit(follow.action).path == urlsplit(form.action).path and follow.buttons != form.buttons:
                self.submit(follow, follow.data(), endpoint, steps - 1)

    def page(self, endpoint, path: str):
        response = self.request("get", path)
        if response.status_code >= 500:
            self.problems.append(f"{self.role}: GET {path} -> {response.status_code}")
        forms = post_forms(response, path)
        for form in forms:
            # The same form once per role: the layout's (logout, language switch) on every page, a
            # workflow that ignores the query string it was given.
            if form.signature in self.seen:
                continue
            self.seen.add(form.signature)
            self.submit(form, form.data(), endpoint)
            if form.empty_text and any("reason" in name for name in form.empty_text):
                filled = {n: [WALK_REASON] for n in form.empty_text if "reason" in n}
                self.submit(form, form.data(**filled), endpoint)
            if "action" in form.selects:  # a changelist: each admin action with every row selected
                rows = form.checkboxes.get("_selected_action", [])
                for action in (a for a in form.selects["action"] if a):
                    replace = {"action": [action], "_selected_action": rows}
                    self.submit(form, form.data(**replace), endpoint)
        if not any(urlsplit(f.action).path == urlsplit(path).path for f in forms):
            self.post(path, {})  # a view that only takes POST, or one that renders no form
        if endpoint.url_name.endswith("_simple_history"):
            self.post_version_data(path)

    def post_version_data(self, path: str):
        """A history version page, POSTed the version's own data: the revert the issue reproduced."""
        data = version_data(path)
        if data is None:
            return
        response = self.post(path, data)
        if self.user is None:
            if response.status_code == 200:
                self.problems.append(f"{self.role}: POST {path} -> 200")
        elif response.status_code != 405:
            self.problems.append(f"{self.role}: POST {path} (a history version) -> {response.status_code}, not 405")
        else:
            self.refused_history.add(path)

    def run(self, world):
        self.login()
        for endpoint in urlwalk.endpoints():
            for path in urlwalk.concrete_paths(endpoint, world):
                self.page(endpoint, path)


def registered_admins():
    """(model, ModelAdmin) of every model registered with the admin site (its public API)."""
    for model in apps.get_models():
        if admin.site.is_registered(model):
            yield model, admin.site.get_model_admin(model)


def version_data(path: str) -> dict | None:
    """The form data of the version a history version path names (fields of the record as it was)."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    model_admin = next(
        (
            ma
            for model, ma in registered_admins()
            if match.url_name == f"{model._meta.app_label}_{model._meta.model_name}_simple_history"
        ),
        None,
    )
    if model_admin is None or len(match.args) < 2:
        return None
    hm = history_of(model_admin.model)
    record = hm._base_manager.filter(history_id=match.args[1]).first() if str(match.args[1]).isdigit() else None
    if record is None:
        return None
    data = {}
    for f in model_admin.model._meta.concrete_fields:
        if not f.editable or f.primary_key:
            continue
        value = getattr(record, f.attname, None)
        if isinstance(value, bool):
            if value:
                data[f.name] = "on"
        elif value is not None:
            data[f.name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    data.update({"change_reason": "版の復元", "_save": "保存"})
    return data


@pytest.fixture
def roles(world, clerk, supervisor, superuser):
    return {"anonymous": None, "clerk": clerk, "supervisor": supervisor, "superuser": superuser}


def test_every_post_as_every_role_writes_only_through_services(world, roles):
    version_paths = {path for _endpoint, path in _history_version_paths(world)}
    assert version_paths
    before, marks = snapshot(), history_marks()
    walks = []
    with frozen(WALK_NOW):
        for role, user in roles.items():
            walk = Walk(role, user, Client(raise_request_exception=False))
            walk.run(world)
            walks.append(walk)
    problems = [p for walk in walks for p in walk.problems]
    problems += write_problems(before, marks)
    assert not problems, "\n".join(problems)

    # The walk did walk: every role posted forms, the services wrote (with reasons), and every
    # history version page refused the version's data to every role that is logged in.
    by_role = {walk.role: walk for walk in walks}
    for role in ("clerk", "supervisor", "superuser"):
        assert by_role[role].posts > 0, role
    assert sum(1 for _row in new_history_rows(marks)) > 0
    for role in ("clerk", "supervisor", "superuser"):
        assert by_role[role].refused_history >= version_paths, role


# --- history version pages: read-only, for every model and role ---------------------------------------------


def _history_version_paths(world):
    for endpoint in urlwalk.endpoints():
        if endpoint.url_name.endswith("_simple_history"):
            for path in urlwalk.concrete_paths(endpoint, world):
                if version_data(path) is not None:
                    yield endpoint, path


def test_every_history_admin_has_the_read_only_version_page():
    admins = list(registered_admins())
    assert admins
    for model, model_admin in admins:
        if isinstance(model_admin, SimpleHistoryAdmin):
            assert isinstance(model_admin, SafeHistoryIdsMixin), model._meta.label


def test_history_version_pages_show_the_version_and_refuse_every_write(world, roles):
    paths = list(_history_version_paths(world))
    assert {ep.model for ep, _p in paths} >= {Card, Office, StaffProfile}
    before, marks = snapshot(), history_marks()
    shown = 0
    for role, user in roles.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for _endpoint, path in paths:
            response = client.get(path)
            assert response.status_code in (200, 302, 403), (role, path, response.status_code)
            if response.status_code == 200:
                shown += 1
                html = response.content.decode()
                assert 'name="_save"' not in html and 'name="_change_history"' not in html, (role, path)
            for method in WRITE_METHODS:
                response = getattr(client, method)(path, version_data(path))
                expected = (302,) if user is None else (405,)
                assert response.status_code in expected, (role, method, path, response.status_code)
                if user is not None:
                    assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}
    assert shown > 0
    assert records(snapshot()) == records(before)  # (GETs may add rows to the read logs)
    assert not list(new_history_rows(marks))


def test_the_reported_revert_of_a_card_expiry_is_refused(world, clerk):
    """The finding as reported: a clerk posts a card's history version with expiry 2099-12-31."""
    card = world.card
    version = Card.history.filter(id=card.pk).order_by("history_id").first()
    path = reverse("admin:jpki_card_simple_history", args=[card.pk, version.history_id])
    client = Client()
    client.force_login(clerk)
    data = version_data(path)
    data["expires_on"] = "2099-12-31"
    response = client.post(path, data)
    assert response.status_code == 405
    card.refresh_from_db()
    assert card.expires_on != dt.date(2099, 12, 31)


# --- offices and staff assignments in the admin: through the services, with a reason -----------------------


def _office_form(office, **changes):
    data = {
        "code": office.code,
        "name": office.name,
        "kind": office.kind,
        "postal_code": office.postal_code,
        "address": office.address,
        "phone": office.phone,
        "change_reason": "",
    }
    if office.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_office_change_in_the_admin_needs_a_reason_that_goes_into_history(world, superuser):
    office = world.instance_for(Office)
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:jpki_office_change", args=[office.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "変更理由" in response.content.decode()

    count = Office.history.count()
    response = client.post(url, _office_form(office, is_active=None, change_reason=""))
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    office.refresh_from_db()
    assert office.is_active is True
    assert Office.history.count() == count

    response = client.post(url, _office_form(office, is_active=None, change_reason="出張所の閉鎖（3月末）"))
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.is_active is False
    row = Office.history.filter(id=office.pk).order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (superuser, "出張所の閉鎖（3月末）")
    assert Office.history.count() == count + 1


def test_office_added_in_the_admin_through_the_service(db, superuser):
    client = Client()
    client.force_login(superuser)
    data = {
        "code": "yamada",
        "name": "山田出張所",
        "kind": "branch",
        "postal_code": "",
        "address": "",
        "phone": "",
        "is_active": "on",
        "change_reason": "出張所の開設",
    }
    response = client.post(reverse("admin:jpki_office_add"), {**data, "code": ""})
    assert response.status_code == 200 and not Office.objects.filter(name="山田出張所").exists()
    response = client.post(reverse("admin:jpki_office_add"), data)
    assert response.status_code == 302
    office = Office.objects.get(code="yamada")
    row = Office.history.get(id=office.pk)
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", superuser, "出張所の開設")


def test_staff_profile_in_the_admin_through_the_service(world, supervisor, clerk, branch):
    client = Client()
    client.force_login(supervisor)
    profile = clerk.staff_profile
    url = reverse("admin:jpki_staffprofile_change", args=[profile.pk])
    response = client.post(url, {"office": branch.pk, "change_reason": ""})
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    response = client.post(url, {"office": branch.pk, "change_reason": "4月1日付け異動"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.office == branch
    row = StaffProfile.history.filter(id=profile.pk).order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (supervisor, "4月1日付け異動")

    # A new assignment to an office that is not in use: the service's message, at the field.
    newcomer = get_user_model().objects.create_user("newcomer", password=None, is_staff=True)
    services.office_save(
        actor=supervisor,
        reason="閉鎖",
        instance=branch,
        code=branch.code,
        name=branch.name,
        kind=branch.kind,
        is_active=False,
    )
    count = StaffProfile.history.count()
    response = client.post(
        reverse("admin:jpki_staffprofile_add"), {"user": newcomer.pk, "office": branch.pk, "change_reason": "配属"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["office"] == ["使用中でない窓口には所属させられません。"]
    assert not StaffProfile.objects.filter(user=newcomer).exists()
    assert StaffProfile.history.count() == count


def test_counter_staff_cannot_change_offices_or_assignments(world, clerk):
    client = Client()
    client.force_login(clerk)
    office = world.instance_for(Office)
    before = snapshot()
    response = client.post(
        reverse("admin:jpki_office_change", args=[office.pk]),
        _office_form(office, is_active=None, change_reason="閉鎖"),
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:jpki_staffprofile_change", args=[clerk.staff_profile.pk]),
        {"office": office.pk, "change_reason": "異動"},
    )
    assert response.status_code == 403
    assert records(snapshot()) == records(before)


def test_a_history_version_is_shown_as_text_not_as_inputs(db, supervisor):
    from django.test import Client

    from jpki.models import Office

    office = Office.objects.first()
    version = office.history.first()
    client = Client()
    client.force_login(supervisor)
    response = client.get(f"/admin/jpki/office/{office.pk}/history/{version.history_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert office.name in body
    assert 'name="name"' not in body and 'name="code"' not in body
