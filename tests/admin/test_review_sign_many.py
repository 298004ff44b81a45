"""Several review items signed off at once with one comment (まとめて確認済みにする): the service (one
transaction, one sign-off and history row per item, all or nothing, never one's own actions) and the
queue's screens (choose → form, each item can be left out → confirm → queue; a replay records nothing).
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jpki import review, services
from jpki.models import OutsideHoursRecord, ReviewSignOff
from tests.factories import ResidentFactory, SupervisorFactory

TOKYO = ZoneInfo("Asia/Tokyo")
CLOSED = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)
QUEUE = "admin:jpki_review"
MANY = "admin:jpki_review_sign_many"
KIND = "outside_hours_record"


def outside(user, office, n=1):
    return [
        OutsideHoursRecord.objects.create(
            procedure="card_report_lost",
            resident=ResidentFactory(),
            recorded_at=CLOSED + dt.timedelta(minutes=i),
            recorded_by=user,
            office=office,
        )
        for i in range(n)
    ]


def pairs(records):
    return [(KIND, str(r.pk)) for r in records]


def open_count():
    return review.counts(review.ReviewFilter(kinds=(KIND,)))[KIND]


def test_service_signs_off_every_item_with_one_history_row_each(db, clerk, office, supervisor):
    records = outside(clerk, office, 3)
    signed = services.review_sign_off_many(items=pairs(records), actor=supervisor, comment="時間外の記録を照合")
    assert [(s.kind, s.item_key) for s in signed] == pairs(records)
    assert open_count() == 0
    for signoff in ReviewSignOff.objects.all():
        (row,) = signoff.history.all()
        assert row.history_user == supervisor and "一括 3件" in row.history_change_reason
        assert signoff.comment == "時間外の記録を照合" and signoff.reviewer == supervisor


def test_service_refuses_the_whole_sign_off_for_an_own_a_signed_or_an_unknown_item(db, clerk, office, supervisor):
    others = outside(clerk, office, 2)
    (own,) = outside(supervisor, office)
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off_many(items=pairs([*others, own]), actor=supervisor, comment="確認")
    assert "ご自身が行った処理が含まれています" in str(exc.value) and f"#{own.pk}" in str(exc.value)
    assert not ReviewSignOff.objects.exists()
    services.review_sign_off(kind=KIND, key=str(others[0].pk), actor=supervisor, comment="先に確認")
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off_many(items=pairs(others), actor=supervisor, comment="確認")
    assert "既に確認済みの項目" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off_many(items=[*pairs(others[1:]), (KIND, "999999")], actor=supervisor, comment="確認")
    assert "確認待ちの一覧にない項目" in str(exc.value)
    for items, comment, message in (([], "確認", "選んでください"), (pairs(others[1:]), " ", "コメント")):
        with pytest.raises(ValidationError) as exc:
            services.review_sign_off_many(items=items, actor=supervisor, comment=comment)
        assert message in str(exc.value)
    assert ReviewSignOff.objects.count() == 1  # only the single sign-off
    # the other supervisor may sign off the supervisor's own item, with the remaining one
    second = SupervisorFactory(username="supervisor2")
    services.review_sign_off_many(items=pairs([others[1], own]), actor=second, comment="確認")
    assert open_count() == 0


def token_of(response) -> str:
    return re.search(r'name="_submission" value="([^"]+)"', response.content.decode()).group(1)


def test_queue_to_form_to_confirm_to_queue_signs_the_chosen_items_once(supervisor_client, supervisor, clerk, office):
    records = outside(clerk, office, 3)
    (own,) = outside(supervisor, office)
    queue = supervisor_client.get(reverse(QUEUE), {"date_from": "2026-11-01"}).content.decode()
    picks = set(re.findall(r'name="item" value="([^"]+)"', queue))
    assert picks == {f"{KIND}:{r.pk}" for r in records}  # no checkbox for one's own action
    assert 'id="jpki-review-sign-page"' in queue
    chosen = [f"{KIND}:{r.pk}" for r in records]
    form = supervisor_client.get(reverse(MANY), {"item": [*chosen, f"{KIND}:{own.pk}"]})
    page = form.content.decode()
    assert form.status_code == 200 and "本人の処理" in page
    assert set(re.findall(r'type="checkbox" name="item" value="([^"]+)"', page)) == set(chosen)
    # the supervisor leaves the first one out
    data = {"item": chosen[1:], "comment": "領収書と照合", "_step": "review", "_submission": token_of(form)}
    confirm = supervisor_client.post(reverse(MANY), data)
    assert confirm.status_code == 200 and "確認済みとして記録する" in confirm.content.decode()
    done = supervisor_client.post(
        reverse(MANY), {**data, "_step": "confirm", "_submission": token_of(confirm)}, follow=True
    )
    assert "2件を確認済みにしました" in done.content.decode()
    assert sorted(ReviewSignOff.objects.values_list("item_key", flat=True)) == sorted(str(r.pk) for r in records[1:])
    # the back button: the same confirm posted again records nothing
    supervisor_client.post(reverse(MANY), {**data, "_step": "confirm", "_submission": token_of(confirm)})
    assert ReviewSignOff.objects.count() == 2


def test_nothing_chosen_or_a_clerk_goes_nowhere(supervisor_client, clerk_client, clerk, office):
    response = supervisor_client.get(reverse(MANY), follow=True)
    assert "確認済みにする項目を選んでください" in response.content.decode()
    (rec,) = outside(clerk, office)
    assert clerk_client.get(reverse(MANY), {"item": f"{KIND}:{rec.pk}"}).status_code == 403
    response = supervisor_client.post(reverse(MANY), {"item": f"{KIND}:{rec.pk}", "comment": "", "_step": "review"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ReviewSignOff.objects.exists()
