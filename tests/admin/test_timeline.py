"""The resident's timeline (住民ごとの経過) and the audit's resident search."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jpki import services
from jpki.models import ReadLog, ReadLogResident
from tests.admin.conftest import OPEN_NOW, count_queries
from tests.factories import ResidentFactory
from tests.letters.pdfcheck import text_of

pytestmark = pytest.mark.django_db


def url(resident, query=""):
    return reverse("admin:jpki_timeline", args=[resident.pk]) + query


@pytest.fixture
def story(hanako, clerk, clerk_client):
    """Issue both certificates, revoke the signing one a day later, move within the city, view the page."""
    services.certificates_issue(
        resident=hanako, actor=clerk, reason="窓口で新規発行", signing=True, user=True, at=OPEN_NOW
    )
    later = OPEN_NOW + dt.timedelta(days=1)
    services.certificates_revoke(
        resident=hanako, actor=clerk, reason="本人の申出により失効", signing=True, user=False, at=later
    )
    services.resident_change_basic_info(
        resident=hanako, actor=clerk, reason="市内転居", address_block="3丁目1番1号", at=later
    )
    assert clerk_client.get(reverse("admin:residents_resident_change", args=[hanako.pk])).status_code == 200
    return hanako


def test_everything_that_happened_newest_first(supervisor_client, story, clerk):
    page = supervisor_client.get(url(story))
    assert page.status_code == 200
    rows = page.context["rows"]
    kinds = {r["kind"] for r in rows}
    assert {"resident", "card", "certificate", "application", "view"} <= kinds
    stamps = [r["ts"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert rows[0]["kind"] == "view" and rows[0]["user_label"] == clerk.username
    text = page.content.decode()
    assert "山田　花子" in text and "本人の申出により失効" in text and "市内転居" in text
    revoked = next(r for r in rows if r["kind"] == "certificate" and r["type_label"] == "変更")
    changes = {c["field"]: (c["old"], c["new"]) for c in revoked["changes"]}
    assert changes["状態"] == ("有効", "失効")
    assert changes["失効日時"][0] == "—" and "2026年11月26日" in changes["失効日時"][1]
    moved = next(r for r in rows if r["kind"] == "resident" and r["type_label"] == "変更")
    moves = {(c["field"], c["old"], c["new"]) for c in moved["changes"]}
    assert ("住所（番地）", "2丁目5番12号", "3丁目1番1号") in moves
    assert revoked["office_label"] == "本庁市民課"
    assert revoked["url"] and "/history/" in revoked["url"]


def test_reads_by_screen_and_foreign_keys_by_name(supervisor_client, story):
    cert = story.cards.get().certificates.first()
    supervisor_client.get(reverse("admin:jpki_certificate_history", args=[cert.pk]))
    rows = supervisor_client.get(url(story)).context["rows"]
    assert any(r["kind"] == "view" and r["subject"] == "電子証明書の変更履歴" for r in rows)
    created = next(r for r in rows if r["kind"] == "certificate" and r["type_label"] == "作成")
    changes = {c["field"]: c["new"] for c in created["changes"]}
    assert changes["カード"].startswith("マイナンバーカード") and changes["申請"].startswith("新規発行")


def test_filter_by_kind(supervisor_client, story):
    page = supervisor_client.get(url(story, "?kind=certificate"))
    kinds = {r["kind"] for r in page.context["rows"]}
    assert kinds == {"certificate"}
    page = supervisor_client.get(url(story, "?kind=view&kind=resident"))
    assert {r["kind"] for r in page.context["rows"]} == {"view", "resident"}
    html = page.content.decode()
    assert re.search(r'value="view"[^>]*checked', html) and not re.search(r'value="card"[^>]*checked', html)


def test_pages_newest_first(supervisor_client, hanako, clerk, clerk_client):
    for _ in range(35):
        clerk_client.get(reverse("admin:residents_resident_change", args=[hanako.pk]))
    first = supervisor_client.get(url(hanako, "?kind=view"))
    assert len(first.context["rows"]) == 30 and first.context["has_next"]
    second = supervisor_client.get(url(hanako, "?kind=view&p=2"))
    assert second.context["has_prev"]
    assert first.context["rows"][-1]["ts"] >= second.context["rows"][0]["ts"]


def test_pdf_has_the_same_content(supervisor_client, story):
    response = supervisor_client.get(reverse("admin:jpki_timeline_pdf", args=[story.pk]) + "?kind=certificate")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = re.sub(r"\s+", "", "".join(text_of(response.content)))  # cells wrap: compare without spaces
    assert "住民ごとの経過" in text and "山田花子" in text
    assert "本人の申出により失効" in text and "状態:有効→失効" in text
    assert "市内転居" not in text  # the resident's own rows were filtered out
    log = ReadLog.objects.filter(screen="timeline_pdf").get()
    assert list(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True)) == [story.pk]


def test_clerk_gets_a_japanese_refusal(clerk_client, story):
    for target in (url(story), reverse("admin:jpki_timeline_pdf", args=[story.pk])):
        response = clerk_client.get(target)
        assert response.status_code == 403
        assert "この画面は監督者のみが利用できます" in response.content.decode()
    assert not ReadLog.objects.filter(screen__startswith="timeline").exists()


def test_link_on_the_resident_page_for_supervisors_only(supervisor_client, clerk_client, hanako):
    target, page = url(hanako), reverse("admin:residents_resident_change", args=[hanako.pk])
    assert target in supervisor_client.get(page).content.decode()
    assert target not in clerk_client.get(page).content.decode()


def test_the_page_read_is_logged(supervisor_client, supervisor, story):
    supervisor_client.get(url(story, "?kind=certificate"))
    log = ReadLog.objects.get(screen="timeline")
    assert log.user == supervisor and log.query == "kind=certificate"
    assert list(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True)) == [story.pk]


def test_unknown_or_impossible_resident_is_a_404(supervisor_client):
    assert supervisor_client.get("/admin/jpki/recordview/timeline/999999/").status_code == 404
    assert supervisor_client.get(f"/admin/jpki/recordview/timeline/{10**30}/").status_code == 404


def test_query_count_does_not_grow_with_the_rows(supervisor_client, hanako, clerk, django_assert_num_queries):
    """One query per kind (and one more per kind with changes on the page), whatever the number of rows."""

    def change(i):
        services.resident_change_basic_info(
            resident=hanako, actor=clerk, reason=f"訂正{i}", address_building=f"ハイツ{i}号", at=OPEN_NOW
        )

    services.certificates_issue(resident=hanako, actor=clerk, reason="発行", signing=True, user=True, at=OPEN_NOW)
    services.certificates_revoke(resident=hanako, actor=clerk, reason="失効", signing=False, user=True, at=OPEN_NOW)
    change(0)
    supervisor_client.get(url(hanako))  # warm the session and the content types
    response, few = count_queries(lambda: supervisor_client.get(url(hanako)))
    rows_before = len(response.context["rows"])
    for i in range(1, 12):
        change(i)
    response, many = count_queries(lambda: supervisor_client.get(url(hanako)))
    assert len(response.context["rows"]) >= rows_before + 10
    assert many == few
    with django_assert_num_queries(few):
        supervisor_client.get(url(hanako))


# --- the audit's resident search -----------------------------------------------------------------


def test_audit_searches_residents_by_kana_name_and_birth_date(supervisor_client, hanako):
    other = ResidentFactory(name="鈴木　一郎", name_kana="スズキ　イチロウ", birth_date=dt.date(1970, 1, 2))
    for term in ("やまだ", "山田", "ヤマダ　ハナコ", "S60.6.1", "1985-06-01"):
        page = supervisor_client.get("/admin/jpki/recordview/audit/", {"q": term})
        assert page.status_code == 200
        assert [m.pk for m in page.context["matches"]] == [hanako.pk], term
        assert url(hanako) in page.content.decode()
    page = supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "すずき"})
    assert [m.pk for m in page.context["matches"]] == [other.pk]
    page = supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "たなか"})
    assert page.context["matches"] == [] and "該当する住民はいません。" in page.content.decode()


def test_audit_search_is_in_the_read_log(supervisor_client, hanako):
    supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "やまだ"})
    log = ReadLog.objects.filter(screen="audit").latest("id")
    assert hanako.pk in set(ReadLogResident.objects.filter(log=log).values_list("resident_id", flat=True))
    assert "q=やまだ" in log.query


def test_audit_search_then_timeline(supervisor_client, hanako):
    page = supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "やまだ"})
    timeline = supervisor_client.get(page.context["matches"][0].timeline_url)
    assert timeline.status_code == 200 and timeline.context["resident"] == hanako


@pytest.mark.parametrize(
    "query",
    [
        {"p": "abc"},
        {"p": "-3"},
        {"p": "9" * 30},
        {"kind": "<script>"},
        {"kind": "card\x00"},
        {"kind": ["card", "card", "nope"]},
        {"inline": "1", "kind": ""},
    ],
)
def test_hostile_parameters_answer_the_page(supervisor_client, hanako, query):
    response = supervisor_client.get(url(hanako), query)
    assert response.status_code == 200
    assert 1 <= response.context["page"] <= 66  # a page number it can show, whatever was asked
    assert "<script>" not in response.content.decode().split('id="content"')[-1]  # nothing echoed unescaped


def test_timeline_in_english(supervisor_client, story, settings):
    supervisor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = supervisor_client.get(url(story))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Resident timeline" in text and "Download as PDF" in text
    revoked = next(r for r in page.context["rows"] if r["kind"] == "certificate" and r["type_label"] == "Changed")
    assert ("Status", "Valid", "Revoked") in {(c["field"], c["old"], c["new"]) for c in revoked["changes"]}


def test_audit_search_query_count_does_not_grow_with_the_matches(supervisor_client, db):
    for i in range(2):
        ResidentFactory(name=f"試験　{i:02d}", name_kana=f"シケン　{i:02d}")
    supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "しけん"})
    response, few = count_queries(lambda: supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "しけん"}))
    assert len(response.context["matches"]) == 2
    for i in range(2, 12):
        ResidentFactory(name=f"試験　{i:02d}", name_kana=f"シケン　{i:02d}")
    response, many = count_queries(lambda: supervisor_client.get("/admin/jpki/recordview/audit/", {"q": "しけん"}))
    assert len(response.context["matches"]) == 12 and many == few


# --- outside counter hours and the register feed in the timeline ---------------------------------


def test_outside_hours_procedure_is_in_the_timeline_with_who_when_and_procedure(supervisor_client, hanako, clerk):
    from tests.admin.conftest import CLOSED_NOW

    services.resident_change_basic_info(
        resident=hanako,
        actor=clerk,
        reason="休日窓口で転居",
        address_block="3丁目1番1号",
        at=CLOSED_NOW,
        outside_hours_confirmed=True,
    )
    page = supervisor_client.get(url(hanako))
    outside = [r for r in page.context["rows"] if r["kind"] == "outside_hours"]
    assert len(outside) == 1
    row = outside[0]
    assert row["type_label"] == "時間外" and row["kind_label"] == "時間外"
    assert row["subject"] == "基本4情報の変更" and row["user_label"] == clerk.username
    assert row["ts"] == CLOSED_NOW and row["office_label"] == "本庁市民課"
    text = page.content.decode()
    assert "時間外" in text and "基本4情報の変更" in text
    only = supervisor_client.get(url(hanako, "?kind=outside_hours")).context["rows"]
    assert [r["kind"] for r in only] == ["outside_hours"]


def test_a_feed_run_is_visible_through_its_history_rows_reason(supervisor_client, supervisor):
    from tests.jpki.test_feed_apply import feed, row, with_certificates

    resident, _signing, _user = with_certificates("K500", name="山田　花子", name_kana="ヤマダ　ハナコ")
    result = services.feed_import(
        data=feed(row("SRC-77", "name_change", "K500", name="山田　春子", name_kana="ヤマダ　ハルコ")),
        file_name="ido.csv",
        actor=services.feed_system_user(),
        dry_run=False,
    )
    rows = supervisor_client.get(url(resident)).context["rows"]
    changed = next(r for r in rows if r["kind"] == "resident" and r["type_label"] == "変更")
    assert result.run.sha256[:8] in changed["reason"] and "2行目" in changed["reason"]
    assert "SRC-77" in changed["reason"] and "氏名変更" in changed["reason"]
    revoked = next(r for r in rows if r["kind"] == "certificate" and r["type_label"] == "変更")
    assert "SRC-77" in revoked["reason"] and "2行目" in revoked["reason"]
