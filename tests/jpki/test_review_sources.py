"""The review queue's sources (jpki.review, letters.review) and the sign-off service: which records
need a supervisor's second look, the filters, and 確認済み with its rules."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from jpki import review, services
from jpki.models import Application, OutsideHoursRecord, ReviewSignOff
from letters.models import Letter
from residents import safety
from residents import services as register
from tests.factories import CardFactory, ResidentFactory, SupervisorFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
OPEN = dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO)  # Wednesday, counter open
CLOSED = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)  # Saturday
ALL = review.ReviewFilter(status=review.ALL)
MY_NUMBER = "31415926535" + str(safety.individual_number_check_digit("31415926535"))


def kinds_of(flt=ALL):
    items, _more = review.review_items(flt, limit=100)
    return [(i.kind, i.key) for i in items]


@pytest.fixture
def carded(db):
    resident = ResidentFactory()
    CardFactory(resident=resident)
    return resident


def test_plain_issuance_needs_no_review(carded, clerk):
    services.certificates_issue(resident=carded, actor=clerk, reason="窓口", signing=True, user=True, at=OPEN)
    assert kinds_of() == []
    assert sum(review.counts(ALL).values()) == 0


def test_outside_hours_application_is_an_item_with_clerk_office_and_resident(carded, clerk, office):
    app = services.certificates_issue(
        resident=carded, actor=clerk, reason="窓口", signing=False, user=True, at=CLOSED, outside_hours_confirmed=True
    )
    items, _ = review.review_items(ALL)
    assert [(i.kind, i.key) for i in items] == [("outside_hours_application", str(app.pk))]
    item = items[0]
    assert (item.actor_id, item.office_id, item.resident_id) == (clerk.pk, office.pk, carded.pk)
    assert item.at == CLOSED
    assert "新規発行" in item.summary
    assert item.record == "jpki.application" and item.object_id == app.pk


def test_outside_hours_record_of_other_procedures(carded, clerk, office):
    rec = OutsideHoursRecord.objects.create(
        procedure="card_report_lost", resident=carded, recorded_at=CLOSED, recorded_by=clerk, office=office
    )
    assert kinds_of() == [("outside_hours_record", str(rec.pk))]


def test_reissue_with_fee(carded, clerk):
    app = services.card_reissue(
        resident=carded,
        actor=clerk,
        reason="紛失",
        issued_on=OPEN.date(),
        signing=True,
        user=True,
        fee_paid=True,
        fee_receipt_number="R-1",
        at=OPEN,
    )
    items, _ = review.review_items(review.ReviewFilter(kinds=("reissue_fee",), status=review.ALL))
    assert [(i.kind, i.key) for i in items] == [("reissue_fee", str(app.pk))]
    assert "200円" in items[0].summary and "R-1" in items[0].summary


def test_kana_override_is_an_item_but_a_later_move_is_not(db, clerk):
    typed, moved = ResidentFactory(), ResidentFactory(name="鈴木　一郎", name_kana="スズキ　イチロウ")
    for r in (typed, moved):
        CardFactory(resident=r)
    app = services.certificates_issue(
        resident=typed, actor=clerk, reason="窓口", signing=False, user=True, at=OPEN, certificate_name="やまだ　はなこ"
    )
    services.certificates_issue(resident=moved, actor=clerk, reason="窓口", signing=True, user=True, at=OPEN)
    # The register changes after issuance: the user certificate keeps the old address, typed by nobody.
    services.resident_change_basic_info(
        resident=moved,
        actor=clerk,
        reason="転居",
        at=OPEN,
        address_town="大阪府吹田市千里山西",
        address_block="1丁目1番1号",
    )
    items, _ = review.review_items(review.ReviewFilter(kinds=("kana_override",), status=review.ALL))
    assert [(i.kind, i.key) for i in items] == [("kana_override", str(app.pk))]
    assert "やまだ　はなこ" in items[0].summary
    assert items[0].actor_id == clerk.pk


def test_letter_return(carded, clerk):
    app = services.proxy_visit1(
        resident=carded,
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
        at=OPEN,
    )
    other = UserFactory(username="clerk2")
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=OPEN + dt.timedelta(days=1))
    proxy = services.proxy_letter_returned(
        application=app, actor=other, reason="返戻", return_reason="転居先不明", at=OPEN + dt.timedelta(days=5)
    )
    items, _ = review.review_items(review.ReviewFilter(kinds=("letter_return",), status=review.ALL))
    assert [(i.kind, i.key) for i in items] == [("letter_return", str(proxy.pk))]
    assert items[0].actor_id == other.pk  # who recorded the return, not who received the application
    assert "転居先不明" in items[0].summary and items[0].object_id == app.pk


def test_substitution_edit(db, supervisor):
    register.substitution_save(actor=supervisor, reason="窓口で判明", original="髙", substitute="高")
    items, _ = review.review_items(review.ReviewFilter(kinds=("substitution_edit",), status=review.ALL))
    assert len(items) == 1 and items[0].actor_id == supervisor.pk
    assert "髙 → 高" in items[0].summary and "窓口で判明" in items[0].summary
    assert items[0].history is True


def test_letter_reprint_from_the_letters_app(carded, clerk):
    app = services.certificates_issue(resident=carded, actor=clerk, reason="窓口", signing=False, user=True, at=OPEN)
    first = Letter.objects.create(
        kind=Letter.Kind.INQUIRY, application=app, reference_root="R1", version=1, reference="R1",
        is_current=False, rendered_at=OPEN, rendered_by=clerk,
    )  # fmt: skip
    again = Letter.objects.create(
        kind=Letter.Kind.INQUIRY, application=app, reference_root="R1", version=2, reference="R1-2",
        previous=first, is_current=True, reason="汚損", rendered_at=OPEN + dt.timedelta(hours=1), rendered_by=clerk,
    )  # fmt: skip
    items, _ = review.review_items(review.ReviewFilter(kinds=("letter_reprint",), status=review.ALL))
    assert [(i.kind, i.key) for i in items] == [("letter_reprint", str(again.pk))]
    assert "汚損" in items[0].summary and "R1-2" in items[0].summary


def test_filters_by_office_clerk_period_and_newest_first(db, office, branch):
    a = UserFactory(username="clerk_a", office=office)
    b = UserFactory(username="clerk_b", office=branch)
    made = []
    for n, (user, off) in enumerate([(a, office), (b, branch), (a, office)]):
        resident = ResidentFactory()
        made.append(
            OutsideHoursRecord.objects.create(
                procedure="p",
                resident=resident,
                recorded_at=CLOSED + dt.timedelta(days=n),
                recorded_by=user,
                office=off,
            )
        )
    keys = [k for _kind, k in kinds_of()]
    assert keys == [str(made[2].pk), str(made[1].pk), str(made[0].pk)]  # newest first
    assert len(kinds_of(review.ReviewFilter(status=review.ALL, actor_id=a.pk))) == 2
    assert kinds_of(review.ReviewFilter(status=review.ALL, office_id=branch.pk)) == [
        ("outside_hours_record", str(made[1].pk))
    ]
    day = review.ReviewFilter(status=review.ALL, start=CLOSED + dt.timedelta(days=1), end=CLOSED + dt.timedelta(days=2))
    assert kinds_of(day) == [("outside_hours_record", str(made[1].pk))]
    # paging: offset and "more"
    page, more = review.review_items(ALL, offset=1, limit=1)
    assert [i.key for i in page] == [str(made[1].pk)] and more is True


def test_sign_off_moves_the_item_from_open_to_signed_with_history(carded, clerk, supervisor):
    rec = OutsideHoursRecord.objects.create(procedure="p", resident=carded, recorded_at=CLOSED, recorded_by=clerk)
    assert review.counts(review.ReviewFilter())["outside_hours_record"] == 1
    signoff = services.review_sign_off(
        kind="outside_hours_record", key=str(rec.pk), actor=supervisor, comment="電話で確認"
    )
    assert review.counts(review.ReviewFilter())["outside_hours_record"] == 0
    assert review.counts(review.ReviewFilter(status=review.SIGNED))["outside_hours_record"] == 1
    items, _ = review.review_items(ALL)
    assert items[0].signoff == signoff and items[0].signoff.comment == "電話で確認"
    row = signoff.history.get()
    assert row.history_user == supervisor and "確認済み" in row.history_change_reason


def test_sign_off_refuses_own_action_twice_no_comment_and_unknown(carded, clerk, supervisor):
    own = OutsideHoursRecord.objects.create(procedure="p", resident=carded, recorded_at=CLOSED, recorded_by=supervisor)
    other = OutsideHoursRecord.objects.create(procedure="p", resident=carded, recorded_at=CLOSED, recorded_by=clerk)
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="outside_hours_record", key=str(own.pk), actor=supervisor, comment="確認")
    assert "ご自身が行った処理" in str(exc.value)
    second = SupervisorFactory(username="supervisor2")
    services.review_sign_off(kind="outside_hours_record", key=str(own.pk), actor=second, comment="確認")
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="outside_hours_record", key=str(own.pk), actor=supervisor, comment="再")
    assert "ご自身" in str(exc.value)  # still their own
    services.review_sign_off(kind="outside_hours_record", key=str(other.pk), actor=supervisor, comment="確認")
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="outside_hours_record", key=str(other.pk), actor=second, comment="確認")
    assert "既に確認済み" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="outside_hours_record", key=str(other.pk), actor=second, comment="  ")
    assert "コメント" in str(exc.value)
    for kind, key in (("outside_hours_record", "999999"), ("nonsense", "1"), ("reissue_fee", str(other.pk))):
        with pytest.raises(ValidationError) as exc:
            services.review_sign_off(kind=kind, key=key, actor=second, comment="確認")
        assert "確認待ちの一覧にありません" in str(exc.value)
    assert ReviewSignOff.objects.count() == 2


def test_sign_off_comment_refuses_an_individual_number(carded, clerk, supervisor):
    rec = OutsideHoursRecord.objects.create(procedure="p", resident=carded, recorded_at=CLOSED, recorded_by=clerk)
    with pytest.raises(ValidationError):
        services.review_sign_off(
            kind="outside_hours_record", key=str(rec.pk), actor=supervisor, comment=f"番号 {MY_NUMBER} を確認"
        )
    assert not ReviewSignOff.objects.exists()


def test_every_source_has_a_label_and_answers_its_queries(db):
    assert {"outside_hours_application", "outside_hours_record", "letter_return", "substitution_edit"} <= set(
        review.REGISTRY
    )
    assert {"kana_override", "reissue_fee", "letter_reprint"} <= set(review.REGISTRY)
    for src in review.sources():
        assert str(src.label)
        assert review.counts(review.ReviewFilter(kinds=(src.kind,))) == {src.kind: 0}


def _name_change_feed(key):
    from tests.jpki.test_feed_apply import feed, row

    return feed(row("E-1", "name_change", key, name="山田　春子", name_kana="ヤマダ　ハルコ"))


def test_feed_run_that_revoked_is_an_item_and_its_runner_cannot_sign_it_off(db, supervisor):
    from jpki.models import FeedRun
    from tests.jpki.test_feed_apply import with_certificates

    with_certificates("K200", name="山田　花子", name_kana="ヤマダ　ハナコ")
    dry = services.feed_import(data=_name_change_feed("K200"), file_name="dry.csv", actor=supervisor, dry_run=True)
    assert dry.run.certificates_revoked == 1  # a dry run revokes nothing: not an item
    assert kinds_of(review.ReviewFilter(kinds=("feed_revocation",), status=review.ALL)) == []
    applied = services.feed_import(
        data=_name_change_feed("K200"), file_name="ido-1125.csv", actor=supervisor, dry_run=False
    )
    assert applied.run.outcome == FeedRun.Outcome.APPLIED
    # a run that revoked nothing is not listed
    services.feed_import(data=_name_change_feed("K200"), file_name="again.csv", actor=supervisor, dry_run=False)
    items, _ = review.review_items(review.ReviewFilter(kinds=("feed_revocation",), status=review.ALL))
    assert [(i.kind, i.key) for i in items] == [("feed_revocation", str(applied.run.pk))]
    item = items[0]
    assert item.actor_id == supervisor.pk and item.record == "jpki.feedrun"
    assert "ido-1125.csv" in item.summary and "失効 1件" in item.summary
    assert "氏名変更 1" in item.summary and supervisor.username in item.summary
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="feed_revocation", key=item.key, actor=supervisor, comment="確認")
    assert "ご自身" in str(exc.value)
    other = SupervisorFactory(username="supervisor2")
    services.review_sign_off(kind="feed_revocation", key=item.key, actor=other, comment="失効を確認")
    assert review.counts(review.ReviewFilter(kinds=("feed_revocation",)))["feed_revocation"] == 0


def _move_in(clerk, key="K300", **kw):
    return services.resident_move_in_at_counter(
        actor=clerk,
        reason="転入届",
        resident_key=key,
        on=dt.date(2026, 11, 24),
        name="佐藤　健",
        name_kana="サトウ　ケン",
        birth_date=dt.date(1975, 1, 2),
        sex="male",
        postal_code="564-0041",
        address_town="大阪府吹田市泉町",
        address_block="1丁目1番1号",
        at=OPEN,
        **kw,
    )


def test_manual_move_in_is_an_item_but_a_feed_move_in_or_a_factory_resident_is_not(db, clerk, office, supervisor):
    from tests.jpki.test_feed_apply import feed, row

    ResidentFactory()
    services.feed_import(data=feed(row("E-9", "move_in", "K301")), file_name="f.csv", actor=supervisor, dry_run=False)
    resident = _move_in(clerk)
    items, _ = review.review_items(review.ReviewFilter(kinds=("manual_move_in",), status=review.ALL))
    assert len(items) == 1
    item = items[0]
    assert (item.actor_id, item.office_id, item.resident_id) == (clerk.pk, office.pk, resident.pk)
    assert "K300" in item.summary and "佐藤　健" in item.summary and "転入届" in item.summary
    assert item.history is True and item.object_id == resident.pk
    # a later change of the same resident is not a second item
    register.register_change(resident=resident, actor=clerk, reason="訂正", name_kana="サトウ　タケシ")
    assert review.counts(review.ReviewFilter(kinds=("manual_move_in",)))["manual_move_in"] == 1


def test_manual_move_in_sign_off_by_another_supervisor_only(db, supervisor):
    resident = _move_in(supervisor, key="K302")
    (item,), _ = review.review_items(review.ReviewFilter(kinds=("manual_move_in",)))
    assert item.resident_id == resident.pk
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(kind="manual_move_in", key=item.key, actor=supervisor, comment="確認")
    assert "ご自身" in str(exc.value)
    services.review_sign_off(
        kind="manual_move_in", key=item.key, actor=SupervisorFactory(username="sv2"), comment="住民票で確認"
    )
    assert review.review_items(review.ReviewFilter(kinds=("manual_move_in",)))[0] == []
