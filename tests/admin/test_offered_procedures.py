"""Defaults that can only be right (issue 13, point 4) and form order for a queue (point 6).

The resident page offers a procedure only when the rules allow it now, otherwise greyed with the
reason the service would give; the forms default to what can be done (certificate boxes, the
applicant type, no lost card as ID) and put the rare fields last, collapsed unless they apply.
"""

import datetime as dt

import pytest

from jpki import services
from jpki.models import Application, Card
from tests.admin.conftest import OPEN_NOW, TOKYO, frozen
from tests.admin.test_workflows import field_errors, review, url
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def buttons(client, resident) -> dict:
    page = client.get(f"/admin/residents/resident/{resident.pk}/change/")
    assert page.status_code == 200
    return {b["slug"]: b for b in page.context["procedure_buttons"]}, page.content.decode()


def with_certificates(clerk, resident=None, at=OPEN_NOW - dt.timedelta(days=30)):
    resident = resident or ResidentFactory()
    if services.active_card(resident) is None:
        CardFactory(resident=resident)
    services.certificates_issue(resident=resident, actor=clerk, reason="setup", signing=True, user=True, at=at)
    return resident


def test_suspended_card_greys_issue_revoke_and_password_init(clerk_client, clerk, counter_open):
    resident = with_certificates(clerk)
    services.card_report_lost(card=services.active_card(resident), actor=clerk, reason="紛失届", at=OPEN_NOW)
    offered, html = buttons(clerk_client, resident)
    for slug in ("issue", "revoke", "password-init", "card-lost", "proxy-visit1"):
        assert not offered[slug]["enabled"], slug
    for slug in ("issue", "revoke", "password-init"):
        assert "一時停止中" in offered[slug]["reason"], slug
    assert offered["card-found"]["enabled"] and offered["reissue"]["enabled"]
    assert "カードは一時停止中です（紛失届）" in html
    assert url(resident, "issue") not in html  # greyed: no link


def test_no_card_offers_card_issue_not_reissue(clerk_client, counter_open):
    resident = ResidentFactory()
    offered, html = buttons(clerk_client, resident)
    assert offered["card-issue"]["enabled"]
    assert not offered["reissue"]["enabled"] and "再交付するカードがありません" in offered["reissue"]["reason"]
    assert not offered["issue"]["enabled"] and "カードの交付を先に記録してください" in offered["issue"]["reason"]
    assert not offered["revoke"]["enabled"]
    assert "再交付するカードがありません" in html


def test_both_certificates_valid_greys_new_issuance_with_the_services_reason(clerk_client, clerk, counter_open):
    resident = with_certificates(clerk)
    offered, _html = buttons(clerk_client, resident)
    issue = offered["issue"]
    assert not issue["enabled"]
    plan = services.issuance_plan(resident=resident, signing=True, user=False, on=OPEN_NOW.date())
    assert issue["reason"].startswith(plan.refusals["signing"][0])  # the service's own words
    assert "更新は" in issue["reason"]
    assert offered["revoke"]["enabled"] and offered["password-init"]["enabled"]
    assert not offered["card-issue"]["enabled"] and "交付済み" in offered["card-issue"]["reason"]


def test_after_a_move_only_the_signing_certificate_is_ticked(clerk_client, clerk, counter_open):
    resident = with_certificates(clerk)
    services.resident_change_basic_info(
        resident=resident,
        actor=clerk,
        reason="市内転居",
        **{
            "name": resident.name,
            "name_kana": resident.name_kana,
            "alias_name": resident.alias_name,
            "birth_date": resident.birth_date,
            "sex": resident.sex,
            "postal_code": "565-0851",
            "address_town": "大阪府吹田市千里山西",
            "address_block": "1丁目2番3号",
            "address_building": "",
        },
    )
    offered, _html = buttons(clerk_client, resident)
    assert offered["issue"]["enabled"]
    form = clerk_client.get(url(resident, "issue")).context["form"]
    assert form["signing"].value() is True
    assert not form["user"].value()
    assert "有効な利用者証明用電子証明書があります" in str(form.fields["user"].help_text)
    # scenario 3: the first submit with the defaults goes through to the confirm step
    data = {"applicant_type": "self", "signing": "on", "document_kind": "mynumber_card", "reason": "新規発行"}
    assert review(clerk_client, resident, "issue", data).context["step"] == "confirm"


def test_visit2_greyed_on_the_day_of_visit1_and_offered_after_the_letter(clerk_client, clerk):
    from letters import services as letter_services

    kiyo = ResidentFactory(birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo)
    with frozen(OPEN_NOW):
        app = services.proxy_visit1(
            resident=kiyo,
            actor=clerk,
            reason="1回目",
            kind="new",
            signing=True,
            user=True,
            proxy_name="鈴木　一郎",
            proxy_kana="スズキ　イチロウ",
            proxy_address="大阪府吹田市山田東1丁目1番1号",
            proxy_birth_date=dt.date(1968, 7, 7),
            relation="子",
        )
        letter = letter_services.letter_create(
            kind="inquiry", application=app, actor=clerk, reason="作成", render_now=False
        )
        letter_services.letter_record_mailing(letter=letter, actor=clerk, reason="差出", tracking_number="555500002223")
        page = clerk_client.get(f"/admin/residents/resident/{kiyo.pk}/change/")
        steps = {s["slug"]: s for s in page.context["open_applications"][0]["steps"]}
        assert steps["proxy-visit2"]["url"] is None
        assert "即日処理できません（1回目来庁: 2026-11-25）" in steps["proxy-visit2"]["reason"]
        assert "即日処理できません" in page.content.decode()
    with frozen(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)):
        page = clerk_client.get(f"/admin/residents/resident/{kiyo.pk}/change/")
        steps = {s["slug"]: s for s in page.context["open_applications"][0]["steps"]}
        assert steps["proxy-visit2"]["url"] == url(kiyo, "proxy-visit2", app)


def test_reissue_does_not_default_to_the_lost_card_and_refuses_it(clerk_client, clerk, counter_open):
    resident = with_certificates(clerk)
    services.card_report_lost(card=services.active_card(resident), actor=clerk, reason="紛失届", at=OPEN_NOW)
    form = clerk_client.get(url(resident, "reissue")).context["form"]
    assert not form["document_kind"].value()
    data = {
        "applicant_type": "self",
        "signing": "on",
        "user": "on",
        "document_kind": "mynumber_card",
        "issued_on": "2026-11-25",
        "old_card_status": "lost",
        "fee_paid": "on",
        "reason": "紛失による再交付",
    }
    page = review(clerk_client, resident, "reissue", data)
    assert page.context["step"] == "form"
    assert any("本人確認書類になりません" in e for e in field_errors(page, "document_kind"))
    assert Card.objects.filter(resident=resident).count() == 1
    page = review(clerk_client, resident, "reissue", {**data, "document_kind": "driving_licence"})
    assert page.context["step"] == "confirm"


def test_form_order_common_first_rare_collapsed(clerk_client, counter_open, hanako):
    page = clerk_client.get(url(hanako, "issue"))
    form = page.context["form"]
    names = list(form.fields)
    assert names[:3] == ["applicant_type", "signing", "user"]
    assert names.index("document_kind") < names.index("legal_authority_document")
    assert names.index("document_kind") < names.index("certificate_name")
    assert names[-1] == "reason"
    html = page.content.decode()
    assert '<details class="jpki-rare" data-rare-group="1" style="margin:8px 0">' in html  # closed for an adult
    assert [g["open"] for g in form.rare_groups()] == [False, False]
    assert "<script" not in html.split('id="content-main"')[1]  # CSP: no inline script


def test_child_defaults_to_legal_representative_with_the_legal_fields_open(clerk_client, counter_open):
    child = ResidentFactory(birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2029, 5, 5))
    form = clerk_client.get(url(child, "issue")).context["form"]
    assert form["applicant_type"].value() == Application.ApplicantType.LEGAL
    assert form["signing"].value() is False and "15歳未満" in str(form.fields["signing"].help_text)
    assert form["user"].value() is True
    assert form.rare_groups()[0]["open"]


def test_kana_override_open_when_a_character_has_no_substitute(clerk_client, counter_open):
    from residents import charset

    resident = ResidentFactory(name="𠮷野　花子")
    CardFactory(resident=resident)
    issues = charset.check_text(resident.name)
    form = clerk_client.get(url(resident, "issue")).context["form"]
    groups = {str(g["title"]): g["open"] for g in form.rare_groups()}
    has_no_substitute = any(i["substitute"] is None for i in issues)
    assert groups["代替文字がない文字を含む場合（かな表記）"] is has_no_substitute


def test_visit2_for_password_init_shows_only_what_applies(clerk_client, clerk, counter_open):
    kiyo = with_certificates(clerk)
    app = services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="1回目",
        kind="password_init",
        signing=True,
        user=False,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="大阪府吹田市山田東1丁目1番1号",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
    )
    form = clerk_client.get(url(kiyo, "proxy-visit2", app)).context["form"]
    assert "certificate_name" not in form.fields and "certificate_address" not in form.fields
    assert "暗証番号初期化" in str(form.fields["application_form_checked"].label)
