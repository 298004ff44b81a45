"""Login throttling that stops guessing without locking clerks out (django-axes with
``jpki.security.LoginThrottleHandler``; the limits and their reasons are in ``jpki/settings.py``):

- per account and address (5): the account is locked at that address only; the same account
  logs in from another address (the clerk at their own terminal is not locked out by someone
  guessing elsewhere) until the account reaches its limit over all addresses (15);
- per address over all accounts (20): one address cannot try a few passwords on every account;
- the address is REMOTE_ADDR; ``X-Forwarded-For`` counts only behind ``TRUSTED_PROXY_COUNT``
  trusted proxies, and then only the entry the proxy wrote (a client cannot pick the address
  that gets locked);
- a supervisor lifts a lock from the admin (ログイン失敗の記録), a clerk cannot.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, RequestFactory
from django.urls import reverse

from jpki.security import client_ip_address
from tests.factories import UserFactory

from .support import is_japanese

pytestmark = pytest.mark.django_db

PASSWORD = "counter-pass-2026"  # tests.factories.UserFactory
CLERK_TERMINAL = "10.1.0.21"
OTHER_TERMINAL = "10.1.0.22"
ATTACKER = "10.9.0.66"
PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def limits(settings):
    """The shipped limits (asserted, so that a change to them is a decision, not an accident)."""
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT, settings.AXES_USERNAME_FAILURE_LIMIT) == (
        5,
        20,
        15,
    )
    assert settings.AXES_ADDRESS_FAILURE_LIMIT > settings.AXES_USERNAME_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default: no proxy in front
    settings.AXES_ENABLED = True
    # Dozens of logins per test: a fast hasher (set before the accounts are created).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def login(username, password, address, forwarded_for=None, client=None):
    client = client or Client()
    extra = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **extra,
    )


def fail(username, address, times, forwarded_for=None):
    """``times`` wrong passwords; the status of each answer."""
    return [login(username, f"wrong-{i}", address, forwarded_for).status_code for i in range(times)]


def logs_in(username, address, forwarded_for=None) -> bool:
    client = Client()
    response = login(username, PASSWORD, address, forwarded_for, client)
    if response.status_code == 302:
        assert "_auth_user_id" in client.session
        return True
    assert response.status_code in (200, 429), response.status_code
    assert "_auth_user_id" not in client.session
    return False


# --- per account --------------------------------------------------------------------------------------------


def test_an_account_is_locked_at_its_limit_from_one_address(clerk):
    assert fail("clerk", ATTACKER, 5) == [200, 200, 200, 200, 429]
    assert not logs_in("clerk", ATTACKER)  # even the right password, from that address
    response = login("clerk", PASSWORD, ATTACKER)
    assert response.status_code == 429
    body = response.content.decode()
    assert is_japanese(body) and "監督者" in body and "30分" in body


def test_the_same_account_logs_in_from_another_address_after_its_lock_there(clerk):
    """Decided: the per-account lock holds at the address that failed. Someone guessing at another
    terminal must not lock the clerk out at theirs; guessing spread over addresses is bounded by
    the account's limit over all addresses (next test)."""
    fail("clerk", ATTACKER, 5)
    assert not logs_in("clerk", ATTACKER)
    assert logs_in("clerk", CLERK_TERMINAL)
    assert not logs_in("clerk", ATTACKER)  # the clerk's login did not clear the attacker's failures


def test_an_account_is_locked_everywhere_at_its_limit_over_all_addresses(clerk):
    for attacker in ("10.9.0.1", "10.9.0.2"):
        assert fail("clerk", attacker, 5)[-1] == 429
    assert fail("clerk", "10.9.0.3", 4) == [200, 200, 200, 200]  # 14 in all: the clerk still gets in
    assert logs_in("clerk", CLERK_TERMINAL)
    assert fail("clerk", "10.9.0.3", 1) == [429]  # the 15th over all addresses
    assert not logs_in("clerk", OTHER_TERMINAL)


def test_a_login_clears_the_accounts_own_typos_at_that_address_only(clerk):
    assert fail("clerk", CLERK_TERMINAL, 4) == [200] * 4
    assert logs_in("clerk", CLERK_TERMINAL)
    assert fail("clerk", CLERK_TERMINAL, 4) == [200] * 4  # counted from zero again
    assert logs_in("clerk", CLERK_TERMINAL)


# --- per address --------------------------------------------------------------------------------------------


def test_one_address_trying_many_accounts_is_locked_at_the_address_limit(clerk):
    UserFactory(username="clerk-b")
    statuses = [login(f"staff-{n:02d}", "wrong", ATTACKER).status_code for n in range(19)]
    assert statuses == [200] * 19  # one guess at each of 19 accounts
    # A successful login from that address does not give it a fresh allowance.
    assert logs_in("clerk-b", ATTACKER)
    assert login("staff-19", "wrong", ATTACKER).status_code == 429  # the 20th failure from the address
    assert not logs_in("clerk", ATTACKER)  # every account is refused from there now
    assert logs_in("clerk", CLERK_TERMINAL)  # and only from there


def test_clerks_behind_one_address_each_mistyping_are_not_locked_out(clerk):
    """A branch office behind one NAT address: four clerks one short of their own limit each
    (16 failures) still log in."""
    names = ["clerk", *(UserFactory(username=f"branch-{n}").username for n in range(3))]
    for name in names:
        assert fail(name, OTHER_TERMINAL, 4) == [200] * 4
    for name in names:
        assert logs_in(name, OTHER_TERMINAL), name


# --- which address --------------------------------------------------------------------------------------------


def test_forwarded_for_is_ignored_without_a_trusted_proxy(clerk):
    """An attacker cannot pick the address that gets locked: with TRUSTED_PROXY_COUNT = 0 the
    header is not read, the failures count against the attacker's own address."""
    assert fail("clerk", ATTACKER, 5, forwarded_for=CLERK_TERMINAL)[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert logs_in("clerk", CLERK_TERMINAL)
    assert not logs_in("clerk", ATTACKER, forwarded_for=CLERK_TERMINAL)  # nor escape the lock by it


def test_behind_one_trusted_proxy_the_address_the_proxy_saw_is_used(clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it received the request from; the client's own entries come first.
    assert fail("clerk", PROXY, 5, forwarded_for=f"{CLERK_TERMINAL}, {ATTACKER}")[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert not logs_in("clerk", PROXY, forwarded_for=ATTACKER)
    # Everyone else comes through the same proxy and is not locked.
    assert logs_in("clerk", PROXY, forwarded_for=CLERK_TERMINAL)


@pytest.mark.parametrize(
    ("count", "remote", "header", "expected"),
    [
        (0, "10.0.0.1", None, "10.0.0.1"),
        (0, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # not behind a proxy: never the header
        (1, PROXY, "203.0.113.9", "203.0.113.9"),
        (1, PROXY, "10.0.0.5, 203.0.113.9", "203.0.113.9"),  # the client's own entry is skipped
        (1, PROXY, " 10.0.0.5 ,203.0.113.9 ", "203.0.113.9"),
        (2, PROXY, "10.0.0.5, 203.0.113.9, 10.2.0.1", "203.0.113.9"),  # two proxies
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
        (1, PROXY, None, PROXY),  # no header (a health check from the proxy host): REMOTE_ADDR
        (2, PROXY, "203.0.113.9", PROXY),  # fewer entries than proxies: not trusted
        (1, PROXY, "10.0.0.5, not-an-address", PROXY),
        (1, PROXY, "10.0.0.5, 203.0.113.9:4711", PROXY),
    ],
)
def test_client_address(settings, count, remote, header, expected):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"REMOTE_ADDR": remote}
    if header is not None:
        extra["HTTP_X_FORWARDED_FOR"] = header
    assert client_ip_address(RequestFactory().get("/", **extra)) == expected


# --- a supervisor lifts a lock ---------------------------------------------------------------------------------


def _changelist():
    return reverse("admin:axes_accessattempt_changelist")


def _run_action(client, action, attempts):
    return client.post(
        _changelist(),
        {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in attempts], "index": 0},
        follow=True,
    )


def test_a_supervisor_sees_the_lock_and_lifts_it_for_the_account(clerk, supervisor):
    fail("clerk", ATTACKER, 5)
    fail("clerk", OTHER_TERMINAL, 2)
    assert not logs_in("clerk", ATTACKER)
    admin = Client()
    admin.force_login(supervisor)
    page = admin.get(_changelist())
    assert page.status_code == 200
    html = page.content.decode()
    assert "ログイン失敗の記録" in html and "このアカウントはこの接続元からロック中" in html and ATTACKER in html
    assert "あと3回でロック" in html
    locked = admin.get(_changelist(), {"locked": "yes"})
    assert [row.ip_address for row in locked.context["cl"].result_list] == [ATTACKER]
    for term in ("10.9.0", "cler"):  # by address or account
        found = admin.get(_changelist(), {"q": term, "locked": "yes"})
        assert [row.ip_address for row in found.context["cl"].result_list] == [ATTACKER], term

    row = AccessAttempt.objects.get(username="clerk", ip_address=ATTACKER)
    done = _run_action(admin, "unlock_accounts", [row])
    assert done.status_code == 200
    assert "「clerk」のログイン制限を解除しました（失敗の記録 2 件を削除）" in done.content.decode()
    assert not AccessAttempt.objects.filter(username="clerk").exists()  # every address of the account
    assert logs_in("clerk", ATTACKER)
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(user=supervisor, action_flag=3).count() == 2  # who removed which rows


def test_a_supervisor_lifts_the_lock_of_an_address(clerk, supervisor):
    for n in range(20):
        login(f"staff-{n:02d}", "wrong", ATTACKER)
    fail("clerk", OTHER_TERMINAL, 1)
    assert not logs_in("clerk", ATTACKER)
    admin = Client()
    admin.force_login(supervisor)
    assert "この接続元はすべてのアカウントでロック中" in admin.get(_changelist()).content.decode()
    rows = AccessAttempt.objects.filter(ip_address=ATTACKER).count()
    assert rows == 21  # 20 accounts, and the clerk refused there
    done = _run_action(admin, "unlock_addresses", [AccessAttempt.objects.filter(ip_address=ATTACKER).first()])
    assert f"接続元 {ATTACKER} のログイン制限を解除しました（失敗の記録 21 件を削除）" in done.content.decode()
    assert logs_in("clerk", ATTACKER)
    assert AccessAttempt.objects.filter(ip_address=OTHER_TERMINAL).count() == 1  # other addresses untouched


def test_a_clerk_can_neither_see_nor_lift_a_lock(clerk):
    fail("clerk", ATTACKER, 5)
    other = UserFactory(username="clerk-c")
    client = Client()
    client.force_login(other)
    assert client.get(_changelist()).status_code == 403
    response = client.post(
        _changelist(),
        {"action": "unlock_accounts", ACTION_CHECKBOX_NAME: list(AccessAttempt.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="clerk").exists()
    assert not logs_in("clerk", ATTACKER)


def test_the_supervisors_screen_offers_unlock_and_nothing_else(supervisor, rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = supervisor
    model_admin = admin.site.get_model_admin(AccessAttempt)
    assert set(model_admin.get_actions(request)) == {"unlock_accounts", "unlock_addresses"}
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
