"""Background tasks of the letters (django-tasks): what a worker (``manage.py db_worker``) runs.

A mailing batch's PDF is rendered here, outside any web request, so neither a killed web worker nor
gunicorn's timeout can leave a batch without its PDF. The task only calls the service, which does
every write (:func:`letters.batches.mailing_batch_render`); its arguments are plain JSON: the batch,
the token of the request to render it, the acting user and the reason for the history.
"""

from __future__ import annotations

from django_tasks import task

from . import batches


@task()
def render_mailing_batch(*, batch_id: int, token: str, actor_id: int, reason: str) -> str:
    """Render and store the PDF of one mailing batch; ``done``, ``failed`` or ``skipped``."""
    return batches.mailing_batch_render(batch_id=batch_id, token=token, actor_id=actor_id, reason=reason)
