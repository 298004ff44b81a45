"""The review queue and the supervisor's dashboard agree, with a constant number of queries.

A mixed world with an item of every source (jpki.review, letters.review), one item older than the
dashboard's 30 days and one already signed off: the dashboard's count of open items is the number
of rows the queue shows by default (open, last 30 days), kind by kind; the review panel costs the
dashboard one query per source, and the queue page a fixed number of queries.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from jpki import review, services
from jpki.models import Application, OutsideHoursRecord
from jpki.review import REGISTRY
from letters.models import Letter
from residents import services as register
from tests.admin.conftest import count_queries, frozen
from tests.factories import CardFactory, ResidentFactory, SupervisorFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 27, 16, 0, tzinfo=TOKYO)  # Friday, counter open
OPEN = dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO)  # Wednesday
SATURDAY = dt.datetime(2026, 11, 21, 11, 0, tzinfo=TOKYO)
VISIT1 = dt.datetime(2026, 11, 16, 10, 5, tzinfo=TOKYO)  # Monday
QUEUE = "admin:jpki_review"


def carded(**fields):
    resident = ResidentFactory(**fields)
    CardFactory(resident=resident)
    return resident


def outside_record(clerk, office, at):
    return OutsideHoursRecord.objects.create(
        procedure="card_report_lost", resident=ResidentFactory(), recorded_at=at, recorded_by=clerk, office=office
    )


def build_mixed_world(clerk, office, feeder, editor, tag="7"):
    """One open item of every source in the last 30 days, one older item, one signed-off item."""
    services.certificates_issue(
        resident=carded(),
        actor=clerk,
        reason="窓口",
        signing=False,
        user=True,
        at=SATURDAY,
        outside_hours_confirmed=True,
    )
    outside_record(clerk, office, SATURDAY)
    outside_record(clerk, office, dt.datetime(2026, 10, 3, 11, 0, tzinfo=TOKYO))  # older than 30 days
    signed = outside_record(clerk, office, SATURDAY + dt.timedelta(hours=1))
    services.review_sign_off(kind="outside_hours_record", key=str(signed.pk), actor=editor, comment="確認")
    proxy_app = services.proxy_visit1(
        resident=carded(),
        actor=clerk,
        reason="代理人",
        kind=Application.Kind.NEW,
        signing=True,
        user=True,
        proxy_name="山田　太郎",
        proxy_kana="ヤマダ　タロウ",
        proxy_address="大阪府吹田市泉町1丁目",
        proxy_birth_date=dt.date(1980, 1, 1),
        relation="夫",
        at=VISIT1,
    )
    services.proxy_letter_sent(application=proxy_app, actor=clerk, reason="発送", at=VISIT1 + dt.timedelta(days=1))
    services.proxy_letter_returned(
        application=proxy_app, actor=clerk, reason="返戻", return_reason="転居先不明", at=VISIT1 + dt.timedelta(days=4)
    )
    register.substitution_save(actor=editor, reason="窓口で判明", original="髙", substitute="高")
    services.certificates_issue(
        resident=carded(),
        actor=clerk,
        reason="窓口",
        signing=False,
        user=True,
        at=OPEN,
        certificate_name="やまだ　はなこ",
    )
    services.certificates_issue(resident=carded(), actor=clerk, reason="窓口", signing=True, user=True, at=OPEN)
    reissued = services.card_reissue(
        resident=carded(),
        actor=clerk,
        reason="紛失",
        issued_on=OPEN.date(),
        signing=True,
        user=True,
        fee_paid=True,
        fee_receipt_number="R-1",
        at=OPEN,
    )
    first = Letter.objects.create(
        kind=Letter.Kind.INQUIRY, application=reissued, reference_root=f"R{tag}", version=1, reference=f"R{tag}",
        is_current=False, rendered_at=OPEN, rendered_by=clerk,
    )  # fmt: skip
    Letter.objects.create(
        kind=Letter.Kind.INQUIRY, application=reissued, reference_root=f"R{tag}", version=2, reference=f"R{tag}-2",
        previous=first, is_current=True, reason="汚損", rendered_at=OPEN, rendered_by=clerk,
    )  # fmt: skip
    from tests.jpki.test_feed_apply import feed, row, with_certificates

    with_certificates(f"K{tag}00", name="山田　花子", name_kana="ヤマダ　ハナコ")
    services.feed_import(
        data=feed(row(f"E-{tag}00", "name_change", f"K{tag}00", name="山田　春子", name_kana="ヤマダ　ハルコ")),
        file_name=f"ido-{tag}00.csv",
        actor=feeder,
        dry_run=False,
    )
    services.resident_move_in_at_counter(
        actor=clerk,
        reason="転入届",
        resident_key=f"K{tag}01",
        on=OPEN.date(),
        name="佐藤　健",
        name_kana="サトウ　ケン",
        birth_date=dt.date(1975, 1, 2),
        sex="male",
        postal_code="564-0041",
        address_town="大阪府吹田市泉町",
        address_block="1丁目1番1号",
        at=OPEN,
    )


@pytest.fixture
def mixed_world(db, clerk, office):
    with frozen(NOW):
        build_mixed_world(clerk, office, SupervisorFactory(username="feeder"), SupervisorFactory(username="editor"))
        yield


def dashboard_open(response) -> int:
    return int(re.search(r'id="jpki-review-open">(\d+)<', response.content.decode()).group(1))


def queue_total(response) -> int:
    return int(re.search(r'id="jpki-review-total">(\d+)<', response.content.decode()).group(1))


def test_dashboard_count_is_the_number_of_rows_of_the_queue(mixed_world, supervisor_client):
    dashboard = supervisor_client.get(reverse("admin:index"))
    queue = supervisor_client.get(reverse(QUEUE))
    items = queue.context["items"]
    # every source has its open item of the last 30 days; the old and the signed-off items are not in
    assert {i.kind for i in items} == set(REGISTRY)
    assert dashboard_open(dashboard) == len(items) == queue_total(queue) == len(REGISTRY)
    per_kind_dashboard = {kind: n for _label, n, kind in dashboard.context["dash"]["review"]["rows"]}
    per_kind_queue = {kind: n for _label, n, kind in queue.context["kind_counts"]}
    assert per_kind_dashboard == per_kind_queue == {kind: 1 for kind in REGISTRY}
    # the dashboard's link opens exactly those rows
    link = supervisor_client.get(reverse(QUEUE), {"date_from": "2026-10-28", "status": "open"})
    assert [(i.kind, i.key) for i in link.context["items"]] == [(i.kind, i.key) for i in items]


def test_query_counts_of_the_dashboard_and_the_queue(
    mixed_world, supervisor_client, clerk_client, office, django_assert_num_queries
):
    # (the clock stays at NOW: the fixture yields inside ``frozen``)
    _r, clerk_dashboard = count_queries(lambda: clerk_client.get(reverse("admin:index")))
    _r, supervisor_dashboard = count_queries(lambda: supervisor_client.get(reverse("admin:index")))
    # the review panel: one COUNT per source, whatever the number of items
    assert supervisor_dashboard - clerk_dashboard == len(REGISTRY)
    # the queue: rows and count of each source (one query for both of the kana overrides), the
    # sign-offs, clerks, offices, residents, the filters' choices, session, user and the read log
    response, queue = count_queries(lambda: supervisor_client.get(reverse(QUEUE), {"status": "all"}))
    assert len(response.context["items"]) == len(REGISTRY) + 1  # and the signed-off one
    assert queue <= 2 * len(REGISTRY) + 16
    clerk2 = UserFactory(username="clerk2", office=office)
    build_mixed_world(clerk2, office, SupervisorFactory(username="f2"), SupervisorFactory(username="e2"), tag="8")
    with django_assert_num_queries(queue):
        response = supervisor_client.get(reverse(QUEUE), {"status": "all"})
    assert len(response.context["items"]) == 2 * (len(REGISTRY) + 1)
    with django_assert_num_queries(supervisor_dashboard):
        response = supervisor_client.get(reverse("admin:index"))
    assert dashboard_open(response) == 2 * len(REGISTRY)


@pytest.mark.parametrize(
    "flt",
    [
        review.ReviewFilter(),
        review.ReviewFilter(status=review.ALL),
        review.ReviewFilter(status=review.SIGNED),
        review.ReviewFilter(kinds=("kana_override",), status=review.ALL),
        review.ReviewFilter(kinds=("outside_hours_record",), status=review.ALL),
        review.ReviewFilter(start=OPEN, status=review.ALL),
    ],
)
def test_page_query_gives_what_items_and_counts_give(mixed_world, clerk, office, flt):
    clerk2 = UserFactory(username="clerk2", office=office)
    build_mixed_world(clerk2, office, SupervisorFactory(username="f2"), SupervisorFactory(username="e2"), tag="8")
    for offset, limit in ((0, 50), (0, 3), (2, 3), (17, 2)):
        items, more, per_kind = review.review_page(flt, offset=offset, limit=limit)
        expected_items, expected_more = review.review_items(flt, offset=offset, limit=limit)
        assert [(i.kind, i.key) for i in items] == [(i.kind, i.key) for i in expected_items]
        assert more == expected_more
        assert per_kind == review.counts(review.ReviewFilter(**{**flt.__dict__, "kinds": ()}))
