"""Every read of personal data is logged (issue 10, point 4): who, when, from where, through which screen,
which residents (``jpki.models.ReadLog``).

The walk is generic (``tests/hardening/urlwalk.py``): every URL the project serves, with real ids, as
a supervisor and as a clerk. A page that shows a resident (their name or its kana in the HTML, the
PDF's text or the CSV) must have written a read-log row naming that resident during that request.
A URL added later is walked without touching this file.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from jpki.models import ReadLog, ReadLogResident
from residents.models import Resident
from tests.factories import CardFactory, ResidentFactory
from tests.letters.pdfcheck import text_of

from . import urlwalk

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 25)  # the world's counter day (tests/hardening/conftest.py NOW)
# Query strings tried on top of the bare URLs, so that the pages that need one show their data:
# a search on every list; the ledger of the world's day, as PDF and CSV; the audit's CSV.
LIST_QUERY = "?q=やまだ"
EXTRA_QUERIES = {
    "letters:ledger": [f"?date={DAY:%Y-%m-%d}", f"?date={DAY:%Y-%m-%d}&format=csv", f"?month={DAY:%Y-%m}&format=csv"],
    "admin:jpki_audit": ["?format=csv"],
}
# Pages the walk must find showing a resident (so that it cannot pass by showing nothing).
MUST_SHOW_SUPERVISOR = {
    "admin:index",
    "admin:residents_resident_changelist",
    "admin:residents_resident_change",
    "admin:residents_resident_history",
    "admin:residents_resident_simple_history",
    "admin:jpki_application_change",
    "admin:jpki_application_changelist",
    "admin:jpki_card_changelist",
    "admin:jpki_certificate_change",
    "admin:letters_letter_changelist",
    "admin:letters_letter_change",
    "letters:preview",
    "letters:download",
    "letters:batch_download",
    "letters:ledger",
    "admin:jpki_audit",
    "admin:jpki_recordview_changelist",
    "admin:jpki_readlog_change",
}
MUST_SHOW_CLERK = {
    "admin:index",
    "admin:residents_resident_changelist",
    "admin:residents_resident_change",
    "admin:residents_resident_workflow",
    "admin:jpki_application_change",
    "admin:letters_letter_change",
    "admin:letters_letter_mailing",
    "letters:preview",
    "letters:download",
}


@pytest.fixture
def read_world(world, clerk, settings, tmp_path):
    """The hardening world, with its inquiry letter printed in a mailing batch (a batch PDF to read)."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    from letters import services as letter_services

    result = letter_services.print_day(
        actor=clerk, reason="照会書の一括印刷", office=clerk.staff_profile.office, on=DAY, letters=[world.letter]
    )
    world.batch = world.add(result.batch)
    return world


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


PLACEHOLDER = re.compile(r'placeholder="[^"]*"')


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _shown_text(response) -> str:
    """What the user got: the HTML or CSV as text, a PDF's text; without whitespace (PDF text comes
    out with spaces between characters, names have a full-width space)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return _compact("".join(text_of(body)))
    text = body.decode("utf-8", "replace")
    return _compact(PLACEHOLDER.sub("", text))  # the search box's example (山田花子) names nobody


def _resident_keys():
    return {r.pk: (_compact(r.name), _compact(r.name_kana)) for r in Resident.objects.all()}


def _paths(endpoint, world):
    paths = urlwalk.concrete_paths(endpoint, world)
    extra = []
    if endpoint.url_name.endswith("_changelist"):
        extra += [p + LIST_QUERY for p in paths if "?" not in p]
    for query in EXTRA_QUERIES.get(endpoint.name, []):
        extra += [p + query for p in paths if "?" not in p]
    return paths + extra


def _last_log_id() -> int:
    return ReadLog.objects.aggregate(m=Max("id"))["m"] or 0


def _walk(user, world):
    """GET every URL as ``user``; the pages that showed a resident without logging them, and the
    endpoints whose pages showed one (and logged it)."""
    client = _client(user)
    problems, showing = [], set()
    for endpoint in urlwalk.endpoints():
        for path in _paths(endpoint, world):
            before = _last_log_id()
            response = client.get(path)
            if response.status_code >= 500:
                problems.append(f"{path} -> {response.status_code}")
                continue
            if response.status_code != 200:
                continue
            text = _shown_text(response)
            keys = _resident_keys()
            shown = {pk for pk, (name, kana) in keys.items() if name in text or kana in text}
            if not shown:
                continue
            logs = ReadLog.objects.filter(pk__gt=before, user=user)
            logged = set(ReadLogResident.objects.filter(log__in=logs).values_list("resident_id", flat=True))
            missing = shown - logged
            if missing:
                names = ", ".join(keys[pk][0] for pk in sorted(missing))
                problems.append(
                    f"{endpoint.label} {path}: shows {names}, no read-log row names them"
                    f" (rows written: {list(logs.values_list('screen', flat=True))})"
                )
            else:
                showing.add(endpoint.name)
    return problems, showing


def test_every_page_that_shows_a_resident_logs_the_read_as_a_supervisor(read_world, supervisor):
    problems, showing = _walk(supervisor, read_world)
    assert not problems, "\n".join(problems)
    assert MUST_SHOW_SUPERVISOR <= showing, sorted(MUST_SHOW_SUPERVISOR - showing)


def test_every_page_that_shows_a_resident_logs_the_read_as_a_clerk(read_world, clerk):
    problems, showing = _walk(clerk, read_world)
    assert not problems, "\n".join(problems)
    assert MUST_SHOW_CLERK <= showing, sorted(MUST_SHOW_CLERK - showing)


# --- the search result page: one row, exactly the residents shown ------------------------------------------


def test_a_search_result_page_writes_one_row_listing_exactly_the_residents_shown(clerk, monkeypatch):
    yamadas = [ResidentFactory(name=f"山田　花子{i}", name_kana=f"ヤマダ　ハナコ{i}") for i in range(3)]
    for resident in yamadas:
        CardFactory(resident=resident)
    ResidentFactory(name="鈴木　一郎", name_kana="スズキ　イチロウ")  # not found by the search
    monkeypatch.setattr(admin.site.get_model_admin(Resident), "list_per_page", 2)
    client = _client(clerk)
    url = reverse("admin:residents_resident_changelist")

    pages = []
    for page in (1, 2):
        before = _last_log_id()
        response = client.get(url, {"q": "やまだ", "p": page}, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 200
        shown = [obj.pk for obj in response.context["cl"].result_list]
        logs = list(ReadLog.objects.filter(pk__gt=before))
        assert len(logs) == 1, [log.screen for log in logs]  # one row per page, not one per resident
        log = logs[0]
        logged = list(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True))
        assert sorted(logged) == sorted(shown) and log.resident_count == len(shown)
        assert (log.user, log.office, log.ip_address) == (clerk, clerk.staff_profile.office, "192.0.2.10")
        assert log.screen == "resident_search" and log.query == "q=やまだ"
        pages.append(shown)
    assert len(pages[0]) == 2 and len(pages[1]) == 1
    assert sorted(pages[0] + pages[1]) == sorted(r.pk for r in yamadas)


def test_a_search_that_finds_nobody_is_logged_with_its_query(clerk):
    before = _last_log_id()
    response = _client(clerk).get(reverse("admin:residents_resident_changelist"), {"q": "該当者なし"})
    assert response.status_code == 200
    log = ReadLog.objects.get(pk__gt=before)
    assert log.resident_count == 0 and log.query == "q=該当者なし"


def test_an_individual_number_typed_into_the_search_is_not_kept(clerk):
    from residents.safety import individual_number_check_digit

    number = "12345678901" + str(individual_number_check_digit("12345678901"))
    before = _last_log_id()
    _client(clerk).get(
        reverse("admin:residents_resident_changelist"), {"q": f"{number[:4]} {number[4:8]} {number[8:]}"}
    )
    log = ReadLog.objects.get(pk__gt=before)
    assert "[個人番号]" in log.query and number[8:] not in log.query and number[8:] not in log.path


def test_each_step_of_a_procedure_is_logged(clerk):
    from tests.admin.conftest import OPEN_NOW, frozen

    resident = ResidentFactory()
    CardFactory(resident=resident)
    client = _client(clerk)
    url = reverse("admin:residents_resident_workflow", args=[resident.pk, "issue"])
    data = {
        "signing": "on",
        "user": "on",
        "applicant_type": "self",
        "document_kind": "mynumber_card",
        "reason": "窓口申請による発行",
    }
    start = _last_log_id()
    with frozen(OPEN_NOW):
        assert client.get(url).status_code == 200
        review = client.post(url, {**data, "_step": "review"})
        assert review.context["step"] == "confirm"
        token = review.context["submission_token"]
        done = client.post(url, {**data, "_step": "confirm", "_submission": token}, follow=True)
        assert done.status_code == 200 and resident.name in done.content.decode()
    logs = ReadLog.objects.filter(pk__gt=start, screen__startswith="workflow_").order_by("id")
    assert [log.screen for log in logs] == ["workflow_form", "workflow_confirm", "workflow_done"]
    for log in logs:
        assert log.query == "issue" and log.user == clerk
        assert list(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True)) == [resident.pk]


def test_what_cannot_be_stored_is_not_a_failed_read(clerk, rf):
    """A NUL in a query (PostgreSQL refuses it in text) and an address that is not one are stored as a
    space and as unknown: the read is logged, never a 500."""
    from jpki.readlog import record_read, request_query

    request = rf.get("/admin/residents/resident/", {"q": "やま\x00だ"}, REMOTE_ADDR="unix:/run/gunicorn.sock")
    request.user = clerk
    log = ReadLog.objects.get(pk=record_read(request, screen="resident_search", query=request_query(request)))
    assert log.query == "q=やま だ" and log.path == "/admin/residents/resident/?q=やま だ" and log.ip_address is None
    assert log.office == clerk.staff_profile.office and log.resident_count == 0


# --- field-level history and the audit are the supervisor's ------------------------------------------------


def _history_and_audit_paths(world):
    paths = []
    for endpoint in urlwalk.endpoints():
        if endpoint.url_name.endswith(("_history", "_simple_history")) or endpoint.name == "admin:jpki_audit":
            exists = "object_id" not in endpoint.params or world.instance_for(endpoint.model) is not None
            if exists:
                paths += [(endpoint, p) for p in urlwalk.concrete_paths(endpoint, world)]
    paths.append((None, reverse("admin:jpki_audit") + "?format=csv"))
    return paths


def test_a_clerk_gets_403_on_every_history_page_and_the_audit(world, clerk, supervisor):
    # Read something first, so that the read log has a row (its history URL then names a real row).
    _client(supervisor).get(reverse("admin:residents_resident_change", args=[world.hanako.pk]))
    paths = _history_and_audit_paths(world)
    assert any("/history/" in p for _e, p in paths) and any("/audit/" in p for _e, p in paths)
    clerk_client, supervisor_client = _client(clerk), _client(supervisor)
    problems = []
    for endpoint, path in paths:
        status = clerk_client.get(path).status_code
        if status != 403:
            problems.append(f"clerk: {path} -> {status}")
        is_domain = (
            endpoint is None
            or endpoint.model is None
            or endpoint.model._meta.app_label in ("residents", "jpki", "letters")
        )
        if is_domain and (status := supervisor_client.get(path).status_code) != 200:
            problems.append(f"supervisor: {path} -> {status}")
    assert not problems, "\n".join(problems)


def test_the_audit_lists_reads_and_filters_them_by_resident(world, clerk, supervisor):
    clerk_client = _client(clerk)
    clerk_client.get(reverse("admin:jpki_application_change", args=[world.proxy_application.pk]))
    clerk_client.get(reverse("admin:residents_resident_changelist"), {"q": "やまだ"})
    clerk_client.get(reverse("admin:residents_resident_change", args=[world.kiyo.pk]))
    page = _client(supervisor).get(reverse("admin:jpki_audit"), {"resident": world.kiyo.pk})
    rows = [r for r in page.context["rows"] if r["kind"] == "readlog"]
    assert rows and {r["resident_id"] for r in rows} == {world.kiyo.pk}
    assert [r["reason"] for r in rows if r["user_id"] == clerk.pk] == ["application_page（1名）"]
    # The resident page is its 閲覧記録 row (RecordView), not a second row from the read log.
    views = [r for r in page.context["rows"] if r["kind"] == "view" and r["user_id"] == clerk.pk]
    assert len(views) == 1 and views[0]["resident_id"] == world.kiyo.pk
    log = ReadLog.objects.get(user=clerk, screen="application_page")
    assert reverse("admin:jpki_readlog_change", args=[log.pk]) in page.content.decode()


def test_the_read_log_admin_is_read_only_and_for_supervisors(world, clerk, supervisor):
    _client(clerk).get(reverse("admin:residents_resident_change", args=[world.hanako.pk]))
    log = ReadLog.objects.filter(user=clerk).latest("id")
    assert _client(clerk).get(reverse("admin:jpki_readlog_changelist")).status_code == 403
    client = _client(supervisor)
    listing = client.get(
        reverse("admin:jpki_readlog_changelist"), {"user__id__exact": clerk.pk, "screen": "resident_page"}
    )
    assert listing.status_code == 200 and log in listing.context["cl"].result_list
    page = client.get(reverse("admin:jpki_readlog_change", args=[log.pk]))
    assert page.status_code == 200 and world.hanako.name in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    by_resident = client.get(reverse("admin:jpki_readlog_changelist"), {"q": world.hanako.pk})
    assert by_resident.status_code == 200 and log in by_resident.context["cl"].result_list
    assert client.get(reverse("admin:jpki_readlog_changelist"), {"q": "abc"}).status_code == 200
    assert client.get(reverse("admin:jpki_readlog_add")).status_code == 403
    assert client.get(reverse("admin:jpki_readlog_delete", args=[log.pk])).status_code == 403
    assert client.post(reverse("admin:jpki_readlog_change", args=[log.pk]), {"screen": "x"}).status_code == 403
    assert ReadLog.objects.get(pk=log.pk).screen == "resident_page"
