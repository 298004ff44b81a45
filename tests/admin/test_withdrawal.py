"""取下げ (withdrawal) of an open application, through the admin as a clerk (issue 13, point 1).

The reason is required; the application ends as 取下げ; a proxy case closes (it leaves the dashboard's
list of letters awaiting a reply) while the letter already mailed stays recorded; visit 2 is refused
afterwards with the withdrawal's reason; the step is offered on the application and resident pages.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jpki import services
from jpki.admin import dashboard
from jpki.models import Application, ProxyAuthorization
from letters import services as letter_services
from letters.models import Letter
from tests.admin.conftest import TOKYO, frozen
from tests.admin.test_workflows import confirm, field_errors, review, url
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db

VISIT1_AT = dt.datetime(2026, 11, 25, 10, 5, tzinfo=TOKYO)
LATER = dt.datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)


def proxy_case(clerk, *, mailed=True):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 2, 28))
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
        at=VISIT1_AT,
    )
    letter = None
    if mailed:
        letter = letter_services.letter_create(
            kind="inquiry", application=app, actor=clerk, reason="照会書の作成", at=VISIT1_AT, render_now=False
        )
        letter_services.letter_record_mailing(
            letter=letter,
            actor=clerk,
            reason="簡易書留で差出",
            tracking_number="555500001114",
            at=VISIT1_AT + dt.timedelta(hours=6),
        )
    app.refresh_from_db()
    return kiyo, app, letter


def test_withdrawal_of_a_mailed_proxy_case(clerk_client, clerk):
    kiyo, app, letter = proxy_case(clerk)
    with frozen(LATER):
        assert dashboard.dashboard()["proxy_counts"]["awaiting"] == 1
        page = review(clerk_client, kiyo, "application-withdraw", {"reason": "本人から電話で取下げの申出"}, app)
        assert page.context["step"] == "confirm"
        text = page.content.decode()
        assert letter.reference in text and "記録として残ります" in text
        assert "2回目の来庁は受け付けられなくなります" in text
        done = confirm(clerk_client, kiyo, "application-withdraw", {"reason": "本人から電話で取下げの申出"}, app)
        assert done.status_code == 302
        result = clerk_client.get(done["Location"])
        assert "取下げ（2026-12-03）: 本人から電話で取下げの申出" in result.content.decode()
        # the proxy case is closed: not awaiting a reply any more
        assert dashboard.dashboard()["proxy_counts"]["awaiting"] == 0
    app.refresh_from_db()
    assert app.status == Application.Status.CANCELLED
    assert ProxyAuthorization.objects.get(application=app).stage == ProxyAuthorization.Stage.WITHDRAWN
    assert app.history.first().history_change_reason == "本人から電話で取下げの申出"
    # the letter already mailed stays as recorded
    letter.refresh_from_db()
    assert letter.posted_at is not None and letter.tracking_number and letter.is_current
    assert Letter.objects.filter(application=app).count() == 1


def test_reason_is_required(clerk_client, clerk):
    kiyo, app, _letter = proxy_case(clerk, mailed=False)
    with frozen(LATER):
        form_page = clerk_client.get(url(kiyo, "application-withdraw", app)).content.decode()
        assert form_page.count('name="reason"') == 1
        page = review(clerk_client, kiyo, "application-withdraw", {"reason": "  "}, app)
    assert page.context["step"] == "form"
    assert field_errors(page, "reason")
    app.refresh_from_db()
    assert app.status == Application.Status.AWAITING_LETTER or app.is_open


def test_visit2_after_withdrawal_is_refused_with_the_reason(clerk_client, clerk):
    kiyo, app, _letter = proxy_case(clerk)
    with frozen(LATER):
        services.application_cancel(application=app, actor=clerk, reason="代理人の来庁が困難なため")
        data = {
            "resident_card_checked": "on",
            "proxy_photo_id_checked": "on",
            "reply_complete": "on",
            "power_of_attorney_complete": "on",
            "envelope_sealed": "on",
            "application_form_checked": "on",
            "proxy_document_kind": "driving_licence",
            "reason": "2回目来庁",
        }
        page = review(clerk_client, kiyo, "proxy-visit2", data, app)
    assert page.context["step"] == "form"
    messages = " ".join(str(e) for e in page.context["form"].non_field_errors())
    assert "取り下げられています" in messages and "代理人の来庁が困難なため" in messages
    with pytest.raises(ValidationError, match="代理人の来庁が困難なため"):
        services.proxy_reply_received(application=app, actor=clerk, reason="回答書", at=LATER)


def test_withdrawal_twice_is_refused(clerk):
    _kiyo, app, _letter = proxy_case(clerk, mailed=False)
    with frozen(LATER):
        services.application_cancel(application=app, actor=clerk, reason="取下げ")
        with pytest.raises(ValidationError, match="取下げ"):
            services.application_cancel(application=app, actor=clerk, reason="もう一度")


def test_offered_on_application_and_resident_pages_only_while_open(clerk_client, clerk):
    kiyo, app, _letter = proxy_case(clerk)
    withdraw_url = url(kiyo, "application-withdraw", app)
    with frozen(LATER):
        app_page = clerk_client.get(f"/admin/jpki/application/{app.pk}/change/").content.decode()
        resident_page = clerk_client.get(f"/admin/residents/resident/{kiyo.pk}/change/").content.decode()
        assert withdraw_url in app_page and withdraw_url in resident_page
        services.application_cancel(application=app, actor=clerk, reason="本人の申出")
        app_page = clerk_client.get(f"/admin/jpki/application/{app.pk}/change/").content.decode()
        assert withdraw_url not in app_page
        assert "取下げ（2026-12-03）: 本人の申出" in app_page


def test_withdrawal_outside_hours_needs_the_confirmation(clerk_client, clerk):
    kiyo, app, _letter = proxy_case(clerk, mailed=False)
    saturday = dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO)
    with frozen(saturday):
        page = review(clerk_client, kiyo, "application-withdraw", {"reason": "本人の申出"}, app)
        assert field_errors(page, "outside_hours_confirmed")
        done = confirm(
            clerk_client,
            kiyo,
            "application-withdraw",
            {"reason": "本人の申出", "outside_hours_confirmed": "on"},
            app,
        )
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == Application.Status.CANCELLED and app.outside_counter_hours
