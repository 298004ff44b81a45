"""Counter procedures through the admin, as a clerk of group 窓口職員 (never a superuser).

Every refusal must show up as a Japanese message at the field (or step) where it arises, and a
refused procedure writes nothing.
"""

import datetime as dt

import pytest

from jpki import services
from jpki.models import Application, Card, Certificate, IdentityDocument, ProxyAuthorization
from residents.models import Resident
from tests.admin.conftest import OPEN_NOW, TOKYO, frozen
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def url(resident, slug, application=None):
    base = f"/admin/residents/resident/{resident.pk}/procedure/{slug}/"
    return f"{base}?application={application.pk}" if application else base


def snapshot():
    return (
        Application.objects.count(),
        Certificate.objects.count(),
        Card.objects.count(),
        ProxyAuthorization.objects.count(),
        IdentityDocument.objects.count(),
        Certificate.history.count(),
        Resident.history.count(),
    )


def field_errors(response, field):
    form = response.context["form"]
    return form.errors.get(field, [])


def non_field_errors(response):
    return list(response.context["form"].non_field_errors())


def review(client, resident, slug, data, application=None):
    return client.post(url(resident, slug, application), {**data, "_step": "review"})


def confirm(client, resident, slug, data, application=None):
    """Review, then confirm with the single-use token of that confirm page (jpki.admin.submissions)."""
    page = review(client, resident, slug, data, application)
    token = page.context.get("submission_token") if page.status_code == 200 else None
    return client.post(url(resident, slug, application), {**data, "_step": "confirm", "_submission": token or ""})


ISSUE = {
    "signing": "on",
    "user": "on",
    "applicant_type": "self",
    "document_kind": "mynumber_card",
    "reason": "窓口申請による発行",
}


# --- scenario 1: in person, new issuance -------------------------------------------------------------


def test_issue_both_certificates_confirm_shows_rules_then_result(clerk_client, clerk, hanako, counter_open):
    form_page = clerk_client.get(url(hanako, "issue"))
    assert form_page.status_code == 200
    assert "時間外処理として記録する" in form_page.content.decode()

    before = snapshot()
    page = review(clerk_client, hanako, "issue", ISSUE)
    assert page.context["step"] == "confirm"
    text = page.content.decode()
    assert "2031-06-01" in text  # both expire on her 5th birthday after 2026-11-25
    assert "2031-03-02" in text  # renewal window opens
    assert "0円" in text
    assert snapshot() == before  # the confirm step writes nothing

    done = confirm(clerk_client, hanako, "issue", ISSUE)
    assert done.status_code == 302
    result = clerk_client.get(done["Location"])
    assert "2031-06-01" in result.content.decode()
    certs = Certificate.objects.filter(card__resident=hanako, status="valid")
    assert {c.kind: c.expires_on for c in certs} == {"signing": dt.date(2031, 6, 1), "user": dt.date(2031, 6, 1)}
    app = Application.objects.get()
    assert app.received_by == clerk and app.office == clerk.staff_profile.office
    assert Certificate.history.filter(history_user=clerk, history_change_reason="窓口申請による発行").count() == 2
    assert IdentityDocument.objects.get().kind == "mynumber_card"


def test_renewal_in_window_is_shown_as_renewal(clerk_client, counter_open):
    resident = ResidentFactory(name="伊藤　健", name_kana="イトウ　ケン", birth_date=dt.date(1980, 8, 17))
    card = CardFactory(resident=resident, issued_on=dt.date(2022, 8, 1), expires_on=dt.date(2032, 8, 17))
    for kind in ("signing", "user"):
        CertificateFactory(card=card, kind=kind, issued_on=dt.date(2022, 8, 1), expires_on=dt.date(2027, 2, 17))
    page = review(clerk_client, resident, "issue", ISSUE)
    text = page.content.decode()
    assert "更新" in text and "2032-08-17" in text  # 6th birthday after a renewal on 2026-11-25
    assert "更新により失効" in text


# --- refusals -------------------------------------------------------------------------------------


def test_refused_not_registered(clerk_client, counter_open):
    resident = ResidentFactory(status=Resident.Status.MOVED_OUT)
    CardFactory(resident=resident)
    before = snapshot()
    page = confirm(clerk_client, resident, "issue", ISSUE)
    assert page.status_code == 200
    assert any("住民登録がない" in e for e in non_field_errors(page))
    assert snapshot() == before


def test_refused_juki_card(clerk_client, counter_open):
    resident = ResidentFactory()
    CardFactory(resident=resident, kind=Card.Kind.JUKI)
    before = snapshot()
    page = review(clerk_client, resident, "issue", ISSUE)
    assert any("住基カード" in e for e in non_field_errors(page))
    page = confirm(clerk_client, resident, "issue", ISSUE)
    assert any("住基カード" in e for e in non_field_errors(page))
    assert snapshot() == before


def test_refused_signing_certificate_under_15_at_the_field(clerk_client, counter_open):
    child = ResidentFactory(name="渡辺　ゆい", name_kana="ワタナベ　ユイ", birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2029, 5, 5))
    before = snapshot()
    data = {
        **ISSUE,
        "applicant_type": "legal",
        "legal_authority_document": "戸籍謄本",
        "legal_authority_issued_on": "2026-11-01",
        "document_kind": "driving_licence",
    }
    page = confirm(clerk_client, child, "issue", data)
    assert any("15歳未満" in e for e in field_errors(page, "signing"))
    assert snapshot() == before
    # the user certificate alone is issued to her legal representative
    data.pop("signing")
    page = confirm(clerk_client, child, "issue", data)
    assert page.status_code == 302
    assert Certificate.objects.filter(card__resident=child, kind="user", status="valid").count() == 1


def test_refused_adult_ward_signing(clerk_client, counter_open):
    ward = ResidentFactory(is_adult_ward=True)
    CardFactory(resident=ward)
    page = review(clerk_client, ward, "issue", {**ISSUE, "applicant_type": "legal"})
    assert any("成年被後見人" in e for e in field_errors(page, "signing"))


def test_outside_hours_refused_at_checkbox_then_recorded_when_ticked(clerk_client, hanako, counter_closed):
    page = clerk_client.get(url(hanako, "issue"))
    assert "現在は取扱時間外です" in page.content.decode()
    before = snapshot()
    page = confirm(clerk_client, hanako, "issue", ISSUE)
    errors = field_errors(page, "outside_hours_confirmed")
    assert errors and "取扱時間外" in errors[0] and "2026-11-30" in errors[0]  # Monday after
    assert snapshot() == before
    done = confirm(clerk_client, hanako, "issue", {**ISSUE, "outside_hours_confirmed": "on"})
    assert done.status_code == 302
    assert Application.objects.get().outside_counter_hours is True


def test_form_errors_keep_clerk_on_form(clerk_client, hanako, counter_open):
    page = review(clerk_client, hanako, "issue", {**ISSUE, "reason": ""})
    assert page.context["step"] == "form"
    assert field_errors(page, "reason")


# --- other procedures -------------------------------------------------------------------------------


@pytest.fixture
def hanako_with_certs(hanako, clerk):
    services.certificates_issue(
        resident=hanako, actor=clerk, reason="setup", signing=True, user=True, at=OPEN_NOW - dt.timedelta(days=30)
    )
    return hanako


def test_revoke_signing_only(clerk_client, hanako_with_certs, counter_open):
    data = {"signing": "on", "applicant_type": "self", "document_kind": "mynumber_card", "reason": "本人の申出"}
    page = review(clerk_client, hanako_with_certs, "revoke", data)
    assert "署名用電子証明書" in page.content.decode() and page.context["preview"].revokes
    assert confirm(clerk_client, hanako_with_certs, "revoke", data).status_code == 302
    states = dict(Certificate.objects.values_list("kind", "status"))
    assert states == {"signing": "revoked", "user": "valid"}


def test_revoke_refused_without_valid_certificate(clerk_client, hanako, counter_open):
    data = {"signing": "on", "applicant_type": "self", "reason": "x"}
    page = confirm(clerk_client, hanako, "revoke", data)
    assert any("有効な署名用電子証明書がありません" in e for e in field_errors(page, "signing"))


def test_password_initialization(clerk_client, hanako_with_certs, counter_open):
    data = {
        "signing": "on",
        "user": "on",
        "applicant_type": "self",
        "document_kind": "mynumber_card",
        "reason": "ロック",
    }
    assert review(clerk_client, hanako_with_certs, "password-init", data).context["step"] == "confirm"
    assert confirm(clerk_client, hanako_with_certs, "password-init", data).status_code == 302
    assert Application.objects.filter(kind="password_init").count() == 1


def test_card_lost_then_found(clerk_client, hanako_with_certs, counter_open):
    page = review(clerk_client, hanako_with_certs, "card-lost", {"reason": "紛失届"})
    assert page.context["preview"].revokes  # the signing certificate will be revoked
    assert confirm(clerk_client, hanako_with_certs, "card-lost", {"reason": "紛失届"}).status_code == 302
    assert Card.objects.get().status == "suspended"
    assert Certificate.objects.get(kind="signing").status == "revoked"
    assert confirm(clerk_client, hanako_with_certs, "card-found", {"reason": "発見"}).status_code == 302
    assert Card.objects.get().status == "active"


def test_reissue_with_new_card_fee_200(clerk_client, hanako_with_certs, counter_open):
    data = {
        **ISSUE,
        "document_kind": "passport",  # the lost card is not an ID for its own reissue
        "issued_on": "2026-11-25",
        "old_card_status": "lost",
        "fee_receipt_number": "R-1",
        "reason": "紛失による再交付",
    }
    page = review(clerk_client, hanako_with_certs, "reissue", data)
    assert "200円" in page.content.decode()
    before = snapshot()
    page = confirm(clerk_client, hanako_with_certs, "reissue", data)
    assert any("200円" in e for e in field_errors(page, "fee_paid"))
    assert snapshot() == before
    assert confirm(clerk_client, hanako_with_certs, "reissue", {**data, "fee_paid": "on"}).status_code == 302
    app = Application.objects.get(kind="reissue")
    assert app.fee_due == 200 and app.fee_receipt_number == "R-1"
    assert Card.objects.filter(resident=hanako_with_certs, status="active").count() == 1


def test_basic_info_change_revokes_signing_only(clerk_client, hanako_with_certs, counter_open):
    data = {
        "name": "山田　花子",
        "name_kana": "ヤマダ　ハナコ",
        "birth_date": "1985-06-01",
        "sex": "female",
        "postal_code": "565-0851",
        "address_town": "大阪府吹田市千里山西",
        "address_block": "1丁目2番3号",
        "reason": "市内転居",
    }
    page = review(clerk_client, hanako_with_certs, "basic-info", data)
    assert page.context["preview"].revokes
    assert "千里山西" in page.content.decode()
    assert confirm(clerk_client, hanako_with_certs, "basic-info", data).status_code == 302
    hanako_with_certs.refresh_from_db()
    assert hanako_with_certs.address_town == "大阪府吹田市千里山西"
    assert dict(Certificate.objects.values_list("kind", "status")) == {"signing": "revoked", "user": "valid"}


def test_departure_death_ends_card(clerk_client, hanako_with_certs, counter_open):
    data = {"status": "deceased", "on": "2026-11-20", "reason": "死亡届"}
    assert confirm(clerk_client, hanako_with_certs, "departure", data).status_code == 302
    assert set(Certificate.objects.values_list("status", flat=True)) == {"revoked"}
    assert Card.objects.get().status == "revoked"


def test_card_issue(clerk_client, counter_open):
    resident = ResidentFactory()
    page = review(clerk_client, resident, "card-issue", {"issued_on": "2026-11-25", "reason": "交付"})
    assert "2036-06-01" in page.content.decode()  # 10th birthday after issue
    assert (
        confirm(clerk_client, resident, "card-issue", {"issued_on": "2026-11-25", "reason": "交付"}).status_code == 302
    )
    assert Card.objects.get(resident=resident).expires_on == dt.date(2036, 6, 1)


# --- scenario 2: the proxy, two visits ----------------------------------------------------------------

VISIT1 = {
    "kind": "new",
    "signing": "on",
    "user": "on",
    "proxy_name": "鈴木　一郎",
    "proxy_kana": "スズキ　イチロウ",
    "proxy_birth_date": "1968-04-02",
    "proxy_address": "大阪府吹田市山田西1丁目1番1号",
    "relation": "子",
    "reason": "任意代理人による申請",
}
CHECKLIST = {
    k: "on"
    for k in (
        "resident_card_checked",
        "proxy_photo_id_checked",
        "reply_complete",
        "power_of_attorney_complete",
        "envelope_sealed",
        "application_form_checked",
    )
}
VISIT2 = {
    **CHECKLIST,
    "proxy_document_kind": "driving_licence",
    "proxy_document_issuer": "大阪府公安委員会",
    "proxy_document_number": "123456789012",
    "reason": "2回目来庁",
}


@pytest.fixture
def kiyo(db):
    resident = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=resident, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 2, 28))
    return resident


def _visit1(client, kiyo):
    page = review(client, kiyo, "proxy-visit1", VISIT1)
    assert page.context["step"] == "confirm", page.context["form"].errors
    assert "本日は電子証明書を発行しません" in page.content.decode()
    assert confirm(client, kiyo, "proxy-visit1", VISIT1).status_code == 302
    app = Application.objects.get(applicant_type="proxy")
    assert app.status == "awaiting_letter" and not Certificate.objects.exists()
    return app


def test_proxy_two_visits_end_to_end(clerk_client, kiyo):
    with frozen(OPEN_NOW):
        app = _visit1(clerk_client, kiyo)
        # same day: visit 2 is refused, nothing issued
        page = confirm(clerk_client, kiyo, "proxy-visit2", VISIT2, app)
        assert any("即日" in e or "発送されていません" in e for e in non_field_errors(page))
        sent = {"tracking_number": "1234-5678-9013", "reason": "照会書発送"}
        assert confirm(clerk_client, kiyo, "proxy-letter-sent", sent, app).status_code == 302
    app.refresh_from_db()
    assert app.status == "letter_sent"
    assert app.letters.get().tracking_number == "123456789013"  # its own field, not the reason (issue 10)
    visit2_day = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)
    with frozen(visit2_day):
        assert confirm(clerk_client, kiyo, "proxy-reply", {"reason": "回答書受理"}, app).status_code == 302
        # health-insurance card only: refused at the document field
        before = snapshot()
        page = confirm(
            clerk_client, kiyo, "proxy-visit2", {**VISIT2, "proxy_document_kind": "health_insurance_card"}, app
        )
        assert any(
            "官公署発行の顔写真付き本人確認書類が必要です" in e for e in field_errors(page, "proxy_document_kind")
        )
        assert snapshot() == before
        # a missing checklist item is refused at its checkbox
        page = confirm(clerk_client, kiyo, "proxy-visit2", {**VISIT2, "envelope_sealed": ""}, app)
        assert field_errors(page, "envelope_sealed")
        page = review(clerk_client, kiyo, "proxy-visit2", VISIT2, app)
        assert "2031-02-28" in page.content.decode()
        done = confirm(clerk_client, kiyo, "proxy-visit2", VISIT2, app)
        assert done.status_code == 302
        assert "2031-02-28" in clerk_client.get(done["Location"]).content.decode()
    app.refresh_from_db()
    assert app.status == "completed"
    assert set(Certificate.objects.values_list("expires_on", flat=True)) == {dt.date(2031, 2, 28)}
    assert IdentityDocument.objects.get(visit=2).number_last4 == "9012"


def test_proxy_returned_letter_ends_application(clerk_client, kiyo):
    with frozen(OPEN_NOW):
        app = _visit1(clerk_client, kiyo)
        confirm(clerk_client, kiyo, "proxy-letter-sent", {"tracking_number": "123456789013", "reason": "発送"}, app)
    with frozen(dt.datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)):
        page = confirm(clerk_client, kiyo, "proxy-returned", {"return_reason": "", "reason": "返戻"}, app)
        assert field_errors(page, "return_reason")
        done = confirm(
            clerk_client, kiyo, "proxy-returned", {"return_reason": "address_unknown", "reason": "返戻"}, app
        )
        assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == "returned"
    assert "あて所に尋ねあたりません" in app.proxy.return_reason
    with frozen(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)):
        before = snapshot()
        page = confirm(clerk_client, kiyo, "proxy-visit2", VISIT2, app)
        assert any("返戻" in e for e in non_field_errors(page))
        assert snapshot() == before


def test_proxy_letter_sent_refuses_a_wrong_check_digit_at_the_field_like_the_scan_screen(clerk_client, kiyo):
    from letters import mailing

    with frozen(OPEN_NOW):
        app = _visit1(clerk_client, kiyo)
        before = snapshot()
        sent = {"tracking_number": "1234-5678-9012", "reason": "発送"}  # the check digit would be 3
        page = confirm(clerk_client, kiyo, "proxy-letter-sent", sent, app)
        assert field_errors(page, "tracking_number") == [str(mailing.MSG_CHECK_DIGIT)]
        assert snapshot() == before
    app.refresh_from_db()
    assert app.status != "letter_sent"


def test_proxy_for_a_child_refused(clerk_client, counter_open):
    child = ResidentFactory(birth_date=dt.date(2015, 1, 1))
    CardFactory(resident=child, expires_on=dt.date(2029, 1, 1))
    page = confirm(clerk_client, child, "proxy-visit1", VISIT1)
    assert any("任意代理人" in e for e in non_field_errors(page) + field_errors(page, "signing"))
    assert not Application.objects.exists()


def test_supervisor_cannot_run_procedures(supervisor_client, hanako, counter_open):
    assert supervisor_client.get(url(hanako, "issue")).status_code == 403


@pytest.mark.parametrize("issued_on, message", [("2999-01-01", "未来"), ("1900-01-01", "生年月日より前")])
def test_card_issue_date_out_of_range_is_a_field_error(clerk_client, counter_open, issued_on, message):
    resident = ResidentFactory()
    page = review(clerk_client, resident, "card-issue", {"issued_on": issued_on, "reason": "交付"})
    assert any(message in e for e in field_errors(page, "issued_on"))
    assert not Card.objects.exists()


def test_name_without_substitute_needs_kana_entered_by_the_clerk(clerk_client, clerk, counter_open):
    from tests.factories import CardFactory, ResidentFactory

    hokke = ResidentFactory(name="𩸽野　太郎", name_kana="ホッケノ　タロウ")
    CardFactory(resident=hokke)
    page = review(clerk_client, hokke, "issue", ISSUE)
    assert page.context["step"] == "form"
    assert "𩸽" in " ".join(page.context["form"].errors.get("certificate_name", []))
    assert not Certificate.objects.filter(card__resident=hokke).exists()

    with_kana = {**ISSUE, "certificate_name": "ほっけ野　太郎"}
    page = review(clerk_client, hokke, "issue", with_kana)
    assert page.context["step"] == "confirm"
    assert "ほっけ野　太郎" in page.content.decode()
    done = confirm(clerk_client, hokke, "issue", with_kana)
    assert done.status_code == 302
    cert = Certificate.objects.get(card__resident=hokke, kind="signing")
    assert cert.name_in_certificate == "ほっけ野　太郎"
    hokke.refresh_from_db()
    assert hokke.name == "𩸽野　太郎"  # the register keeps the true characters
