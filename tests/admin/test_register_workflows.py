"""The counter's register procedures as a clerk sees them: 転入（手入力）, 有効期間の変更 and the
基本4情報 change with the address in the register's form (issue 12, point 3)."""

import datetime as dt

import pytest
from django.urls import reverse

from jpki import services
from jpki.models import Card, OutsideHoursRecord, ProcedureSubmission
from residents.models import Resident
from tests.admin.conftest import OPEN_NOW, frozen
from tests.factories import CardFactory, CertificateFactory, ResidentFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

MOVE_IN_URL = "/admin/residents/resident/move-in/"
ARRIVAL = {
    "resident_key": "A00012345",
    "on": "2026-11-24",
    "name": "髙橋　一郎",
    "name_kana": "タカハシ　イチロウ",
    "birth_date": "1980-04-02",
    "sex": "male",
    "postal_code": "５６４－００４１",
    "address_town": "大阪府吹田市泉町",
    "address_block": "１－２－３",
    "address_building": "泉ハイツ101",
    "reason": "転入届（連携前）",
}


def review(client, url, data):
    return client.post(url, {**data, "_step": "review"})


def confirm(client, url, data):
    page = review(client, url, data)
    token = page.context.get("submission_token") if page.status_code == 200 else None
    return client.post(url, {**data, "_step": "confirm", "_submission": token or ""})


def errors(page, field):
    return page.context["form"].errors.get(field, [])


# --- 転入（手入力） ------------------------------------------------------------------------------------


def test_move_in_form_confirm_result(clerk_client, clerk, counter_open):
    form = clerk_client.get(MOVE_IN_URL)
    assert form.status_code == 200
    assert "宛名番号" in form.content.decode()

    page = review(clerk_client, MOVE_IN_URL, ARRIVAL)
    assert page.context["step"] == "confirm", page.context["form"].errors
    text = page.content.decode()
    assert "1丁目2番3号" in text  # the typed １－２－３ as the register writes it
    assert "564-0041" in text
    assert "代替文字: 高" in text  # 髙 cannot go into a certificate: listed for 代替文字
    assert Resident.objects.count() == 0  # the confirm step records nothing

    done = confirm(clerk_client, MOVE_IN_URL, ARRIVAL)
    assert done.status_code == 302
    resident = Resident.objects.get(resident_key="A00012345")
    assert done["Location"] == reverse("admin:residents_resident_move_in_done", args=[resident.pk])
    assert resident.name == "髙橋　一郎"  # the register keeps the true character
    assert resident.address_block == "1丁目2番3号"
    assert resident.postal_code == "564-0041"
    assert resident.is_registered and resident.status_changed_on == dt.date(2026, 11, 24)
    assert resident.history.get().history_user == clerk
    result = clerk_client.get(done["Location"])
    assert result.status_code == 200
    assert "A00012345" in result.content.decode()
    assert not OutsideHoursRecord.objects.exists()


def test_move_in_twice_with_one_token_registers_once(clerk_client, counter_open):
    page = review(clerk_client, MOVE_IN_URL, ARRIVAL)
    data = {**ARRIVAL, "_step": "confirm", "_submission": page.context["submission_token"]}
    first = clerk_client.post(MOVE_IN_URL, data)
    second = clerk_client.post(MOVE_IN_URL, data)
    assert first.status_code == second.status_code == 302
    assert Resident.objects.count() == 1
    assert ProcedureSubmission.objects.count() == 1
    assert second["Location"] == reverse("admin:residents_resident_change", args=[Resident.objects.get().pk])


def test_move_in_duplicate_key_refused_at_the_field(clerk_client, counter_open):
    ResidentFactory(resident_key="A00012345", name="山田　太郎")
    page = review(clerk_client, MOVE_IN_URL, ARRIVAL)
    assert page.context["step"] == "form"
    assert any("既に登録されています" in e and "山田　太郎" in e for e in errors(page, "resident_key"))
    assert Resident.objects.count() == 1


@pytest.mark.parametrize("key", ["123456789018", "1234 5678 9018", "１２３４５６７８９０１８"])
def test_move_in_refuses_an_individual_number_as_key(clerk_client, counter_open, key):
    page = review(clerk_client, MOVE_IN_URL, {**ARRIVAL, "resident_key": key})
    assert any("個人番号" in e for e in errors(page, "resident_key"))
    assert Resident.objects.count() == 0


@pytest.mark.parametrize("key", ["", "A-1", "1234567890123456", "あいう"])
def test_move_in_refuses_a_key_that_is_no_resident_key(clerk_client, counter_open, key):
    page = review(clerk_client, MOVE_IN_URL, {**ARRIVAL, "resident_key": key})
    assert errors(page, "resident_key")


def test_move_in_block_with_an_individual_number_is_refused_as_such(clerk_client, counter_open):
    page = review(clerk_client, MOVE_IN_URL, {**ARRIVAL, "address_block": "123456789018"})
    assert any("個人番号" in e for e in errors(page, "address_block"))


def test_move_in_unreadable_block_shows_the_expected_form(clerk_client, counter_open):
    page = review(clerk_client, MOVE_IN_URL, {**ARRIVAL, "address_block": "2-3"})
    assert any("1丁目2番3号" in e for e in errors(page, "address_block"))


def test_move_in_stores_names_in_nfc(clerk_client, counter_open):
    data = {**ARRIVAL, "name": "カ\u3099リレオ　ヘ\u309aレス", "name_kana": "ガリレオ　ペレス"}
    assert confirm(clerk_client, MOVE_IN_URL, data).status_code == 302
    assert Resident.objects.get().name == "ガリレオ　ペレス"


def test_move_in_lists_characters_no_letter_font_has(clerk_client, counter_open):
    data = {**ARRIVAL, "name": "NGUYỄN　VAN", "name_kana": "グエン　ヴァン"}
    page = review(clerk_client, MOVE_IN_URL, data)
    assert page.context["step"] == "confirm"
    assert any("通知書の書体にない文字" in w and "Ễ" in w for w in page.context["preview"].warnings)
    assert confirm(clerk_client, MOVE_IN_URL, data).status_code == 302  # accepted all the same
    assert Resident.objects.get().name == "NGUYỄN　VAN"


def test_move_in_foreign_resident_needs_the_period_of_stay(clerk_client, counter_open):
    page = review(clerk_client, MOVE_IN_URL, {**ARRIVAL, "residence_status": "留学"})
    assert errors(page, "period_of_stay_ends_on")
    data = {**ARRIVAL, "residence_status": "留学", "period_of_stay_ends_on": "2028-03-31"}
    assert confirm(clerk_client, MOVE_IN_URL, data).status_code == 302
    assert Resident.objects.get().period_of_stay_ends_on == dt.date(2028, 3, 31)
    permanent = {**ARRIVAL, "resident_key": "B1", "residence_status": "永住者"}
    assert confirm(clerk_client, MOVE_IN_URL, permanent).status_code == 302


def test_add_page_sends_the_clerk_to_move_in(clerk_client):
    response = clerk_client.get("/admin/residents/resident/add/")
    assert response.status_code == 302 and response["Location"] == MOVE_IN_URL


def test_move_in_is_not_for_a_supervisor(office):
    from django.test import Client

    client = Client()
    client.force_login(SupervisorFactory(username="sv2", office=office))
    assert client.get("/admin/residents/resident/add/").status_code == 403
    assert client.get(MOVE_IN_URL).status_code == 403


def test_search_without_result_offers_move_in(clerk_client, counter_open):
    page = clerk_client.get("/admin/residents/resident/", {"q": "タカハシ"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="jpki-not-found"' in text and MOVE_IN_URL in text
    ResidentFactory(name="高橋　一郎", name_kana="タカハシ　イチロウ")
    found = clerk_client.get("/admin/residents/resident/", {"q": "タカハシ"}).content.decode()
    assert 'id="jpki-not-found"' not in found
    assert 'id="jpki-move-in"' in found  # the button stays in the tools above the list


# --- 有効期間の変更 -------------------------------------------------------------------------------------


@pytest.fixture
def extended(clerk):
    """A foreign resident: card and certificates end with the old period of stay (2027-01-31); the
    feed's stay_update has extended the stay to 2030-01-31."""
    r = ResidentFactory(
        name="グエン　ヴァン　アン",
        name_kana="グエン　ヴァン　アン",
        birth_date=dt.date(1990, 3, 15),
        residence_status="技術・人文知識・国際業務",
        period_of_stay_ends_on=dt.date(2027, 1, 31),
    )
    card = CardFactory(resident=r, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    for kind in ("user", "signing"):
        CertificateFactory(card=card, kind=kind, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    with frozen(OPEN_NOW):
        services.resident_change_basic_info(
            resident=r, actor=clerk, reason="在留期間更新", period_of_stay_ends_on=dt.date(2030, 1, 31)
        )
    return r


def test_resident_page_says_the_validity_change_is_needed(clerk_client, extended, counter_open):
    page = clerk_client.get(f"/admin/residents/resident/{extended.pk}/change/").content.decode()
    assert "有効期間の変更が必要です" in page
    assert "2027-01-31" in page and "2030-01-31" in page
    assert 'data-procedure="card-validity"' in page


def test_validity_change_then_certificates_up_to_the_new_end(clerk_client, clerk, extended, counter_open):
    url = f"/admin/residents/resident/{extended.pk}/procedure/card-validity/"
    page = review(clerk_client, url, {"reason": "在留期間の更新"})
    assert page.context["step"] == "confirm"
    assert "2027-01-31 → 2030-01-31" in page.content.decode()
    assert Card.objects.get().expires_on == dt.date(2027, 1, 31)

    assert confirm(clerk_client, url, {"reason": "在留期間の更新"}).status_code == 302
    card = Card.objects.get()
    assert card.expires_on == dt.date(2030, 1, 31)
    changed = card.history.get(history_change_reason="在留期間の更新")
    assert (changed.expires_on, changed.history_user) == (dt.date(2030, 1, 31), clerk)
    assert card.certificates.filter(status="valid", expires_on=dt.date(2027, 1, 31)).count() == 2  # unchanged

    resident_page = clerk_client.get(f"/admin/residents/resident/{extended.pk}/change/").content.decode()
    assert "有効期間の変更が必要です" not in resident_page
    # the issuance now goes up to the new end of stay (a renewal: the old ones are in their window)
    issue = review(
        clerk_client,
        f"/admin/residents/resident/{extended.pk}/procedure/issue/",
        {"signing": "on", "user": "on", "applicant_type": "self", "document_kind": "residence_card", "reason": "更新"},
    )
    assert issue.context["step"] == "confirm", issue.context["form"].errors
    assert "2030-01-31" in issue.content.decode()


def test_validity_change_refused_when_the_stay_was_not_extended(clerk_client, counter_open):
    r = ResidentFactory(residence_status="留学", period_of_stay_ends_on=dt.date(2027, 1, 31))
    CardFactory(resident=r, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    page = clerk_client.get(f"/admin/residents/resident/{r.pk}/change/").content.decode()
    assert "有効期間の変更が必要です" not in page
    review_page = review(clerk_client, f"/admin/residents/resident/{r.pk}/procedure/card-validity/", {"reason": "x"})
    assert review_page.context["step"] == "form"
    assert review_page.context["form"].non_field_errors()


def test_validity_change_after_becoming_a_permanent_resident(clerk, counter_open):
    r = ResidentFactory(
        birth_date=dt.date(1990, 3, 15), residence_status="留学", period_of_stay_ends_on=dt.date(2027, 1, 31)
    )
    card = CardFactory(resident=r, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    assert services.card_validity_new_expiry(r, card) is None  # the stay still ends with the card
    r.residence_status, r.period_of_stay_ends_on = "永住者", None  # the feed's stay_update
    assert services.card_validity_new_expiry(r, card) == dt.date(2033, 3, 15)  # 10th birthday after issue
    japanese = ResidentFactory(birth_date=dt.date(1990, 3, 15))
    assert (
        services.card_validity_new_expiry(japanese, CardFactory(resident=japanese, expires_on=dt.date(2027, 1, 31)))
        is None
    )


# --- 基本4情報: the address in the register's form ------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [("1-2-3", "1丁目2番3号"), ("２－１０－５", "2丁目10番5号")])
def test_basic_info_typed_block_is_normalised_and_shown(clerk_client, hanako, counter_open, typed, stored):
    url = f"/admin/residents/resident/{hanako.pk}/procedure/basic-info/"
    data = {
        "name": hanako.name,
        "name_kana": hanako.name_kana,
        "birth_date": hanako.birth_date.isoformat(),
        "sex": hanako.sex,
        "postal_code": "565-0851",
        "address_town": "大阪府吹田市千里山西",
        "address_block": typed,
        "reason": "市内転居",
    }
    page = review(clerk_client, url, data)
    assert page.context["step"] == "confirm"
    assert stored in page.content.decode()
    assert confirm(clerk_client, url, data).status_code == 302
    hanako.refresh_from_db()
    assert hanako.address_block == stored


def test_basic_info_unreadable_block_is_refused_with_the_form_shown(clerk_client, hanako, counter_open):
    url = f"/admin/residents/resident/{hanako.pk}/procedure/basic-info/"
    data = {
        "name": hanako.name,
        "name_kana": hanako.name_kana,
        "birth_date": hanako.birth_date.isoformat(),
        "sex": hanako.sex,
        "postal_code": hanako.postal_code,
        "address_town": hanako.address_town,
        "address_block": "1-2-3-405",
        "reason": "市内転居",
    }
    page = review(clerk_client, url, data)
    assert page.context["step"] == "form"
    assert any("1丁目2番3号" in e for e in errors(page, "address_block"))


def test_the_dashboard_offers_the_move_in_to_clerks_only(clerk_client, client, db):
    from django.contrib.auth.models import User

    page = clerk_client.get(reverse("admin:index")).content.decode()
    assert 'id="dash-move-in"' in page and reverse("admin:residents_resident_move_in") in page
    assert clerk_client.get(reverse("admin:residents_resident_move_in")).status_code == 200
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)  # staff without the register's right
    client.force_login(viewer)
    assert 'id="dash-move-in"' not in client.get(reverse("admin:index")).content.decode()
