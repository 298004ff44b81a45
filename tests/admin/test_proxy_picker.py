"""The proxy picker on visit 1 (issue 13, point 6): a proxy who is a registered resident is found by
the resident search and fills in; every resident shown is in the read log; a non-resident is typed."""

import datetime as dt

import pytest

from jpki.models import ProxyAuthorization, ReadLog, ReadLogResident
from residents.models import Resident
from tests.admin.test_workflows import confirm, url
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiyo(db):
    resident = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=resident)
    return resident


@pytest.fixture
def ichiro(db):
    return ResidentFactory(
        name="鈴木　一郎",
        name_kana="スズキ　イチロウ",
        birth_date=dt.date(1968, 7, 7),
        postal_code="565-0851",
        address_town="大阪府吹田市千里山西",
        address_block="1丁目2番3号",
    )


def logged_ids(screen):
    logs = ReadLog.objects.filter(screen=screen)
    return set(ReadLogResident.objects.filter(log__in=logs).values_list("resident_id", flat=True))


def test_search_finds_the_proxy_by_kana_but_not_the_applicant(clerk_client, counter_open, kiyo, ichiro):
    page = clerk_client.get(url(kiyo, "proxy-visit1") + "?proxy_q=すずき")
    results = page.context["picker"]["results"]
    assert ichiro in results and kiyo not in results
    html = page.content.decode()
    assert f'data-proxy-pick="{ichiro.pk}"' in html
    assert logged_ids("proxy_picker") == {ichiro.pk}


def test_search_by_birth_date_and_not_a_departed_resident(clerk_client, counter_open, kiyo, ichiro):
    ResidentFactory(
        name="鈴木　次郎", name_kana="スズキ　ジロウ", birth_date=dt.date(1968, 7, 7), status=Resident.Status.MOVED_OUT
    )
    page = clerk_client.get(url(kiyo, "proxy-visit1") + "?proxy_q=S43.7.7")
    assert page.context["picker"]["results"] == [ichiro]


def test_choosing_fills_the_form_and_is_logged(clerk_client, counter_open, kiyo, ichiro):
    page = clerk_client.get(url(kiyo, "proxy-visit1") + f"?proxy={ichiro.pk}")
    form = page.context["form"]
    assert form["proxy_name"].value() == "鈴木　一郎"
    assert form["proxy_kana"].value() == "スズキ　イチロウ"
    assert form["proxy_birth_date"].value() == dt.date(1968, 7, 7)
    assert form["proxy_postal_code"].value() == "565-0851"
    assert form["proxy_address"].value() == ichiro.address
    assert "住民記録から代理人（鈴木　一郎）" in page.content.decode()
    assert ichiro.pk in logged_ids("proxy_picker")
    # the clerk adds the relation and records visit 1 as usual
    data = {
        "kind": "new",
        "signing": "on",
        "user": "on",
        "proxy_name": form["proxy_name"].value(),
        "proxy_kana": form["proxy_kana"].value(),
        "proxy_birth_date": "1968-07-07",
        "proxy_postal_code": "565-0851",
        "proxy_address": ichiro.address,
        "relation": "子",
        "reason": "任意代理人による申請",
    }
    assert confirm(clerk_client, kiyo, "proxy-visit1", data).status_code == 302
    assert ProxyAuthorization.objects.get().proxy_address == ichiro.address


def test_the_applicant_cannot_be_chosen_as_her_own_proxy(clerk_client, counter_open, kiyo):
    page = clerk_client.get(url(kiyo, "proxy-visit1") + f"?proxy={kiyo.pk}")
    assert page.context["picker"]["chosen"] is None
    assert not page.context["form"]["proxy_name"].value()


def test_nothing_found_says_to_type_a_non_resident(clerk_client, counter_open, kiyo):
    page = clerk_client.get(url(kiyo, "proxy-visit1") + "?proxy_q=ゾゾゾ")
    assert page.context["picker"]["results"] == []
    assert "市外の方は下の欄に入力してください" in page.content.decode()
    assert not ReadLog.objects.filter(screen="proxy_picker").exists()


def test_bad_proxy_id_is_ignored(clerk_client, counter_open, kiyo):
    for value in ("abc", "-1", "9999999", "1\x00"):
        page = clerk_client.get(url(kiyo, "proxy-visit1"), {"proxy": value})
        assert page.status_code == 200 and page.context["picker"]["chosen"] is None
