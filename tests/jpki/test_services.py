"""Service tests: every procedure, every refusal, and that a refusal writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jpki import services
from jpki.models import Application, Card, Certificate, IdentityDocument, ProxyAuthorization
from jpki.services import DocumentShown
from residents import services as resident_services
from residents.models import Resident
from tests.conftest import at
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 10, 5)  # Wednesday, counter open


def counts():
    return (
        Application.objects.count(),
        Certificate.objects.count(),
        ProxyAuthorization.objects.count(),
        IdentityDocument.objects.count(),
        Certificate.history.count(),
    )


def field_errors(excinfo):
    return excinfo.value.message_dict


# --- scenario 1: in person, new issuance ---------------------------------------------------------


def test_new_issuance_in_person_scenario_1(clerk, card):
    app = services.certificates_issue(
        resident=card.resident, actor=clerk, reason="窓口で新規発行", signing=True, user=True, at=NOW
    )
    assert app.kind == Application.Kind.NEW
    assert app.status == Application.Status.COMPLETED
    assert app.office == clerk.staff_profile.office
    certs = {c.kind: c for c in Certificate.objects.filter(card=card, status="valid")}
    assert certs["signing"].expires_on == dt.date(2031, 6, 1)
    assert certs["user"].expires_on == dt.date(2031, 6, 1)
    assert app.fee_due == 0
    history = Certificate.history.filter(id=certs["signing"].id).first()
    assert history.history_user == clerk
    assert history.history_change_reason == "窓口で新規発行"
    assert Application.history.filter(id=app.id).first().history_user == clerk


def test_plan_shows_renewal_window_and_fee(card):
    plan = services.issuance_plan(resident=card.resident, signing=True, user=True, on=dt.date(2026, 11, 25))
    assert plan.ok
    assert plan.signing_expires_on == dt.date(2031, 6, 1)
    assert plan.signing_renewal_starts_on == dt.date(2031, 3, 2)
    assert plan.fee == 0
    assert plan.revokes == []


# --- refusals ------------------------------------------------------------------------------------------


def test_refuses_not_registered(clerk, card):
    card.resident.status = Resident.Status.MOVED_OUT
    card.resident.save()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=card.resident, actor=clerk, reason="r", signing=True, user=True, at=NOW)
    assert "住民登録がない" in field_errors(exc)["resident"][0]
    assert counts() == before


def test_refuses_juki_card(clerk, resident):
    CardFactory(resident=resident, kind=Card.Kind.JUKI, issued_on=dt.date(2014, 1, 1), expires_on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=resident, actor=clerk, reason="r", signing=False, user=True, at=NOW)
    assert "住基カード" in field_errors(exc)["card"][0]
    assert Certificate.objects.count() == 0


def test_refuses_without_card(clerk, resident):
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=resident, actor=clerk, reason="r", signing=True, user=True, at=NOW)
    assert "card" in field_errors(exc)


def test_child_gets_user_certificate_only_scenario_6(clerk):
    child = ResidentFactory(name="渡辺　ゆい", name_kana="ワタナベ　ユイ", birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2025, 1, 10), expires_on=dt.date(2030, 5, 5))
    mother = [DocumentShown("legal", "driving_licence", "大阪府公安委員会", "123456789012")]
    legal = dict(legal_authority_document="戸籍謄本", legal_authority_issued_on=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=child,
            actor=clerk,
            reason="r",
            signing=True,
            user=True,
            applicant_type="legal",
            documents=mother,
            at=NOW,
            **legal,
        )
    assert "15歳未満" in field_errors(exc)["signing"][0]
    app = services.certificates_issue(
        resident=child,
        actor=clerk,
        reason="r",
        signing=False,
        user=True,
        applicant_type="legal",
        documents=mother,
        at=NOW,
        **legal,
    )
    assert [c.kind for c in app.certificates.all()] == ["user"]
    doc = app.identity_documents.get()
    assert doc.number_last4 == "9012"


def test_child_needs_legal_representative(clerk):
    child = ResidentFactory(birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2025, 1, 10), expires_on=dt.date(2030, 5, 5))
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=child, actor=clerk, reason="r", signing=False, user=True, at=NOW)
    assert "法定代理人" in field_errors(exc)["applicant_type"][0]


def test_legal_authority_document_must_be_recent(clerk):
    child = ResidentFactory(birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2025, 1, 10), expires_on=dt.date(2030, 5, 5))
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=child,
            actor=clerk,
            reason="r",
            signing=False,
            user=True,
            applicant_type="legal",
            legal_authority_document="戸籍謄本",
            legal_authority_issued_on=dt.date(2026, 6, 1),
            documents=[DocumentShown("legal", "passport", "外務省", "TZ1234567")],
            at=NOW,
        )
    assert "3か月以内" in field_errors(exc)["legal_authority_issued_on"][0]


def test_adult_ward_no_signing(clerk):
    ward = ResidentFactory(is_adult_ward=True, birth_date=dt.date(1950, 3, 3))
    CardFactory(resident=ward)
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=ward,
            actor=clerk,
            reason="r",
            signing=True,
            user=False,
            applicant_type="legal",
            legal_authority_document="登記事項証明書",
            legal_authority_issued_on=dt.date(2026, 11, 1),
            documents=[DocumentShown("legal", "passport")],
            at=NOW,
        )
    assert "成年被後見人" in field_errors(exc)["signing"][0]


def test_refuses_outside_counter_hours_unless_confirmed(clerk, card):
    saturday = at(2026, 11, 28, 10, 0)
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=card.resident, actor=clerk, reason="r", signing=True, user=True, at=saturday
        )
    assert "2026-11-30" in field_errors(exc)["outside_hours_confirmed"][0]
    app = services.certificates_issue(
        resident=card.resident,
        actor=clerk,
        reason="r",
        signing=True,
        user=True,
        at=saturday,
        outside_hours_confirmed=True,
    )
    assert app.outside_counter_hours is True


def test_year_end_next_day_message(clerk, card):
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=card.resident, actor=clerk, reason="r", signing=True, user=True, at=at(2026, 12, 29, 10)
        )
    assert "2027-01-04" in field_errors(exc)["outside_hours_confirmed"][0]


def test_proxy_cannot_get_same_day_issuance(clerk, card):
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=card.resident, actor=clerk, reason="r", signing=True, user=True, applicant_type="proxy", at=NOW
        )
    assert "即日" in field_errors(exc)["applicant_type"][0]


def test_reason_required(clerk, card):
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=card.resident, actor=clerk, reason=" ", signing=True, user=True, at=NOW)
    assert "reason" in field_errors(exc)


def test_suspended_card_refused(clerk, card):
    services.card_report_lost(card=card, actor=clerk, reason="紛失届", at=NOW)
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=card.resident, actor=clerk, reason="r", signing=False, user=True, at=NOW)
    assert "一時停止" in field_errors(exc)["card"][0]


def test_unsupported_character_without_substitute_is_refused(clerk):
    res = ResidentFactory(name="𩸽野　太郎")
    CardFactory(resident=res)
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=res, actor=clerk, reason="r", signing=True, user=True, at=NOW)
    assert "𩸽" in field_errors(exc)["certificate_name"][0]
    assert Certificate.objects.count() == 0 and Application.objects.count() == 0
    app = services.certificates_issue(
        resident=res, actor=clerk, reason="r", signing=True, user=True, at=NOW, certificate_name="ホッケ野　太郎"
    )
    assert app.certificates.first().name_in_certificate == "ホッケ野　太郎"


# --- renewal -------------------------------------------------------------------------------------------


def make_ito(clerk):
    ito = ResidentFactory(name="伊藤　健", name_kana="イトウ　ケン", birth_date=dt.date(1980, 8, 17))
    card = CardFactory(resident=ito, issued_on=dt.date(2022, 8, 1), expires_on=dt.date(2032, 8, 17))
    for kind in ("user", "signing"):
        CertificateFactory(card=card, kind=kind, issued_on=dt.date(2022, 8, 1), expires_on=dt.date(2027, 8, 17))
    return ito, card


def test_renewal_refused_before_window_scenario_5(clerk):
    ito, _ = make_ito(clerk)
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(resident=ito, actor=clerk, reason="r", signing=True, user=True, at=at(2027, 5, 17))
    assert "2027-05-18 から" in field_errors(exc)["signing"][0]


def test_renewal_in_window_scenario_5(clerk):
    ito, card = make_ito(clerk)
    app = services.certificates_issue(
        resident=ito, actor=clerk, reason="更新", signing=True, user=True, at=at(2027, 5, 18)
    )
    assert app.kind == Application.Kind.RENEWAL
    new = Certificate.objects.filter(card=card, status="valid")
    assert {c.expires_on for c in new} == {dt.date(2032, 8, 17)}
    old = Certificate.objects.filter(card=card, status="revoked")
    assert old.count() == 2 and all(c.revocation_reason == services.REASON_RENEWAL for c in old)


def test_after_expiry_new_issuance_scenario_5(clerk):
    ito, card = make_ito(clerk)
    services.expire_due(on=dt.date(2027, 8, 18))
    app = services.certificates_issue(
        resident=ito, actor=clerk, reason="r", signing=True, user=True, at=at(2027, 8, 18)
    )
    assert app.kind == Application.Kind.NEW
    assert {c.expires_on for c in app.certificates.all()} == {dt.date(2032, 8, 17)}


# --- basic-4 change, departure -------------------------------------------------------------------


def test_address_change_revokes_signing_only_scenario_3(clerk):
    takahashi = ResidentFactory(name="高橋　次郎", name_kana="タカハシ　ジロウ", birth_date=dt.date(1975, 4, 2))
    card = CardFactory(resident=takahashi)
    user = CertificateFactory(card=card, kind="user", expires_on=dt.date(2027, 4, 2))
    signing = CertificateFactory(card=card, kind="signing", expires_on=dt.date(2027, 4, 2))
    revoked = services.resident_change_basic_info(
        resident=takahashi,
        actor=clerk,
        reason="転居届",
        at=NOW,
        address_town="大阪府吹田市千里山西",
        address_block="1丁目2番3号",
        postal_code="565-0851",
    )
    assert [c.pk for c in revoked] == [signing.pk]
    signing.refresh_from_db()
    user.refresh_from_db()
    assert signing.status == "revoked" and signing.revocation_reason == "基本4情報の変更"
    assert user.status == "valid"
    # A new signing certificate the same day, capped by the user certificate.
    app = services.certificates_issue(resident=takahashi, actor=clerk, reason="r", signing=True, user=False, at=NOW)
    assert app.certificates.get().expires_on == dt.date(2027, 4, 2)


def test_kana_only_change_keeps_signing(clerk, card):
    signing = CertificateFactory(card=card, kind="signing")
    revoked = services.resident_change_basic_info(
        resident=card.resident, actor=clerk, reason="カナ訂正", at=NOW, name_kana="ヤマダ　ハナ子"
    )
    assert revoked == []
    signing.refresh_from_db()
    assert signing.status == "valid"


def test_death_ends_card_and_certificates(clerk, card):
    CertificateFactory(card=card, kind="signing")
    CertificateFactory(card=card, kind="user")
    services.resident_record_departure(
        resident=card.resident, status="deceased", on=dt.date(2026, 11, 20), actor=clerk, reason="死亡届", at=NOW
    )
    card.refresh_from_db()
    assert card.status == Card.Status.REVOKED
    assert not Certificate.objects.filter(status="valid").exists()


def test_moving_out_revokes_signing_keeps_user(clerk, card):
    CertificateFactory(card=card, kind="signing")
    user = CertificateFactory(card=card, kind="user")
    services.resident_record_departure(
        resident=card.resident, status="moved_out", on=dt.date(2026, 11, 20), actor=clerk, reason="転出届", at=NOW
    )
    user.refresh_from_db()
    assert user.status == "valid"
    assert Certificate.objects.get(kind="signing").revocation_reason == "転出"


# --- loss and reissue -------------------------------------------------------------------------------


def test_loss_found_and_reissue_scenario_4(clerk, card):
    signing = CertificateFactory(card=card, kind="signing")
    user = CertificateFactory(card=card, kind="user")
    services.card_report_lost(card=card, actor=clerk, reason="紛失届（24時間コールセンター経由）", at=NOW)
    signing.refresh_from_db()
    card.refresh_from_db()
    assert card.status == "suspended" and signing.status == "revoked"
    services.card_report_found(card=card, actor=clerk, reason="発見", at=NOW)
    card.refresh_from_db()
    assert card.status == "active"
    services.card_report_lost(card=card, actor=clerk, reason="再度紛失", at=NOW)
    with pytest.raises(ValidationError) as exc:
        services.card_reissue(
            resident=card.resident,
            actor=clerk,
            reason="再交付",
            issued_on=dt.date(2026, 11, 25),
            signing=True,
            user=True,
            fee_paid=False,
            at=NOW,
        )
    assert "200円" in field_errors(exc)["fee_paid"][0]
    app = services.card_reissue(
        resident=card.resident,
        actor=clerk,
        reason="再交付",
        issued_on=dt.date(2026, 11, 25),
        signing=True,
        user=True,
        fee_paid=True,
        fee_receipt_number="R-001",
        at=NOW,
    )
    assert app.fee_due == 200 and app.fee_paid
    card.refresh_from_db()
    user.refresh_from_db()
    assert card.status == "lost" and user.status == "revoked"
    assert app.card.status == "active" and app.card.expires_on == dt.date(2036, 6, 1)
    assert app.certificates.filter(status="valid").count() == 2


@pytest.mark.parametrize("signing,user,fee", [(True, True, 200), (True, False, 200), (False, True, 200)])
def test_reissue_fee(clerk, card, signing, user, fee):
    services.card_report_lost(card=card, actor=clerk, reason="紛失", at=NOW)
    app = services.card_reissue(
        resident=card.resident,
        actor=clerk,
        reason="再交付",
        issued_on=dt.date(2026, 11, 25),
        signing=signing,
        user=user,
        fee_paid=True,
        at=NOW,
    )
    assert app.fee_due == fee


def test_card_issue_uses_rules_and_one_active_card(clerk, resident):
    card = services.card_issue(resident=resident, actor=clerk, reason="交付", issued_on=dt.date(2024, 6, 10))
    assert card.expires_on == dt.date(2034, 6, 1)
    with pytest.raises(ValidationError):
        services.card_issue(resident=resident, actor=clerk, reason="交付", issued_on=dt.date(2024, 6, 11))


def test_card_issue_period_of_stay(clerk):
    foreign = ResidentFactory(residence_status="技術・人文知識・国際業務", period_of_stay_ends_on=dt.date(2028, 3, 31))
    card = services.card_issue(resident=foreign, actor=clerk, reason="交付", issued_on=dt.date(2026, 4, 1))
    assert card.expires_on == dt.date(2028, 3, 31)
    permanent = ResidentFactory(residence_status="永住者", period_of_stay_ends_on=dt.date(2028, 3, 31))
    card = services.card_issue(resident=permanent, actor=clerk, reason="交付", issued_on=dt.date(2026, 4, 1))
    assert card.expires_on == dt.date(2035, 6, 1)  # 10th birthday after 2026-04-01


# --- revocation and password initialization ---------------------------------------------------------


def test_revocation_on_request(clerk, card):
    CertificateFactory(card=card, kind="signing")
    app = services.certificates_revoke(
        resident=card.resident, actor=clerk, reason="失効申請", signing=True, user=False, at=NOW
    )
    assert app.kind == "revocation"
    assert Certificate.objects.get(kind="signing").status == "revoked"
    with pytest.raises(ValidationError) as exc:
        services.certificates_revoke(resident=card.resident, actor=clerk, reason="r", signing=True, user=False, at=NOW)
    assert "有効な署名用" in field_errors(exc)["signing"][0]


def test_password_initialization(clerk, card):
    CertificateFactory(card=card, kind="user")
    app = services.passwords_initialize(
        resident=card.resident, actor=clerk, reason="ロック解除", signing=False, user=True, at=NOW
    )
    assert app.kind == "password_init" and app.status == "completed"
    with pytest.raises(ValidationError) as exc:
        services.passwords_initialize(resident=card.resident, actor=clerk, reason="r", signing=True, user=False, at=NOW)
    assert "signing" in field_errors(exc)


# --- the proxy flow (scenario 2) ---------------------------------------------------------------------


@pytest.fixture
def kiyo(db):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29), sex="female")
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    return kiyo


def visit1(clerk, kiyo, **extra):
    return services.proxy_visit1(
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
        **extra,
    )


CHECKLIST = {
    "resident_card_checked": True,
    "proxy_photo_id_checked": True,
    "reply_complete": True,
    "power_of_attorney_complete": True,
    "envelope_sealed": True,
    "application_form_checked": True,
}
LICENCE = DocumentShown("proxy", "driving_licence", "大阪府公安委員会", "1234 5678 9012")


def test_proxy_flow_scenario_2(clerk, kiyo):
    app = visit1(clerk, kiyo)
    assert app.status == "awaiting_letter" and not Certificate.objects.exists()
    assert app.identity_documents.count() == 0  # no ID on visit 1 is allowed
    services.proxy_letter_sent(application=app, actor=clerk, reason="簡易書留で発送", at=at(2026, 11, 25, 17))
    done = services.proxy_visit2(
        application=app,
        actor=clerk,
        reason="代理人申請（2回目）",
        checklist=CHECKLIST,
        proxy_document=LICENCE,
        at=at(2026, 12, 7, 11),
    )
    assert done.status == "completed"
    certs = Certificate.objects.filter(card__resident=kiyo, status="valid")
    assert {c.expires_on for c in certs} == {dt.date(2031, 2, 28)}
    assert done.proxy.stage == "visit2"
    assert done.identity_documents.get(visit=2).number_last4 == "9012"


def test_proxy_visit2_same_day_refused(clerk, kiyo):
    app = visit1(clerk, kiyo)
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 25, 12))
    with pytest.raises(ValidationError) as exc:
        services.proxy_visit2(
            application=app,
            actor=clerk,
            reason="r",
            checklist=CHECKLIST,
            proxy_document=LICENCE,
            at=at(2026, 11, 25, 16),
        )
    assert "即日" in field_errors(exc)["application"][-1]
    assert not Certificate.objects.exists()


def test_proxy_visit2_needs_photo_id(clerk, kiyo):
    app = visit1(clerk, kiyo)
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 25, 17))
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.proxy_visit2(
            application=app,
            actor=clerk,
            reason="r",
            checklist=CHECKLIST,
            proxy_document=DocumentShown("proxy", "health_insurance_card"),
            at=at(2026, 12, 7),
        )
    assert field_errors(exc)["proxy_document_kind"][0].startswith("官公署発行の顔写真付き本人確認書類が必要です")
    assert counts() == before


def test_proxy_visit2_checklist_each_item(clerk, kiyo):
    app = visit1(clerk, kiyo)
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 25, 17))
    for key in CHECKLIST:
        with pytest.raises(ValidationError) as exc:
            services.proxy_visit2(
                application=app,
                actor=clerk,
                reason="r",
                checklist={**CHECKLIST, key: False},
                proxy_document=LICENCE,
                at=at(2026, 12, 7),
            )
        assert key in field_errors(exc)


def test_proxy_return_ends_application(clerk, kiyo):
    app = visit1(clerk, kiyo)
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 25, 17))
    services.proxy_letter_returned(
        application=app, actor=clerk, reason="返戻", return_reason="あて所に尋ねあたりません", at=at(2026, 11, 30)
    )
    app.refresh_from_db()
    assert app.status == "returned"
    with pytest.raises(ValidationError) as exc:
        services.proxy_visit2(
            application=app, actor=clerk, reason="r", checklist=CHECKLIST, proxy_document=LICENCE, at=at(2026, 12, 7)
        )
    assert "返戻" in field_errors(exc)["application"][0]


def test_proxy_reply_recorded_once(clerk, kiyo):
    app = visit1(clerk, kiyo)
    with pytest.raises(ValidationError):
        services.proxy_reply_received(application=app, actor=clerk, reason="r", at=at(2026, 11, 26))
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 25, 17))
    services.proxy_reply_received(application=app, actor=clerk, reason="回答書受理", at=at(2026, 12, 1))
    with pytest.raises(ValidationError) as exc:
        services.proxy_reply_received(application=app, actor=clerk, reason="r", at=at(2026, 12, 1))
    assert "既に受理" in field_errors(exc)["application"][0]


def test_proxy_not_for_child(clerk):
    child = ResidentFactory(birth_date=dt.date(2014, 5, 5))
    CardFactory(resident=child, issued_on=dt.date(2025, 1, 10), expires_on=dt.date(2030, 5, 5))
    with pytest.raises(ValidationError) as exc:
        visit1(clerk, child)
    assert "任意代理人" in field_errors(exc)["applicant_type"][0]


def test_proxy_visit1_records_optional_document(clerk, kiyo):
    app = visit1(
        clerk, kiyo, proxy_document=DocumentShown("proxy", "health_insurance_card", "協会けんぽ", "ABC-987654")
    )
    assert app.identity_documents.get().number_last4 == "7654"


def test_proxy_password_initialization(clerk, kiyo):
    card = kiyo.cards.get()
    CertificateFactory(card=card, kind="user", expires_on=dt.date(2031, 2, 28))
    app = services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="r",
        kind="password_init",
        signing=False,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="吹田市",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=NOW,
    )
    services.proxy_letter_sent(application=app, actor=clerk, reason="発送", at=at(2026, 11, 26))
    done = services.proxy_visit2(
        application=app, actor=clerk, reason="r", checklist=CHECKLIST, proxy_document=LICENCE, at=at(2026, 12, 7)
    )
    assert done.status == "completed" and done.kind == "password_init"


# --- expiry -------------------------------------------------------------------------------------------


def test_expire_certificates_command_idempotent(clerk, card):
    cert = CertificateFactory(card=card, kind="user", expires_on=dt.date(2026, 11, 24))
    keep = CertificateFactory(card=card, kind="signing", expires_on=dt.date(2026, 11, 25))
    call_command("expire_certificates", "--on", "2026-11-25")
    call_command("expire_certificates", "--on", "2026-11-25")
    cert.refresh_from_db()
    keep.refresh_from_db()
    assert cert.status == "expired" and keep.status == "valid"
    assert Certificate.history.filter(id=cert.id, status="expired").count() == 1
    assert (
        Certificate.history.filter(id=cert.id, status="expired").get().history_change_reason == services.REASON_EXPIRED
    )


def test_expired_card_takes_certificates_along(card):
    card.expires_on = dt.date(2026, 11, 1)
    card.save()
    cert = CertificateFactory(card=card, kind="user", issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2029, 6, 1))
    services.expire_due(on=dt.date(2026, 11, 25))
    cert.refresh_from_db()
    assert cert.status == "expired"


@pytest.mark.parametrize("issued_on", [dt.date(2099, 1, 1), dt.date(1900, 1, 1)])
def test_card_issue_date_refused_not_crashing(clerk, resident, issued_on):
    with pytest.raises(ValidationError) as exc:
        services.card_issue(resident=resident, actor=clerk, reason="交付", issued_on=issued_on)
    assert "issued_on" in field_errors(exc)
    assert not Card.objects.exists()


def test_substitution_table_service(clerk):
    from residents.models import CharacterSubstitution

    entry = resident_services.substitution_save(
        actor=clerk, reason="本人申出", original="\U00029e3d", substitute="ほっけ"
    )
    assert CharacterSubstitution.history.filter(id=entry.id).first().history_user == clerk
    with pytest.raises(ValidationError) as exc:
        resident_services.substitution_save(actor=clerk, reason="r", original="高", substitute="高")
    assert "original" in field_errors(exc)
