"""Each procedure exactly once under concurrency (issue 10, point 2), on PostgreSQL.

For every counter workflow, eight browser sessions of the same clerk submit the same confirm page
(the same single-use token) at the same instant: exactly one records the procedure, the other
seven are told 「この手続は既に記録されています」. "One effect" is measured against a twin case
confirmed once, sequentially: the domain rows and history rows the race adds are exactly the ones
a single confirm adds. The claim (``jpki.admin.submissions``) is an insert under a unique
constraint in the service's transaction: PostgreSQL makes the seven wait for the first commit.

Skipped unless the default database is PostgreSQL (``tests/hardening/conftest.py``).
"""

from __future__ import annotations

import pytest

from jpki.admin.workflows import WORKFLOWS
from jpki.models import ProcedureSubmission
from tests.admin.conftest import frozen
from tests.admin.test_submit_once import (
    CASES,
    clerk_client_for,
    confirm,
    delta,
    effects,
    is_already_recorded,
    is_recorded,
    review_token,
)

from . import race

N = 8

pytestmark = pytest.mark.postgres


def _summary(response) -> dict:
    if is_recorded(response):
        return {"recorded": True}
    text = response.content.decode("utf-8", "replace") if response.status_code == 200 else ""
    return {
        "recorded": False,
        "status": response.status_code,
        "already": is_already_recorded(response),
        "text": text[:300],
    }


@pytest.mark.parametrize("slug", sorted(WORKFLOWS))
def test_eight_concurrent_confirms_record_once(slug, transactional_db, settings):
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600  # the cases move the clock by days
    clerk = race._clerks(1)[0]
    twin, case = CASES[slug](clerk), CASES[slug](clerk)
    clients = [clerk_client_for(clerk) for _ in range(N)]
    with frozen(case.moment):
        # one confirm, sequentially: what a single procedure adds
        token = review_token(clients[0], twin)
        before = effects()
        assert is_recorded(confirm(clients[0], twin, token))
        once = delta(effects(), before)
        assert once

        token = review_token(clients[0], case)
        before = effects()
        results = race.run_threads(N, lambda i: _summary(confirm(clients[i], case, token)))
        raced = delta(effects(), before)

    errors = [r for r in results if r["outcome"] != "ok"]
    assert not errors, "\n".join(r.get("traceback") or r.get("error") or str(r) for r in errors)
    values = [r["value"] for r in results]
    assert sum(v["recorded"] for v in values) == 1, values
    assert sum(v.get("already", False) for v in values) == N - 1, values
    assert raced == once
    submission = ProcedureSubmission.objects.get(token=token.split(":")[0])
    assert submission.result_url and submission.procedure == slug
    assert ProcedureSubmission.objects.filter(resident=case.resident).count() == 1
