"""The review queue screen (確認待ち) and its sign-off (確認済み): access, filters, the read log, the
single-use submit, the refusal of one's own actions, the dashboard count, a constant number of queries."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from jpki.models import OutsideHoursRecord, ReadLog, ReviewSignOff
from jpki.review import REGISTRY
from tests.admin.conftest import count_queries
from tests.factories import ResidentFactory, SupervisorFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
CLOSED = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)
QUEUE = "admin:jpki_review"
SIGN = "admin:jpki_review_sign"


def outside(user, office, *, days=0, name="山田　花子"):
    resident = ResidentFactory(name=name)
    return OutsideHoursRecord.objects.create(
        procedure="card_report_lost",
        resident=resident,
        recorded_at=CLOSED + dt.timedelta(days=days),
        recorded_by=user,
        office=office,
    )


def total(response) -> int:
    return int(re.search(r'id="jpki-review-total">(\d+)<', response.content.decode()).group(1))


def sign(client, rec, comment="書類を確認", *, step="review", token=None):
    url = reverse(SIGN) + f"?kind=outside_hours_record&key={rec.pk}"
    if step == "form":
        return client.get(url)
    data = {"kind": "outside_hours_record", "key": rec.pk, "comment": comment, "_step": step}
    if token:
        data["_submission"] = token
    return client.post(url, data)


def token_of(response) -> str:
    return re.search(r'name="_submission" value="([^"]+)"', response.content.decode()).group(1)


def sign_through(client, rec, comment="書類を確認"):
    form = sign(client, rec, step="form")
    confirm = sign(client, rec, comment, token=token_of(form))
    assert confirm.status_code == 200 and "確認済みとして記録する" in confirm.content.decode()
    return sign(client, rec, comment, step="confirm", token=token_of(confirm)), token_of(confirm)


def test_clerks_cannot_open_the_queue_or_sign(clerk_client, clerk, office):
    rec = outside(clerk, office)
    assert clerk_client.get(reverse(QUEUE)).status_code == 403
    assert sign(clerk_client, rec, step="form").status_code == 403
    assert clerk_client.get(reverse("admin:jpki_stats")).status_code == 403


def test_queue_lists_open_items_with_clerk_resident_and_logs_the_read(supervisor_client, supervisor, clerk, office):
    rec = outside(clerk, office, name="鈴木　キヨ")
    response = supervisor_client.get(reverse(QUEUE))
    page = response.content.decode()
    assert response.status_code == 200
    assert "鈴木　キヨ" in page and "clerk" in page and "card_report_lost" in page
    assert total(response) == 1
    assert f"key={rec.pk}" in page
    log = ReadLog.objects.filter(user=supervisor, screen="review_queue").latest("id")
    assert log.resident_count == 1


def test_sign_off_through_the_screen_drops_the_count_and_a_replay_records_nothing(
    supervisor_client, supervisor, clerk, office
):
    rec = outside(clerk, office)
    outside(clerk, office, days=1)
    assert total(supervisor_client.get(reverse(QUEUE))) == 2
    done, token = sign_through(supervisor_client, rec, "電話で本人に確認")
    assert done.status_code == 302
    signoff = ReviewSignOff.objects.get()
    assert (signoff.kind, signoff.item_key, signoff.reviewer, signoff.comment) == (
        "outside_hours_record",
        str(rec.pk),
        supervisor,
        "電話で本人に確認",
    )
    assert total(supervisor_client.get(reverse(QUEUE))) == 1
    signed = supervisor_client.get(reverse(QUEUE) + "?status=signed")
    assert total(signed) == 1 and "電話で本人に確認" in signed.content.decode()
    # the back button: the same confirm page posted again
    again = sign(supervisor_client, rec, "電話で本人に確認", step="confirm", token=token)
    assert again.status_code in (200, 302)
    assert ReviewSignOff.objects.count() == 1


def test_a_supervisor_cannot_sign_off_their_own_action(supervisor_client, supervisor, office):
    rec = outside(supervisor, office)
    form = sign(supervisor_client, rec, step="form")
    assert "ご自身が行った処理は確認済みにできません" in form.content.decode()
    response = sign(supervisor_client, rec, token=token_of(form))
    assert "ご自身が行った処理は確認済みにできません" in response.content.decode()
    assert not ReviewSignOff.objects.exists()
    queue = supervisor_client.get(reverse(QUEUE)).content.decode()
    assert "本人の処理" in queue


def test_empty_comment_is_refused_at_the_field(supervisor_client, clerk, office):
    rec = outside(clerk, office)
    form = sign(supervisor_client, rec, step="form")
    response = sign(supervisor_client, rec, comment="", token=token_of(form))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ReviewSignOff.objects.exists()


def test_unknown_item_goes_back_to_the_queue_with_a_message(supervisor_client):
    response = supervisor_client.get(reverse(SIGN) + "?kind=outside_hours_record&key=99999", follow=True)
    assert "確認待ちの一覧にありません" in response.content.decode()
    response = supervisor_client.get(reverse(SIGN) + "?kind=nothing&key=abc", follow=True)
    assert response.status_code == 200


def test_what_did_clerk_x_do_today(supervisor_client, office, branch):
    x = UserFactory(username="clerk_x", office=office)
    y = UserFactory(username="clerk_y", office=branch)
    outside(x, office)
    outside(x, office, days=1)
    outside(y, branch)
    day = f"{CLOSED:%Y-%m-%d}"
    response = supervisor_client.get(reverse(QUEUE), {"clerk": x.pk, "date_from": day, "date_to": day, "status": "all"})
    assert total(response) == 1
    assert total(supervisor_client.get(reverse(QUEUE), {"office": branch.pk})) == 1
    assert total(supervisor_client.get(reverse(QUEUE), {"kind": "outside_hours_record"})) == 3
    assert total(supervisor_client.get(reverse(QUEUE), {"kind": "reissue_fee"})) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"date_from": "1800-01-01"},
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"kind": "nonsense"},
        {"office": "abc"},
        {"clerk": "999999999999999999999"},
        {"p": "-3"},
        {"status": "weird"},
    ],
)
def test_hostile_filters_get_a_message_not_a_500(supervisor_client, params):
    response = supervisor_client.get(reverse(QUEUE), params)
    assert response.status_code == 200


def test_queue_query_count_is_constant(supervisor_client, clerk, office, django_assert_num_queries):
    for i in range(3):
        outside(clerk, office, days=i)
    _r, few = count_queries(lambda: supervisor_client.get(reverse(QUEUE)))
    for i in range(3, 12):
        outside(clerk, office, days=i)
    _r, many = count_queries(lambda: supervisor_client.get(reverse(QUEUE)))
    assert few == many
    # one per source for the page and one for its count; session, user, filters' choices, names, read log
    sources = len(REGISTRY)
    with django_assert_num_queries(many):
        supervisor_client.get(reverse(QUEUE))
    assert many <= 2 * sources + 16


def test_dashboard_shows_the_open_count_to_supervisors_only(supervisor_client, clerk_client, clerk, office):
    rec = outside(clerk, office)
    from django.utils import timezone

    rec.recorded_at = timezone.now() - dt.timedelta(days=1)
    rec.save()
    page = supervisor_client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="jpki-review-open">1<', page)
    assert "jpki-review-panel" not in clerk_client.get(reverse("admin:index")).content.decode()
    other = SupervisorFactory(username="supervisor_b")
    from jpki import services

    services.review_sign_off(kind="outside_hours_record", key=str(rec.pk), actor=other, comment="確認")
    page = supervisor_client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="jpki-review-open">0<', page)


def test_signoff_list_is_read_only(supervisor_client):
    assert supervisor_client.get(reverse("admin:jpki_reviewsignoff_changelist")).status_code == 200
    assert supervisor_client.get(reverse("admin:jpki_reviewsignoff_add")).status_code == 403


def test_queue_page_lists_a_feed_revocation_and_a_manual_move_in_with_their_links(supervisor_client, clerk):
    from jpki import services
    from tests.jpki.test_feed_apply import feed, row, with_certificates

    with_certificates("K600", name="山田　花子", name_kana="ヤマダ　ハナコ")
    run = services.feed_import(
        data=feed(row("E-600", "name_change", "K600", name="山田　春子", name_kana="ヤマダ　ハルコ")),
        file_name="ido-600.csv",
        actor=SupervisorFactory(username="feeder"),
        dry_run=False,
    ).run
    moved = services.resident_move_in_at_counter(
        actor=clerk,
        reason="転入届",
        resident_key="K601",
        on=dt.date(2026, 11, 24),
        name="佐藤　健",
        name_kana="サトウ　ケン",
        birth_date=dt.date(1975, 1, 2),
        sex="male",
        postal_code="564-0041",
        address_town="大阪府吹田市泉町",
        address_block="1丁目1番1号",
        at=dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO),
    )
    response = supervisor_client.get(reverse(QUEUE) + "?date_from=2000-01-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert "ido-600.csv" in page and "feeder" in page
    assert reverse("admin:jpki_feedrun_change", args=[run.pk]) in page
    assert "K601" in page and "佐藤　健" in page
    assert reverse("admin:residents_resident_history", args=[moved.pk]) in page
