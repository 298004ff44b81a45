import datetime as dt

import pytest

from residents.models import Resident
from residents.search import parse_date, resident_search_q
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1985-06-01", dt.date(1985, 6, 1)),
        ("1985/6/1", dt.date(1985, 6, 1)),
        ("19850601", dt.date(1985, 6, 1)),
        ("S60.6.1", dt.date(1985, 6, 1)),
        ("昭和60年6月1日", dt.date(1985, 6, 1)),
        ("Ｈ元．１．８", dt.date(1989, 1, 8)),
        ("R2/2/29", dt.date(2020, 2, 29)),
        ("2026-02-29", None),
        ("ヤマダ", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.fixture
def city(db):
    return {
        "hanako": ResidentFactory(name="山田　花子", name_kana="ヤマダ　ハナコ"),
        "taro": ResidentFactory(name="山本　太郎", name_kana="ヤマモト　タロウ", birth_date=dt.date(1970, 1, 2)),
        "takahashi": ResidentFactory(
            name="髙橋　美咲",
            name_kana="タカハシ　ミサキ",
            address_town="大阪府吹田市千里山西",
            address_block="1丁目2番3号",
        ),
    }


def found(query):
    return set(Resident.objects.filter(resident_search_q(query)).values_list("name", flat=True))


@pytest.mark.parametrize("query", ["ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "ヤマダ　ハナ", "やまだはなこ", "ハナコ", "はな"])
def test_kana_insensitive_prefix(city, query):
    assert found(query) == {"山田　花子"}


def test_name_prefix_and_given_name(city):
    assert found("山") == {"山田　花子", "山本　太郎"}
    assert found("山田") == {"山田　花子"}
    assert found("太郎") == {"山本　太郎"}
    assert found("髙橋") == {"髙橋　美咲"}


def test_birth_date(city):
    assert found("S45.1.2") == {"山本　太郎"}


def test_address(city):
    assert found("千里山西") == {"髙橋　美咲"}
    assert found("大阪府吹田市千里山") == {"髙橋　美咲"}
    assert found("吹田市千里山西1丁目") == {"髙橋　美咲"}


def test_no_match(city):
    assert found("スズキ") == set()
