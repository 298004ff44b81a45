"""The one search box: kana in any script or width, dates in several forms, address, letter references."""

import datetime as dt

import pytest

from residents.query import parse_query
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    hanako = ResidentFactory()
    CardFactory(resident=hanako)
    other = ResidentFactory(
        name="高橋　次郎",
        name_kana="タカハシ　ジロウ",
        birth_date=dt.date(1970, 3, 3),
        address_town="大阪府吹田市千里山西",
        address_block="1丁目2番3号",
    )
    return hanako, other


def found(client, q):
    page = client.get("/admin/residents/resident/", {"q": q})
    assert page.status_code == 200
    return {r.pk for r in page.context["cl"].result_list}


@pytest.mark.parametrize(
    "q",
    [
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "ヤマダ ハナコ",
        "やまだはなこ",
        "山田",
        "山田 花子",
        "1985-06-01",
        "1985/6/1",
        "19850601",
        "S60.6.1",
        "昭和60年6月1日",
        "やまだ S60.6.1",
        "泉町",
        "吹田市泉町2丁目",
    ],
)
def test_finds_hanako(clerk_client, people, q):
    hanako, other = people
    assert found(clerk_client, q) == {hanako.pk}


def test_address_and_kana_for_the_other(clerk_client, people):
    _hanako, other = people
    assert found(clerk_client, "千里山西") == {other.pk}
    assert found(clerk_client, "たかはし") == {other.pk}
    assert found(clerk_client, "やまだ 1970-03-03") == set()


def test_row_shows_card_and_certificate_badges(clerk_client, people):
    page = clerk_client.get("/admin/residents/resident/", {"q": "やまだ"})
    text = page.content.decode()
    assert "jpki-badge--valid" in text  # the card
    assert "jpki-badge--none" in text  # no certificates yet


def test_parse_query_dates():
    assert parse_query("H1.1.8").dates == [dt.date(1989, 1, 8)]
    assert parse_query("令和元年5月1日").dates == [dt.date(2019, 5, 1)]
    assert parse_query("１９８５－０６－０１").dates == [dt.date(1985, 6, 1)]
    assert parse_query("やまだ").dates == []


def test_letter_reference_redirects_to_application(clerk_client, clerk, counter_open):
    letters_services = pytest.importorskip("letters.services")
    from jpki import services

    resident = ResidentFactory()
    CardFactory(resident=resident)
    app = services.proxy_visit1(
        resident=resident,
        actor=clerk,
        reason="r",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="吹田市",
        proxy_birth_date=dt.date(1960, 1, 1),
        relation="子",
    )
    letter = letters_services.letter_create(
        kind="inquiry", application=app, actor=clerk, reason="作成", render_now=False
    )
    page = clerk_client.get("/admin/residents/resident/", {"q": letter.reference.lower()})
    assert page.status_code == 302
    assert page["Location"] == f"/admin/jpki/application/{app.pk}/change/"
