"""Race scenarios: N threads call one service on the same record at the same instant.

Each scenario builds its own rows, releases the threads through a ``threading.Barrier``, and returns
a JSON-serialisable summary (outcomes and row counts) that the tests assert on. The same functions
run in-process on PostgreSQL (``transactional_db``) and in a subprocess against a file SQLite
database configured like production (WAL, ``BEGIN IMMEDIATE``, busy timeout 20 s).
"""

from __future__ import annotations

import datetime as dt
import threading
import traceback

from django.core.exceptions import ValidationError
from django.db import connections

from jpki import services
from jpki.models import Application, Certificate, IdentityDocument, ProxyAuthorization
from jpki.services import DocumentShown
from tests.conftest import at
from tests.factories import OfficeFactory, ResidentFactory, UserFactory

NOW = at(2026, 11, 25, 10, 5)


def run_threads(n: int, work) -> list[dict]:
    """Run ``work(i)`` in ``n`` threads released together; every thread closes its connection."""
    barrier = threading.Barrier(n)
    results: list[dict | None] = [None] * n

    def target(i):
        try:
            barrier.wait(timeout=60)
            value = work(i)
            results[i] = {"outcome": "ok", "value": value}
        except ValidationError as exc:
            results[i] = {"outcome": "refused", "messages": [str(m) for m in exc.messages]}
        except BaseException as exc:  # noqa: BLE001 - reported, the test fails on it
            results[i] = {"outcome": "error", "error": repr(exc), "traceback": traceback.format_exc()}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,), name=f"clerk-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [r or {"outcome": "error", "error": "thread did not finish"} for r in results]


def _clerks(n: int):
    # After a transactional test's flush the role groups must be synced again (see KNOWN_BUGS
    # "roles-post-migrate-weak"); harmless when they exist.
    from jpki.roles import sync_roles

    sync_roles()
    office = OfficeFactory()
    # An unusable password: hashing eight real ones would take longer than the race itself.
    return [UserFactory(username=f"race-clerk-{i}", office=office, password="!") for i in range(n)]


def _counts(resident) -> dict:
    apps = Application.objects.filter(resident=resident)
    return {
        "applications": apps.count(),
        "applications_without_certificates": apps.filter(certificates__isnull=True).count(),
        "application_history": Application.history.filter(resident_id=resident.pk).count(),
        "certificates": Certificate.objects.filter(card__resident=resident).count(),
        "valid_signing": Certificate.objects.filter(card__resident=resident, kind="signing", status="valid").count(),
        "valid_user": Certificate.objects.filter(card__resident=resident, kind="user", status="valid").count(),
        "certificate_history": Certificate.history.filter(card__resident=resident).count(),
        "identity_documents": IdentityDocument.objects.filter(application__resident=resident).count(),
    }


def issue_race(n: int = 8, split_kinds: bool = False) -> dict:
    """``n`` clerks issue certificates to the same resident's card at once.

    ``split_kinds``: half ask for the signing certificate only, half for the user certificate only.
    """
    clerks = _clerks(n)
    resident = ResidentFactory()
    services.card_issue(resident=resident, actor=clerks[0], reason="カード交付", issued_on=dt.date(2024, 6, 10))

    def work(i):
        signing, user = (True, True) if not split_kinds else ((True, False) if i % 2 else (False, True))
        app = services.certificates_issue(
            resident=resident,
            actor=clerks[i],
            reason=f"窓口{i}で新規発行",
            signing=signing,
            user=user,
            at=NOW,
            documents=[DocumentShown("resident", "mynumber_card", "吹田市長", f"0000 0000 {i:04d}")],
        )
        return app.pk

    results = run_threads(n, work)
    return {"results": results, "counts": _counts(resident)}


def _proxy_application(clerk):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    services.card_issue(resident=kiyo, actor=clerk, reason="カード交付", issued_on=dt.date(2023, 3, 1))
    app = services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="代理人申請（1回目）",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="大阪府吹田市山田東1丁目1番1号",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=NOW,
    )
    services.proxy_letter_sent(application=app, actor=clerk, reason="簡易書留で発送", at=at(2026, 11, 25, 17))
    return app


def _proxy_summary(app) -> dict:
    app.refresh_from_db()
    proxy = ProxyAuthorization.objects.get(application=app)
    return {
        "status": app.status,
        "stage": proxy.stage,
        "reply_received_at": proxy.reply_received_at.isoformat() if proxy.reply_received_at else None,
        "returned_at": proxy.returned_at.isoformat() if proxy.returned_at else None,
        "proxy_history": ProxyAuthorization.history.filter(id=proxy.pk).count(),
        "application_history": Application.history.filter(id=app.pk).count(),
        "history_reasons": list(
            ProxyAuthorization.history.filter(id=proxy.pk)
            .order_by("history_id")
            .values_list("history_change_reason", flat=True)
        ),
    }


def reply_race(n: int = 2) -> dict:
    """Two clerks record the same reply (回答書受理) at once."""
    clerks = _clerks(n)
    app = _proxy_application(clerks[0])

    def work(i):
        services.proxy_reply_received(
            application=app, actor=clerks[i], reason=f"回答書受理（窓口{i}）", at=at(2026, 12, 1, 10)
        )
        return i

    return {"results": run_threads(n, work), "summary": _proxy_summary(app)}


def return_race(n: int = 2) -> dict:
    """Two clerks record the same returned letter (返戻) at once."""
    clerks = _clerks(n)
    app = _proxy_application(clerks[0])

    def work(i):
        services.proxy_letter_returned(
            application=app,
            actor=clerks[i],
            reason=f"返戻（窓口{i}）",
            return_reason="あて所に尋ねあたりません",
            at=at(2026, 11, 30, 10),
        )
        return i

    return {"results": run_threads(n, work), "summary": _proxy_summary(app)}


def reply_or_return_race() -> dict:
    """One clerk records the reply while another records a return of the same letter."""
    clerks = _clerks(2)
    app = _proxy_application(clerks[0])

    def work(i):
        if i == 0:
            services.proxy_reply_received(application=app, actor=clerks[0], reason="回答書受理", at=at(2026, 12, 1, 10))
            return "reply"
        services.proxy_letter_returned(
            application=app, actor=clerks[1], reason="返戻", return_reason="転居先不明", at=at(2026, 12, 1, 10)
        )
        return "return"

    return {"results": run_threads(2, work), "summary": _proxy_summary(app)}


SCENARIOS = {
    "issue": lambda: issue_race(8),
    "issue_split": lambda: issue_race(8, split_kinds=True),
    "reply": lambda: reply_race(2),
    "reply8": lambda: reply_race(8),
    "return": lambda: return_race(2),
    "reply_or_return": reply_or_return_race,
}
