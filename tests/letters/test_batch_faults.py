"""Batches survive faults (issue 10, point 5): a mailing batch's PDF is rendered by a worker outside
the web request; a batch whose worker died is shown as interrupted and renders again, with nothing lost.

- The fault test: a real ``manage.py db_worker`` subprocess is killed with SIGKILL in the middle of a
  batch of 120 letters; the batch shows as interrupted with every letter still in it; 「再度印刷する」
  and a new worker give one complete PDF with every letter's pages, each letter printed exactly once.
  The worker needs the database the test writes, committed: on PostgreSQL the test runs in-process
  (``transactional_db``), on SQLite in a subprocess against a migrated file database (the in-memory
  test database cannot be shared with another process).
- The states: queued → rendering → done / failed; interrupted by the deadline or by the task's end;
  rendering again is refused while queued or rendering and once done; a superseded task does nothing.
  These use the immediate backend (the tests' default, tests/conftest.py) or the database backend with
  the worker run in-process (``db_worker --batch``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from letters import batches, services
from letters.models import Letter, LetterAccess, MailingBatch
from letters.tasks import render_mailing_batch
from residents.safety import individual_number_check_digit
from tests.conftest import at

ROOT = Path(__file__).resolve().parents[2]
VISIT1 = at(2026, 11, 24, 10, 5)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
NO_DEADLINE = {"LETTER_BATCH_TIMEOUT_SECONDS": 0, "LETTER_BATCH_TIMEOUT_PER_LETTER_SECONDS": 0}


def make_proxy_applications(n: int, *, clerk, office) -> list:
    """``n`` proxy applications at visit 1, each awaiting its inquiry letter (through the services)."""
    from jpki import services as jpki_services
    from tests.factories import CardFactory, ResidentFactory

    apps = []
    for i in range(n):
        resident = ResidentFactory(birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=37 * i))
        CardFactory(resident=resident, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 5, 17))
        apps.append(
            jpki_services.proxy_visit1(
                resident=resident,
                actor=clerk,
                reason="代理人による申請（1回目）",
                kind="new",
                signing=True,
                user=True,
                proxy_name="山田　太郎",
                proxy_kana="ヤマダ　タロウ",
                proxy_address="大阪府吹田市千里山西1丁目1番1号",
                proxy_birth_date=dt.date(1985, 4, 1),
                relation="子",
                proxy_postal_code="565-0851",
                office=office,
                at=VISIT1,
            )
        )
    return apps


# The worker closes a connection it finds inside a transaction (``close_old_connections``): on PostgreSQL
# that would end the test's transaction, so the tests that run it in-process commit for real.
WORKER_IN_PROCESS = pytest.mark.django_db(transaction=True)


def run_worker_in_process() -> None:
    """The database backend's worker, here: every task waiting, then back (``--batch``)."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)


def print_day_url() -> str:
    return reverse("admin:letters_letter_print_day")


def status_url(batch) -> str:
    return reverse("admin:letters_mailingbatch_status", args=[batch.pk])


def post_print_day(client, office) -> MailingBatch:
    response = client.post(
        print_day_url(), {"office": office.pk, "date": "2026-11-25", "reason": "本日分の照会書を印刷"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = MailingBatch.objects.order_by("-pk").first()
    assert response["Location"] == status_url(batch)
    return batch


def pages_text(path: str) -> list[str]:
    """The text of every page (poppler's pdftotext: seconds for a batch where pdfplumber takes minutes)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, check=True).stdout
    return out.decode().split("\f")[:-1]  # a form feed ends each page


def assert_complete(batch: MailingBatch, letters: list[Letter]) -> bytes:
    """Done, one PDF holding every letter's pages (its reference on its first page) and the mailing list,
    each letter printed once, in this batch and no other."""
    batch.refresh_from_db()
    assert batch.render_state == MailingBatch.RenderState.DONE, (batch.render_state, batch.render_error)
    with batch.pdf.open("rb") as fh:
        pdf = fh.read()
    assert hashlib.sha256(pdf).hexdigest() == batch.sha256
    pages = pages_text(batch.pdf.path)
    assert len(pages) == batch.page_count
    attached = list(batch.letters.order_by("reference_root"))
    assert {lt.pk for lt in attached} == {lt.pk for lt in letters}
    assert MailingBatch.objects.count() == 1 and not Letter.objects.filter(batch__isnull=True, kind="inquiry").exists()
    for letter in attached:
        assert letter.batch_first_page and letter.page_count == 2, letter.reference
        assert letter.reference in pages[letter.batch_first_page - 1], letter.reference
    assert sum(lt.page_count for lt in attached) < batch.page_count  # the mailing list (差出票) follows
    assert "差出票" in pages[-1]
    printed = LetterAccess.objects.filter(batch=batch, action=LetterAccess.Action.PRINT)
    assert sorted(printed.values_list("letter_id", flat=True)) == sorted(lt.pk for lt in attached)
    return pdf


def assert_history_complete(batch: MailingBatch) -> None:
    for record in batch.history.all():
        assert record.history_user_id is not None and record.history_change_reason, record


# --- the fault test: SIGKILL of a real worker in the middle of a batch -------------------------------------

LETTERS = 120  # 240 pages: a few seconds of WeasyPrint, long enough to be killed in the middle


def worker_command() -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "db_worker",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0.2",
        "-v",
        "0",
    ]


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def state_of(batch) -> str:
    return MailingBatch.objects.values_list("render_state", flat=True).get(pk=batch.pk)


def kill_and_render_again(*, worker_env: dict, n_letters: int = LETTERS) -> dict:
    """The whole fault scenario, against a database a worker subprocess shares (committed writes).

    Runs in-process on PostgreSQL and in a subprocess on SQLite; returns what it saw for the report.
    """
    from jpki.roles import sync_roles
    from tests.factories import OfficeFactory, UserFactory

    sync_roles()
    office = OfficeFactory()
    clerk = UserFactory(username="batch-clerk", office=office)
    make_proxy_applications(n_letters, clerk=clerk, office=office)
    client = Client()
    client.force_login(clerk)

    batch = post_print_day(client, office)  # the request only enqueues: nothing is rendered in it
    letters = list(batch.letters.all())
    assert len(letters) == n_letters and state_of(batch) == MailingBatch.RenderState.QUEUED

    worker = subprocess.Popen(
        worker_command(), cwd=ROOT, env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for(
            lambda: state_of(batch) == MailingBatch.RenderState.RENDERING,
            timeout=120,
            what="the worker to start rendering",
        )
        time.sleep(0.5)  # in the middle of WeasyPrint's work
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL

    batch.refresh_from_db()
    assert batch.render_state == MailingBatch.RenderState.RENDERING, (
        f"the batch was {batch.render_state} when the worker was killed: render more letters"
    )
    assert not batch.pdf and batch.render_attempts == 1
    assert sorted(batch.letters.values_list("pk", flat=True)) == sorted(lt.pk for lt in letters)
    assert not batch.letters.filter(batch_first_page__isnull=False).exists()
    assert not LetterAccess.objects.filter(batch=batch, action=LetterAccess.Action.PRINT).exists()
    # Its task stays RUNNING for ever (nothing tells the database the worker died) ...
    assert render_mailing_batch.get_result(str(batch.render_task_id)).status == "RUNNING"
    # ... so the batch counts as rendering until its deadline, then as interrupted.
    assert batches.batch_status(batch).state == MailingBatch.RenderState.RENDERING
    later = timezone.now() + dt.timedelta(seconds=batches._render_deadline_seconds(n_letters) + 1)
    assert batches.batch_status(batch, now=later).state == "interrupted"

    with override_settings(**NO_DEADLINE):  # the deadline has passed
        page = client.get(status_url(batch))
        html = page.content.decode()
        assert page.status_code == 200 and 'data-state="interrupted"' in html and "中断" in html
        assert "再度印刷する" in html and 'http-equiv="refresh"' not in html
        assert f"{n_letters}通の照会書はすべてこの差出に残っています" in html
        retried = client.post(status_url(batch), {"reason": "中断した一括印刷の再実行"})
        assert retried.status_code == 302
        again = client.post(status_url(batch), {"reason": "二度押し"})  # a second click: nothing more
        assert again.status_code == 302
    batch.refresh_from_db()
    assert batch.render_state == MailingBatch.RenderState.QUEUED and batch.render_attempts == 1
    assert 'http-equiv="refresh"' in client.get(status_url(batch)).content.decode()

    worker = subprocess.Popen(
        worker_command(), cwd=ROOT, env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for(
            lambda: state_of(batch) in (MailingBatch.RenderState.DONE, MailingBatch.RenderState.FAILED),
            timeout=300,
            what="the new worker to render the batch",
        )
    finally:
        worker.send_signal(signal.SIGTERM)  # graceful: it is idle now
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    pdf = assert_complete(batch, letters)
    batch.refresh_from_db()
    assert batch.render_attempts == 2 and batch.render_error == ""
    assert_history_complete(batch)
    page = client.get(status_url(batch)).content.decode()
    assert 'data-state="done"' in page and reverse("letters:batch_download", args=[batch.pk]) in page
    download = client.get(reverse("letters:batch_download", args=[batch.pk]))
    assert download.status_code == 200 and download.content == pdf
    return {"letters": n_letters, "pages": batch.page_count, "attempts": batch.render_attempts}


def _subprocess_env(database_url: str, storage: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="jpki.settings",
        PYTHONPATH=str(ROOT),
        PRODUCTION="false",
        DEBUG="false",
        AXES_ENABLED="false",
        LOG_LEVEL="ERROR",
        PRIVATE_STORAGE_ROOT=str(storage),
    )
    return env


@pytest.mark.postgres
def test_killed_worker_batch_renders_again_on_postgresql(transactional_db, settings, private_storage):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...); SQLite runs the subprocess variant")
    settings.TASKS = DATABASE_TASKS
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    kill_and_render_again(worker_env=_subprocess_env(url, private_storage))


DRIVER = """
import json, os, sys
import django
django.setup()
from tests.letters.test_batch_faults import kill_and_render_again, _subprocess_env
seen = kill_and_render_again(worker_env=_subprocess_env(os.environ["DATABASE_URL"], os.environ["PRIVATE_STORAGE_ROOT"]))
print("FAULT-RESULT " + json.dumps(seen))
"""


def test_killed_worker_batch_renders_again_on_sqlite(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant (PostgreSQL runs it in-process)")
    env = _subprocess_env(f"sqlite:///{tmp_path / 'batch.sqlite3'}", tmp_path / "private")
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrated.returncode == 0, migrated.stderr[-4000:]
    done = subprocess.run(
        [sys.executable, "-c", DRIVER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-6000:])
    assert f'"letters": {LETTERS}' in done.stdout and '"attempts": 2' in done.stdout


# --- the states -------------------------------------------------------------------------------------------


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def database_tasks(settings):
    """Tasks stored in the database, run by ``db_worker`` (in-process here)."""
    settings.TASKS = DATABASE_TASKS


@WORKER_IN_PROCESS
def test_the_request_only_enqueues_and_the_page_shows_progress_then_the_pdf(
    database_tasks,
    clerk_client,
    clerk,
    office,
    django_assert_max_num_queries,
):
    make_proxy_applications(2, clerk=clerk, office=office)
    batch = post_print_day(clerk_client, office)
    letters = list(batch.letters.all())
    assert batch.render_state == "queued" and not batch.pdf and len(letters) == 2
    assert render_mailing_batch.get_result(str(batch.render_task_id)).status == "READY"  # stored with the batch
    with django_assert_max_num_queries(20):
        page = clerk_client.get(status_url(batch))
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html and 'data-state="queued"' in html
    assert "印刷待ち" in html and 'id="batch-download"' not in html and "<script>" not in html  # no inline script
    listing = clerk_client.get(reverse("admin:letters_letter_changelist")).content.decode()
    assert 'id="open-batches"' in listing and status_url(batch) in listing

    run_worker_in_process()

    pdf = assert_complete(batch, letters)
    page = clerk_client.get(status_url(batch)).content.decode()
    assert 'http-equiv="refresh"' not in page and 'data-state="done"' in page and "印刷済み" in page
    download = clerk_client.get(reverse("letters:batch_download", args=[batch.pk]))
    assert download.content == pdf
    assert render_mailing_batch.get_result(str(batch.render_task_id)).status == "SUCCESSFUL"
    assert 'id="open-batches"' not in clerk_client.get(reverse("admin:letters_letter_changelist")).content.decode()
    assert_history_complete(batch)


def test_selected_letters_action_enqueues_too(database_tasks, clerk_client, clerk, office):
    apps = make_proxy_applications(2, clerk=clerk, office=office)
    chosen = [
        services.letter_create(kind="inquiry", application=app, actor=clerk, reason="照会書", render_now=False)
        for app in apps
    ]
    response = clerk_client.post(
        reverse("admin:letters_letter_changelist"),
        {"action": "print_selected", "_selected_action": [lt.pk for lt in chosen]},
    )
    batch = MailingBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == status_url(batch)
    assert batch.render_state == "queued" and batch.letters.count() == 2


def test_immediate_backend_renders_at_once(clerk, office, proxy_application):
    """The tests' default backend runs the task as it is enqueued: the batch is done on return."""
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office)
    assert batch.render_state == "done" and batch.render_attempts == 1 and batch.render_finished_at
    assert_complete(batch, list(batch.letters.all()))
    # rendered under a fixed name per batch
    assert batch.pdf.name.endswith(f"batch-{office.code}-{batch.date:%Y%m%d}-{batch.number}.pdf")


def _individual_number() -> str:
    first = "12345678901"
    return first + str(individual_number_check_digit(first))


def test_a_failure_is_recorded_shown_and_rendered_again(clerk_client, clerk, office, proxy_application, monkeypatch):
    from letters import render

    secret = _individual_number()

    def broken(*args, **kwargs):
        raise RuntimeError(f"layout failed near {secret}")

    with monkeypatch.context() as patch:
        patch.setattr(render, "render_letters", broken)
        batch = post_print_day(clerk_client, office)
    batch.refresh_from_db()
    assert batch.render_state == "failed" and not batch.pdf and batch.render_attempts == 1
    assert "RuntimeError: layout failed near" in batch.render_error and secret not in batch.render_error
    status = batches.batch_status(batch)
    assert status.state == "failed" and status.can_retry and not status.in_progress
    html = clerk_client.get(status_url(batch)).content.decode()
    assert "layout failed" in html and "再度印刷する" in html and 'http-equiv="refresh"' not in html
    letters = list(batch.letters.all())
    assert len(letters) == 1

    assert clerk_client.post(status_url(batch), {"reason": "再度印刷"}).status_code == 302
    assert_complete(batch, letters)
    batch.refresh_from_db()
    assert batch.render_attempts == 2 and batch.render_error == ""
    assert_history_complete(batch)


def test_retry_needs_the_change_permission(client, clerk, office, proxy_application, supervisor, monkeypatch):
    from letters import render

    with monkeypatch.context() as patch:
        patch.setattr(render, "render_letters", lambda *a, **k: 1 / 0)
        batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office)
    client.force_login(supervisor)  # may look, may not print
    html = client.get(status_url(batch)).content.decode()
    assert "ZeroDivisionError" in html and 'id="batch-retry"' not in html
    assert client.post(status_url(batch), {"reason": "再度印刷"}).status_code == 403
    batch.refresh_from_db()
    assert batch.render_state == "failed"


@WORKER_IN_PROCESS
def test_a_dead_worker_counts_as_interrupted_after_the_deadline(database_tasks, clerk, office, proxy_application):
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office)
    token = str(batch.render_token)
    # A worker takes the task, marks the batch rendering, and dies (no PDF, nothing else written).
    batches._render_begin(batch_id=batch.pk, token=token, actor=clerk, reason="本日分", at=timezone.now())
    batch.refresh_from_db()
    assert batch.render_state == "rendering" and batch.render_attempts == 1
    deadline = batch.render_started_at + dt.timedelta(seconds=batches._render_deadline_seconds(1))
    assert batches._render_deadline_seconds(1) == pytest.approx(60.2)
    assert batches.batch_status(batch, now=deadline - dt.timedelta(seconds=1)).state == "rendering"
    interrupted = batches.batch_status(batch, now=deadline + dt.timedelta(seconds=1))
    assert interrupted.state == "interrupted" and interrupted.can_retry and interrupted.detail
    with pytest.raises(ValidationError) as refused:  # not yet: it may still be working
        batches.mailing_batch_retry(batch=batch, actor=clerk, reason="再度印刷")
    assert "処理中" in " ".join(refused.value.messages)

    with override_settings(**NO_DEADLINE):
        batch = batches.mailing_batch_retry(batch=batch, actor=clerk, reason="再度印刷")
        with pytest.raises(ValidationError) as twice:
            batches.mailing_batch_retry(batch=batch, actor=clerk, reason="二度押し")
    assert "処理中" in " ".join(twice.value.messages)
    assert batch.render_state == "queued" and str(batch.render_token) != token

    # The old worker, had it only been slow, finds its token superseded and does nothing.
    outcome = batches.mailing_batch_render(batch_id=batch.pk, token=token, actor_id=clerk.pk, reason="古い")
    assert outcome == "skipped"
    run_worker_in_process()
    letters = list(batch.letters.all())
    assert_complete(batch, letters)
    batch.refresh_from_db()
    assert batch.render_attempts == 2
    # Done is final: the same task again, or a retry, changes nothing.
    sha = batch.sha256
    assert (
        batches.mailing_batch_render(
            batch_id=batch.pk, token=str(batch.render_token), actor_id=clerk.pk, reason="もう一度"
        )
        == "skipped"
    )
    with pytest.raises(ValidationError) as done:
        batches.mailing_batch_retry(batch=batch, actor=clerk, reason="もう一度")
    assert "既に印刷" in " ".join(done.value.messages)
    batch.refresh_from_db()
    assert batch.sha256 == sha and batch.render_attempts == 2
    assert LetterAccess.objects.filter(batch=batch, action="print").count() == 1


@WORKER_IN_PROCESS
def test_a_failed_task_counts_as_interrupted_at_once(database_tasks, clerk, office, proxy_application):
    # A task that ended without rendering the batch (here: it could not even find its batch).
    failed = render_mailing_batch.enqueue(batch_id=0, token=str(uuid.uuid4()), actor_id=clerk.pk, reason="x")
    run_worker_in_process()
    assert render_mailing_batch.get_result(failed.id).status == "FAILED"
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office)
    batch.render_task_id = failed.id  # as if the batch's own task had failed
    batch.save()
    status = batches.batch_status(batch)
    assert status.state == "interrupted" and status.detail == batches.MSG_BATCH_TASK_FAILED
    assert batches.batch_status(batch, check_task=False).state == "queued"  # lists go by the deadline only
    batch = batches.mailing_batch_retry(batch=batch, actor=clerk, reason="再度印刷")
    run_worker_in_process()
    assert_complete(batch, list(batch.letters.all()))


def test_queued_without_a_worker_is_a_note_not_an_interruption(database_tasks, clerk, office, proxy_application):
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office)
    later = timezone.now() + dt.timedelta(hours=1)
    status = batches.batch_status(batch, now=later)
    assert status.state == "queued" and status.detail == batches.MSG_BATCH_NO_WORKER and not status.can_retry


def test_a_file_left_by_an_interrupted_attempt_is_replaced(clerk, office, proxy_application, settings):
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office, enqueue=False)
    name = f"batch-{office.code}-{batch.date:%Y%m%d}-{batch.number}.pdf"
    leftover = Path(settings.PRIVATE_STORAGE_ROOT) / batch.pdf.field.generate_filename(batch, name)
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(b"%PDF-1.7 half written")  # written, its transaction never committed
    result = services.mailing_batch_print(batch=batch, actor=clerk, reason="本日分")
    assert Path(result.batch.pdf.path) == leftover and leftover.read_bytes() == result.pdf
    assert sorted(p.name for p in leftover.parent.iterdir()) == [name]


def test_command_line_print_renders_in_process_under_the_same_rules(clerk, office, proxy_application, settings):
    settings.TASKS = DATABASE_TASKS  # nothing is enqueued for a worker: the command renders itself
    result = services.print_day(actor=clerk, reason="本日分", office=office)
    assert result.batch.render_state == "done" and result.batch.render_task_id is None
    with pytest.raises(ValidationError) as again:
        services.mailing_batch_print(batch=result.batch, actor=clerk, reason="もう一度")
    assert "既に印刷" in " ".join(again.value.messages)
