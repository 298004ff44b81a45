"""The history version page (履歴の版, issue 14 point 1): a record as it was at one version, read-only,
in the domain's words, with who / when / why and links to the neighbouring versions."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jpki import services
from jpki.models import Certificate, ReadLog, ReadLogResident
from letters import services as letter_services
from letters.models import Letter
from residents.models import Resident
from tests.admin.conftest import OPEN_NOW
from tests.conftest import at
from tests.factories import CardFactory, ResidentFactory
from tests.i18n.test_english_complete import data_strings, english_client, japanese_left
from tests.letters.mailing_world import visit1

pytestmark = pytest.mark.django_db

# The record's own fields as form widgets (the header's language switch is a <select> of its own).
WIDGET = re.compile(r"<(input|select|textarea)\b", re.I)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def version_url(obj, record):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, record.history_id])


def versions(obj):
    return list(type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id"))


def content_main(response) -> str:
    """The page's own content (after the header with its language switch)."""
    html = response.content.decode()
    return html[html.index('id="content-main"') :]


def field_values(response) -> dict:
    """Field label → (value text, previous value or None) from the version table."""
    rows = {}
    for row in response.context["rows"]:
        rows[row.label] = (row.value, row.old)
    return rows


@pytest.fixture
def kanji_resident(clerk):
    """髙橋　𠮷太郎: characters outside the certificate's set, substituted at positions 0 and 3."""
    resident = ResidentFactory(name="髙橋　𠮷太郎", name_kana="タカハシ　ヨシタロウ")
    CardFactory(resident=resident)
    return resident


@pytest.fixture
def certificate_story(kanji_resident, clerk):
    services.certificates_issue(
        resident=kanji_resident, actor=clerk, reason="窓口で新規発行", signing=True, user=True, at=OPEN_NOW
    )
    services.certificates_revoke(
        resident=kanji_resident,
        actor=clerk,
        reason="本人の申出により失効",
        signing=True,
        user=False,
        at=OPEN_NOW + dt.timedelta(days=1),
    )
    return Certificate.objects.get(card__resident=kanji_resident, kind="signing")


@pytest.fixture
def resident_story(hanako, clerk):
    services.resident_change_basic_info(
        resident=hanako, actor=clerk, reason="市内転居", address_block="2丁目1番1号", is_adult_ward=True
    )
    return hanako


@pytest.fixture
def letter_story(clerk, office):
    resident = ResidentFactory(name="佐藤　一郎", name_kana="サトウ　イチロウ")
    CardFactory(resident=resident)
    application = visit1(resident, clerk, office)
    letter = letter_services.letter_create(
        kind="inquiry", application=application, actor=clerk, reason="照会書の作成", at=at(2026, 11, 24, 15, 0)
    )
    letter_services.letter_record_mailing(
        letter=letter, actor=clerk, reason="簡易書留で差出", tracking_number="123456789013", at=at(2026, 11, 25, 9, 30)
    )
    return Letter.objects.get(pk=letter.pk)


# --- what the page shows -----------------------------------------------------------------------------------


def test_certificate_version_shows_labels_statuses_dates_and_substitution_positions(
    supervisor_client, certificate_story, clerk
):
    created, revoked = versions(certificate_story)
    page = supervisor_client.get(version_url(certificate_story, revoked))
    assert page.status_code == 200
    values = field_values(page)
    assert values["状態"] == ("失効", "有効")  # the choice's label, and what it was before this version
    assert values["失効日時"][0] == "2026年11月26日10:05" and values["失効日時"][1] == "—"
    assert values["有効期限"][1] is None  # unchanged by this version: no previous value shown
    assert values["種類"] == ("署名用電子証明書", None)
    assert values["氏名の代替文字の位置"][0] == "1文字目、4文字目"
    assert values["カード"][0].startswith("マイナンバーカード")
    assert values["申請"][0].startswith("新規発行")
    assert values["発行窓口"][0] == "本庁市民課"
    html = content_main(page)
    assert not WIDGET.search(html)
    assert "<form" not in html and 'name="_save"' not in html
    assert page.context["type_label"] == "変更" and page.context["reason"] == "本人の申出により失効"
    assert page.context["user_label"] == clerk.username
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日\d{1,2}:\d{2}", page.context["when"])  # local, as the list
    for text in (
        "変更者",
        "変更理由",
        "本人の申出により失効",
        "一つ前の変更",
        "一つ後の変更",
        "変更履歴へ戻る",
        "現在の記録",
    ):
        assert text in html, text
    # the raw values are nowhere in the table
    assert ">revoked<" not in html and ">signing<" not in html and "[0, 3]" not in html


def test_links_walk_the_versions_and_back_to_the_list_and_the_record(supervisor_client, certificate_story):
    created, revoked = versions(certificate_story)
    first = supervisor_client.get(version_url(certificate_story, created))
    assert first.context["type_label"] == "作成" and first.context["is_creation"]
    assert first.context["previous_url"] is None
    assert first.context["next_url"] == version_url(certificate_story, revoked)
    assert all(row.old is None for row in first.context["rows"])
    second = supervisor_client.get(first.context["next_url"])
    assert second.context["previous_url"] == version_url(certificate_story, created)
    assert second.context["next_url"] is None
    history = reverse("admin:jpki_certificate_history", args=[certificate_story.pk])
    current = reverse("admin:jpki_certificate_change", args=[certificate_story.pk])
    html = content_main(second)
    assert f'href="{history}"' in html and f'href="{current}"' in html
    assert supervisor_client.get(history).status_code == 200


def test_resident_version_in_the_domains_words(supervisor_client, resident_story):
    created, moved = versions(resident_story)
    page = supervisor_client.get(version_url(resident_story, moved))
    assert page.status_code == 200
    values = field_values(page)
    assert values["成年被後見人"] == ("はい", "いいえ")
    assert values["住所（番地）"][0] == "2丁目1番1号"
    assert values["生年月日"][0].endswith("日") and values["性別"][0] in ("男", "女")
    assert values["住民登録の状態"][0] == "住民登録あり"
    html = content_main(page)
    assert not WIDGET.search(html)
    assert "True" not in html and "False" not in html and "registered" not in html
    assert page.context["reason"] == "市内転居"
    # the search keys the history leaves out are not shown (nor read from the live row)
    assert "name_search" not in html and "kana_search" not in html


def test_letter_version_shows_the_mailing(supervisor_client, letter_story):
    mailed = versions(letter_story)[-1]
    page = supervisor_client.get(version_url(letter_story, mailed))
    assert page.status_code == 200
    values = field_values(page)
    assert values["帳票の種類"][0] == "照会書兼回答書"
    assert values["お問い合わせ番号"] == ("123456789013", "—")
    assert values["差出日時"][0] == "2026年11月25日9:30"
    assert values["郵便の種類"][0] != "registered" and values["申請"][0].startswith("新規発行")
    assert values["最新版"][0] == "はい"
    html = content_main(page)
    assert not WIDGET.search(html)
    assert page.context["reason"] == "簡易書留で差出"


# --- in English: no Japanese but the data ------------------------------------------------------------------


def test_the_english_page_has_no_japanese_but_the_data(supervisor, certificate_story, resident_story, letter_story):
    client = english_client(supervisor)
    data = data_strings()
    for obj in (certificate_story, resident_story, letter_story):
        for record in versions(obj):
            page = client.get(version_url(obj, record))
            assert page.status_code == 200
            html = page.content.decode()
            assert 'lang="en"' in html
            assert not japanese_left(html, data), (obj._meta.label, record.history_type, japanese_left(html, data))
    page = client.get(version_url(certificate_story, versions(certificate_story)[-1]))
    html = content_main(page)
    for text in ("Previous change", "Next change", "Back to the history", "Current record", "Revoked"):
        assert text in html, text


# --- who may open it, what a POST does, the read log, the queries ------------------------------------------


def test_a_clerk_is_refused_as_on_the_history_list(clerk_client, certificate_story):
    record = versions(certificate_story)[-1]
    assert clerk_client.get(reverse("admin:jpki_certificate_history", args=[certificate_story.pk])).status_code == 403
    assert clerk_client.get(version_url(certificate_story, record)).status_code == 403
    # refused before any lookup: a version that does not exist is refused alike
    missing = reverse("admin:jpki_certificate_simple_history", args=[certificate_story.pk, 999999])
    assert clerk_client.get(missing).status_code == 403


def test_a_version_that_does_not_exist_or_is_not_an_id_is_a_404(supervisor_client, certificate_story, hanako):
    record = versions(certificate_story)[-1]
    assert (
        supervisor_client.get(
            reverse("admin:jpki_certificate_simple_history", args=[hanako.pk + 999, record.history_id])
        ).status_code
        == 404
    )
    assert supervisor_client.get(f"/admin/jpki/certificate/{certificate_story.pk}/history/x1/").status_code == 404


def test_a_post_writes_nothing(supervisor_client, resident_story):
    record = versions(resident_story)[0]  # the version before the move
    before = Resident.history.count()
    response = supervisor_client.post(
        version_url(resident_story, record),
        {"address_block": "9丁目9番9号", "is_adult_ward": "", "_save": "保存", "change_reason": "版の復元"},
    )
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}
    resident_story.refresh_from_db()
    assert resident_story.address_block == "2丁目1番1号" and resident_story.is_adult_ward
    assert Resident.history.count() == before
    assert supervisor_client.head(version_url(resident_story, record)).status_code == 200  # HEAD reads only
    assert Resident.history.count() == before


def test_the_read_is_logged_with_the_screen_name(supervisor_client, supervisor, certificate_story, kanji_resident):
    record = versions(certificate_story)[-1]
    supervisor_client.get(version_url(certificate_story, record))
    log = ReadLog.objects.filter(user=supervisor).latest("id")
    assert log.screen == "certificate_history_version"
    assert list(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True)) == [kanji_resident.pk]


# session, user, permissions (2), the version, its previous and next, one per related model shown, the
# current record's existence, the read log (its residents, the log, its residents' rows), the session.
QUERIES = {"certificate_story": 17, "resident_story": 13, "letter_story": 16}


@pytest.mark.parametrize("story", sorted(QUERIES))
def test_query_count(request, supervisor_client, django_assert_num_queries, story):
    obj = request.getfixturevalue(story)
    record = versions(obj)[-1]
    supervisor_client.get(version_url(obj, record))  # the session and the permission cache warmed alike
    with django_assert_num_queries(QUERIES[story]):
        assert supervisor_client.get(version_url(obj, record)).status_code == 200


def test_query_count_does_not_grow_with_the_versions(
    supervisor_client, resident_story, clerk, django_assert_num_queries
):
    for block in ("3丁目1番1号", "4丁目1番1号", "5丁目1番1号"):
        services.resident_change_basic_info(
            resident=resident_story, actor=clerk, reason="市内転居", address_block=block
        )
    middle = versions(resident_story)[2]
    supervisor_client.get(version_url(resident_story, middle))
    with django_assert_num_queries(QUERIES["resident_story"]):
        page = supervisor_client.get(version_url(resident_story, middle))
    assert page.context["previous_url"] and page.context["next_url"]
    assert field_values(page)["住所（番地）"] == ("3丁目1番1号", "2丁目1番1号")


def test_every_tracked_admin_serves_the_read_only_page(
    supervisor_client, certificate_story, resident_story, letter_story
):
    from django.apps import apps
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    seen = set()
    for model in [m for m in apps.get_models() if admin.site.is_registered(m)]:
        if not isinstance(admin.site.get_model_admin(model), SimpleHistoryAdmin):
            continue
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        for record in type(obj).history.filter(**{model._meta.pk.attname: obj.pk})[:3]:
            page = supervisor_client.get(version_url(obj, record))
            assert page.status_code == 200, model
            html = content_main(page)
            assert not WIDGET.search(html) and "<form" not in html, model
            assert page.context["rows"] and all(row.label and row.value for row in page.context["rows"]), model
            seen.add(model._meta.label)
    assert {"residents.Resident", "jpki.Card", "jpki.Certificate", "jpki.Application", "letters.Letter"} <= seen
