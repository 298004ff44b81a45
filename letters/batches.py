"""Mailing batches rendered outside the web request (issue 10: batches survive faults).

:func:`letters.services.mailing_batch_create` makes a batch and, in the same transaction, enqueues
its rendering (django-tasks, database backend): a worker (``manage.py db_worker``) runs
:func:`letters.tasks.render_mailing_batch`, which calls :func:`mailing_batch_render` here. The
batch's ``render_state`` says where it stands: queued → rendering → done, or failed.

A worker killed mid-batch leaves the batch ``rendering`` and its task ``RUNNING`` for ever: nothing
tells the database. :func:`batch_status` shows such a batch as *interrupted* once its deadline has
passed, or at once when its task ended without finishing it; :func:`mailing_batch_retry` (the
screen's 「再度印刷する」) enqueues it again under a new token, so a worker that was only slow finds
its token superseded and stores nothing. The letters never leave their batch, and a letter is in at
most one batch, so rendering again cannot lose a letter nor print one twice in two batches.

Also here: the day's print here and now (``manage.py print_letters``: :func:`print_day`), and the
batch's PDF (:func:`batch_open`); :mod:`letters.services` offers them too. Every write sets the
history user and reason and is text-checked (:mod:`residents.recording`).
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from jpki.models import Office
from residents import recording
from residents.safety import redact_individual_numbers

from . import render
from .models import Letter, LetterAccess, MailingBatch

logger = logging.getLogger(__name__)

# Marked for translation and translated where shown (the constants stay plain text; a stored
# render_error stays as stored).
MSG_BATCH_DONE = gettext_noop("この差出は既に印刷されています。保存されたPDFをダウンロードしてください。")
MSG_BATCH_BUSY = gettext_noop("この差出は印刷の処理中です。終わるまでお待ちください（画面は自動で更新されます）。")
MSG_BATCH_INTERRUPTED = gettext_noop(
    "印刷の処理が途中で止まりました（処理していたプロセスが終了した可能性があります）。"
)
MSG_BATCH_TASK_FAILED = gettext_noop("印刷の処理が異常終了しました。")
MSG_BATCH_NO_WORKER = gettext_noop(
    "印刷の処理がまだ始まっていません。印刷処理（ワーカー）が動いているか、システム担当者に確認してください。"
)

# What every write does (history user and reason, text checks): letters.services imports this module,
# so its helpers are taken from the register's recording module, as they are there.
_save = recording.save
_require_reason = recording.require_reason
_now = recording.now


def _log_access(*, letter=None, batch=None, user, action: str, path: str = "") -> LetterAccess:
    return LetterAccess.objects.create(letter=letter, batch=batch, user=user, action=action, path=path[:200])


def _render_deadline_seconds(letter_count: int) -> float:
    """How long a batch may stay queued or rendering before it counts as interrupted.

    Far above the measured speed (about 45 letters/s, README "Performance"), so that a busy machine
    is not mistaken for a dead worker: 60 s plus 0.2 s per letter by default (settings
    ``LETTER_BATCH_TIMEOUT_SECONDS``, ``LETTER_BATCH_TIMEOUT_PER_LETTER_SECONDS``).
    """
    base = getattr(settings, "LETTER_BATCH_TIMEOUT_SECONDS", 60)
    per_letter = getattr(settings, "LETTER_BATCH_TIMEOUT_PER_LETTER_SECONDS", 0.2)
    return float(base) + float(per_letter) * letter_count


def _progress_path(batch_id: int) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "progress" / f"batch-{int(batch_id)}.json"


def _progress_write(batch_id: int, token: str, done: int, total: int) -> None:
    """How far the rendering of a batch has come, for the screen: a small file beside the PDFs (counts
    only, no personal data), written whole (rename) by whichever process renders. Not a database write:
    the batch's history is not filled with counters; a failure to write it never stops the rendering."""
    path = _progress_path(batch_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"token": token, "done": done, "total": total}), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        logger.warning("could not record the progress of batch %s", batch_id, exc_info=True)


def _progress_read(batch: MailingBatch) -> tuple[int, int] | None:
    """(letters done, letters) of the batch's current rendering, or None when nothing was recorded."""
    try:
        data = json.loads(_progress_path(batch.pk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("token") != str(batch.render_token):
        return None  # an earlier attempt's
    done, total = data.get("done"), data.get("total")
    if not isinstance(done, int) or not isinstance(total, int) or not 0 <= done <= total:
        return None
    return done, total


def _progress_clear(batch_id: int) -> None:
    try:
        _progress_path(batch_id).unlink(missing_ok=True)
    except OSError:
        logger.warning("could not remove the progress file of batch %s", batch_id, exc_info=True)


def _task_outcome(task_id) -> str | None:
    """What the task backend says of a rendering task: its status (``TaskResultStatus``), ``"MISSING"``,
    or ``None`` (no task recorded, or a backend that keeps no results)."""
    from .tasks import render_mailing_batch

    if task_id is None or not render_mailing_batch.get_backend().supports_get_result:
        return None
    try:
        return render_mailing_batch.get_result(str(task_id)).status
    except TaskResultDoesNotExist:
        return "MISSING"


@dataclass(frozen=True)
class BatchStatus:
    """Where a batch's PDF stands, as the screen shows it."""

    state: str  # queued / rendering / done / failed / interrupted
    label: str
    detail: str  # the error, or why the batch counts as interrupted, or a note while it waits
    letters: int
    attempts: int
    elapsed_seconds: int | None  # since queued (queued) or started (rendering)
    deadline: datetime | None
    progress: tuple[int, int] | None = None  # (letters laid out, letters) while rendering, when recorded

    @property
    def percent(self) -> int | None:
        if not self.progress or not self.progress[1]:
            return None
        return round(100 * self.progress[0] / self.progress[1])

    @property
    def in_progress(self) -> bool:
        """Queued or rendering: the page refreshes itself."""
        return self.state in (MailingBatch.RenderState.QUEUED, MailingBatch.RenderState.RENDERING)

    @property
    def can_retry(self) -> bool:
        return self.state in (MailingBatch.RenderState.FAILED, "interrupted")


STATE_LABELS = {
    **dict(MailingBatch.RenderState.choices),
    "interrupted": _("中断"),
}


def batch_status(
    batch: MailingBatch,
    *,
    letter_count: int | None = None,
    now: datetime | None = None,
    check_task: bool = True,
) -> BatchStatus:
    """The state of ``batch`` as the screen shows it, ``interrupted`` included.

    A worker killed mid-batch leaves it ``rendering`` (or ``queued``) in the database, and its task
    ``RUNNING`` forever: the batch counts as interrupted when its deadline has passed
    (:func:`_render_deadline_seconds`), or at once when its task ended (failed, or succeeded while the
    batch is not done) or no longer exists. ``check_task=False`` skips the task backend (lists).
    """
    now = now or timezone.now()
    states = MailingBatch.RenderState
    if letter_count is None:
        letter_count = batch.letters.count()
    state, detail, deadline, elapsed, progress = batch.render_state, "", None, None, None
    if state == states.FAILED:
        detail = batch.render_error
    elif state in (states.QUEUED, states.RENDERING):
        since = batch.render_started_at if state == states.RENDERING else batch.render_queued_at
        since = since or batch.created_at
        elapsed = max(0, int((now - since).total_seconds()))
        deadline = since + timedelta(seconds=_render_deadline_seconds(letter_count))
        outcome = _task_outcome(batch.render_task_id) if check_task else None
        if outcome in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL, "MISSING"):
            state, detail = "interrupted", _t(MSG_BATCH_TASK_FAILED)  # the task ended, the batch is not done
        elif now > deadline:
            if state == states.QUEUED and outcome == TaskResultStatus.READY:
                # still in the queue: no worker takes it; rendering again would not help
                detail = _t(MSG_BATCH_NO_WORKER)
            else:
                state, detail = "interrupted", _t(MSG_BATCH_INTERRUPTED)
    if state == states.RENDERING:  # still rendering: how far, if the renderer said
        progress = _progress_read(batch)
    return BatchStatus(
        state=state,
        label=STATE_LABELS[state],
        detail=detail,
        letters=letter_count,
        attempts=batch.render_attempts,
        elapsed_seconds=elapsed,
        deadline=deadline,
        progress=progress,
    )


def batches_not_done(*, limit: int = 5) -> list[tuple[MailingBatch, BatchStatus]]:
    """The newest batches whose PDF is not there yet (queued, rendering, failed or interrupted), with
    their status by the deadline alone: one query, for the letters list."""
    batches = (
        MailingBatch.objects.exclude(render_state=MailingBatch.RenderState.DONE)
        .select_related("office")
        .annotate(letters_n=Count("letters"))
        .order_by("-created_at", "-pk")[:limit]
    )
    return [(b, batch_status(b, letter_count=b.letters_n, check_task=False)) for b in batches]


def enqueue_render(batch: MailingBatch, *, actor, reason: str) -> None:
    """Mark ``batch`` queued under a new token and enqueue its rendering (inside the caller's transaction).

    With the database backend the task row commits or rolls back with the batch. A task carrying an
    older token (a worker that was only slow, not dead) does nothing when it runs.
    """
    from .tasks import render_mailing_batch

    batch.render_state = MailingBatch.RenderState.QUEUED
    batch.render_token = uuid.uuid4()
    batch.render_task_id = None
    batch.render_queued_at = timezone.now()
    batch.render_started_at = batch.render_finished_at = None
    batch.render_error = ""
    _save(batch, actor, reason)
    token = batch.render_token
    result = render_mailing_batch.enqueue(batch_id=batch.pk, token=str(token), actor_id=actor.pk, reason=reason)
    # The immediate backend (tests) has already run the task: read the batch again before saving.
    batch = MailingBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.render_token != token or batch.render_state == MailingBatch.RenderState.DONE:
        return
    if result.status == TaskResultStatus.FAILED:
        batch.render_state = MailingBatch.RenderState.FAILED
        batch.render_error = MSG_BATCH_TASK_FAILED
        batch.render_finished_at = timezone.now()
    try:
        batch.render_task_id = uuid.UUID(str(result.id))
    except ValueError:  # a backend whose ids are not UUIDs keeps no results to look at anyway
        batch.render_task_id = None
    _save(batch, actor, reason)


@transaction.atomic
def mailing_batch_retry(*, batch: MailingBatch, actor, reason: str) -> MailingBatch:
    """「再度印刷する」: enqueue the rendering of a failed or interrupted batch again.

    The batch keeps its letters (none leaves it, none joins another batch); the new rendering replaces
    whatever an earlier attempt left. Refused while it is queued or rendering, and once it is done.
    """
    reason = _require_reason(reason)
    batch = MailingBatch.objects.select_for_update().get(pk=batch.pk)
    status = batch_status(batch)
    if status.state == MailingBatch.RenderState.DONE:
        raise ValidationError({"batch": _t(MSG_BATCH_DONE)})
    if not status.can_retry:
        raise ValidationError({"batch": _t(MSG_BATCH_BUSY)})
    enqueue_render(batch, actor=actor, reason=reason)
    batch.refresh_from_db()
    return batch


def _safe_error(exc: BaseException) -> str:
    """A staff-readable line about a failure, with no 個人番号 and no control characters in it."""
    text = f"{type(exc).__name__}: {exc}"
    text = "".join(c if c in "\t\n" or unicodedata.category(c) not in ("Cc", "Cs") else " " for c in text)
    return redact_individual_numbers(text)[:500]


def _render_begin(*, batch_id: int, token: str, actor, reason: str, at: datetime) -> MailingBatch | None:
    with transaction.atomic():
        batch = MailingBatch.objects.select_for_update().get(pk=batch_id)
        if str(batch.render_token) != token or batch.render_state in (
            MailingBatch.RenderState.DONE,
            MailingBatch.RenderState.FAILED,
        ):
            return None  # rendered already, or superseded by a later request
        batch.render_state = MailingBatch.RenderState.RENDERING
        batch.render_attempts += 1
        batch.render_started_at = at
        batch.render_finished_at = None
        batch.render_error = ""
        _save(batch, actor, f"{reason}（PDFの作成を開始）")  # Japanese by nature: the history reason
        return batch


def _render_pdf(
    batch: MailingBatch, *, actor, at: datetime, progress=None
) -> tuple[list, render.RenderedBatch, dict[int, str]]:
    """Lay out the batch's letters and its mailing list (差出票) into one PDF (:func:`letters.engine.render_letters`).

    A letter that cannot be printed (:func:`letters.render.letter_refusal`: a character no letter font
    has, an address block that does not fit) is left out of the PDF and of the mailing list; the others
    print. Returns the letters, the rendering and the refused letters' messages by pk. No writes."""
    from . import services

    letters = list(
        batch.letters.select_related(
            "application", "application__resident", "application__office", "application__proxy"
        )
        .prefetch_related("application__certificates")
        .order_by("reference_root", "version")
    )
    datas, printed, refused = [], [], {}
    for letter in letters:
        if not letter.pdf:  # rendered for the first time in this batch
            letter.rendered_at = at
            letter.rendered_by = actor
        data = services.letter_data(letter)
        refusal = render.letter_refusal(data)
        if refusal:
            refused[letter.pk] = refusal
            continue
        datas.append(data)
        printed.append(letter)
    mailing = render.mailing_list_html(
        office=batch.office, on=batch.date, number=batch.number, rows=render.mailing_rows(printed), printed_at=at
    )
    if progress and refused:
        progress(len(refused))
    # progress(n): n more letters laid out and written (the engine renders them in chunks, in worker
    # processes for a large batch: letters.engine)
    result = render.render_letters(datas, extra_fragments=[mailing], title=str(batch), progress=progress)
    return letters, result, refused


def _render_finish(
    *, batch_id: int, token: str, actor, reason: str, at: datetime, letters, result, refused: dict[int, str]
) -> bool:
    """Store the PDF and the page of each letter, in one transaction; ``False`` if superseded meanwhile.

    The file has a fixed name per batch: a file an interrupted attempt left behind (written, but
    its transaction never committed) is replaced, never kept beside the new one.
    """
    with transaction.atomic():
        batch = MailingBatch.objects.select_for_update().select_related("office").get(pk=batch_id)
        if str(batch.render_token) != token or batch.render_state != MailingBatch.RenderState.RENDERING:
            return False
        name = f"batch-{batch.office.code}-{batch.date:%Y%m%d}-{batch.number}.pdf"
        path = batch.pdf.field.generate_filename(batch, name)
        if batch.pdf.storage.exists(path):
            batch.pdf.storage.delete(path)
        batch.pdf.save(name, ContentFile(result.pdf), save=False)
        batch.sha256 = result.sha256
        batch.page_count = result.page_count
        batch.printed_at = at
        batch.printed_by = actor
        batch.render_state = MailingBatch.RenderState.DONE
        batch.render_finished_at = timezone.now()
        _save(batch, actor, reason)
        rendered = {letter.pk: letter for letter in letters}
        for letter in Letter.objects.select_for_update().filter(batch=batch).order_by("pk"):
            first = rendered.get(letter.pk)
            if first is None:  # cannot happen: letters join a batch only when it is made
                raise ValidationError(
                    {"batch": _t("%(reference)s は印刷中に差出に加えられました。") % {"reference": letter.reference}}
                )
            if letter.pk in refused:
                letter.print_refusal = refused[letter.pk][:1000]
                letter.batch_first_page, letter.page_count = None, 0
                _save(letter, actor, f"{reason}（印刷できませんでした）")
                continue
            letter.rendered_at, letter.rendered_by_id = first.rendered_at, first.rendered_by_id
            letter.batch_first_page = result.first_pages.get(letter.reference)
            letter.page_count = result.letter_pages.get(letter.reference, 0)
            letter.print_refusal = ""
            _save(letter, actor, reason)
            _log_access(letter=letter, batch=batch, user=actor, action=LetterAccess.Action.PRINT)
        return True


def _render_fail(*, batch_id: int, token: str, actor, reason: str, error: str) -> None:
    with transaction.atomic():
        batch = MailingBatch.objects.select_for_update().get(pk=batch_id)
        if str(batch.render_token) != token or batch.render_state == MailingBatch.RenderState.DONE:
            return
        batch.render_state = MailingBatch.RenderState.FAILED
        batch.render_error = error
        batch.render_finished_at = timezone.now()
        _save(batch, actor, f"{reason}（PDFを作成できませんでした）")


def mailing_batch_render(
    *,
    batch_id: int,
    token: str,
    actor_id: int,
    reason: str,
    at: datetime | None = None,
    progress=None,
) -> str:
    """Render a batch's PDF (what the worker runs: ``letters.tasks.render_mailing_batch``).

    Three short transactions and no transaction while WeasyPrint works: mark it rendering, render,
    then store the file and each letter's pages at once (or record the failure). Idempotent: a batch
    already done, or a task whose token is no longer the batch's, does nothing. Returns what happened:
    ``done``, ``failed``, or ``skipped``.
    """
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=actor_id)
    at = _now(at)
    batch = _render_begin(batch_id=batch_id, token=token, actor=actor, reason=reason, at=at)
    if batch is None:
        return "skipped"
    total = batch.letters.count()
    done = [0]

    def advance(letters: int) -> None:
        done[0] += letters
        _progress_write(batch_id, token, min(done[0], total), total)
        if progress:
            progress(letters)

    _progress_write(batch_id, token, 0, total)
    try:
        letters, result, refused = _render_pdf(batch, actor=actor, at=at, progress=advance)
        if not _render_finish(
            batch_id=batch_id,
            token=token,
            actor=actor,
            reason=reason,
            at=at,
            letters=letters,
            result=result,
            refused=refused,
        ):
            return "skipped"
    except Exception as exc:  # any failure is recorded on the batch and shown on its page
        _render_fail(batch_id=batch_id, token=token, actor=actor, reason=reason, error=_safe_error(exc))
        return "failed"
    finally:
        _progress_clear(batch_id)
    return "done"


@dataclass
class PrintResult:
    batch: MailingBatch
    pdf: bytes
    letters: int
    pages: int


def mailing_batch_print(
    *,
    batch: MailingBatch,
    actor,
    reason: str,
    at: datetime | None = None,
    progress=None,
) -> PrintResult:
    """Render a batch's PDF here and now (``manage.py print_letters``), instead of in a worker.

    The same rendering as the worker's, under a new token (a task still queued for the batch then does
    nothing). A batch is printed once; printing a done batch is refused: download its PDF.
    """
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = MailingBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.render_state == MailingBatch.RenderState.DONE:
            raise ValidationError({"batch": _t(MSG_BATCH_DONE)})
        locked.render_state, locked.render_error = MailingBatch.RenderState.QUEUED, ""
        locked.render_token, locked.render_task_id = uuid.uuid4(), None
        _save(locked, actor, reason)
    mailing_batch_render(
        batch_id=batch.pk, token=str(locked.render_token), actor_id=actor.pk, reason=reason, at=at, progress=progress
    )
    batch.refresh_from_db()
    if batch.render_state != MailingBatch.RenderState.DONE:
        raise ValidationError({"batch": batch.render_error or _t(MSG_BATCH_INTERRUPTED)})
    with batch.pdf.open("rb") as fh:
        pdf = fh.read()
    return PrintResult(batch=batch, pdf=pdf, letters=batch.letters.count(), pages=batch.page_count)


def print_day(
    *, actor, reason: str, office: Office | None = None, on: date | None = None, letters=None, progress=None
) -> PrintResult | None:
    """Batch the day's inquiry letters and print them with the mailing list here and now (the command
    line; the screen enqueues instead: :func:`mailing_batch_create`)."""
    from .services import mailing_batch_create

    batch = mailing_batch_create(actor=actor, reason=reason, office=office, on=on, letters=letters, enqueue=False)
    if batch is None:
        return None
    return mailing_batch_print(batch=batch, actor=actor, reason=reason, progress=progress)


def batch_open(*, batch: MailingBatch, actor, path: str = "") -> bytes:
    if not batch.pdf or batch.render_state != MailingBatch.RenderState.DONE:
        raise ValidationError({"batch": _t("この差出はまだ印刷されていません。")})
    with batch.pdf.open("rb") as fh:
        data = fh.read()
    _log_access(batch=batch, user=actor, action=LetterAccess.Action.DOWNLOAD, path=path)
    return data


__all__ = [
    "BatchStatus",
    "PrintResult",
    "batch_open",
    "batch_status",
    "batches_not_done",
    "enqueue_render",
    "mailing_batch_print",
    "mailing_batch_render",
    "mailing_batch_retry",
    "print_day",
]
