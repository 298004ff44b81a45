"""Roles: nobody deletes, staff cannot see the audit, supervisors see everything; the audit page and CSV."""

import csv
import io

import pytest
from django.contrib import admin

from jpki import services
from jpki.models import Certificate, RecordView
from residents.models import CharacterSubstitution
from tests.admin.conftest import OPEN_NOW
from tests.factories import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(hanako, clerk):
    services.certificates_issue(
        resident=hanako, actor=clerk, reason="窓口で新規発行", signing=True, user=True, at=OPEN_NOW
    )
    return hanako


def test_no_domain_admin_allows_delete(rf, supervisor):
    request = rf.get("/")
    request.user = supervisor
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("jpki", "residents", "letters"):
            assert not model_admin.has_delete_permission(request), model
            assert "delete_selected" not in (model_admin.get_actions(request) or {}), model


def test_staff_cannot_delete_or_edit_raw(clerk_client, issued):
    cert = Certificate.objects.first()
    assert clerk_client.get(f"/admin/jpki/certificate/{cert.pk}/delete/").status_code == 403
    page = clerk_client.get(f"/admin/jpki/certificate/{cert.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    page = clerk_client.get(f"/admin/residents/resident/{issued.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # shown read-only, not refused
    add = clerk_client.get("/admin/residents/resident/add/")  # no raw add form: the 転入 workflow instead
    assert add.status_code == 302 and add["Location"] == "/admin/residents/resident/move-in/"


def test_history_shows_diffs_and_reason_read_only(supervisor_client, issued):
    cert = Certificate.objects.get(kind="signing")
    page = supervisor_client.get(f"/admin/jpki/certificate/{cert.pk}/history/")
    assert page.status_code == 200
    assert "窓口で新規発行" in page.content.decode()
    history_id = cert.history.first().history_id
    form = supervisor_client.get(f"/admin/jpki/certificate/{cert.pk}/history/{history_id}/")
    assert form.status_code == 200
    assert 'name="_save"' not in form.content.decode()


def test_field_level_history_is_the_supervisors(clerk_client, issued):
    cert = Certificate.objects.get(kind="signing")
    assert clerk_client.get(f"/admin/jpki/certificate/{cert.pk}/history/").status_code == 403
    history_id = cert.history.first().history_id
    assert clerk_client.get(f"/admin/jpki/certificate/{cert.pk}/history/{history_id}/").status_code == 403


def test_staff_cannot_see_audit(clerk_client):
    assert clerk_client.get("/admin/jpki/recordview/audit/").status_code == 403
    assert clerk_client.get("/admin/jpki/recordview/").status_code == 403
    assert "監査（変更履歴と閲覧記録）" not in clerk_client.get("/admin/").content.decode()


def test_resident_page_view_is_logged_and_audited(clerk_client, clerk, supervisor_client, issued):
    clerk_client.get(f"/admin/residents/resident/{issued.pk}/change/")
    view = RecordView.objects.get()
    assert view.user == clerk and view.resident == issued and view.office == clerk.staff_profile.office
    page = supervisor_client.get("/admin/jpki/recordview/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "閲覧" in text and "窓口で新規発行" in text and issued.name in text
    kinds = {r["kind"] for r in page.context["rows"]}
    assert {"view", "certificate", "application", "card"} <= kinds


def test_audit_filters(supervisor_client, clerk, issued):
    other_office = OfficeFactory(code="senriyama", name="千里山出張所", kind="branch")
    other = UserFactory(username="other", office=other_office)
    services.card_report_lost(card=issued.cards.get(), actor=other, reason="紛失届", at=OPEN_NOW)
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"user": other.pk}).context["rows"]
    assert rows and {r["user_id"] for r in rows} == {other.pk}
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"office": other_office.pk}).context["rows"]
    assert any(r["reason"] == "紛失届" for r in rows)
    assert not any(r["reason"] == "窓口で新規発行" for r in rows)  # the main office's clerk's work
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"kind": "card"}).context["rows"]
    assert rows and {r["kind"] for r in rows} == {"card"}
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"change_type": "+", "kind": "certificate"}).context[
        "rows"
    ]
    assert len(rows) == 2
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"date_from": "2030-01-01"}).context["rows"]
    assert rows == []


def test_audit_pagination_without_count(supervisor_client, clerk, issued, monkeypatch):
    from jpki.admin import audit

    monkeypatch.setattr(audit, "PER_PAGE", 3)
    first = supervisor_client.get("/admin/jpki/recordview/audit/")
    assert first.context["has_next"] and len(first.context["rows"]) == 3
    second = supervisor_client.get("/admin/jpki/recordview/audit/", {"p": 2})
    ids1 = {(r["kind"], r["row_id"]) for r in first.context["rows"]}
    ids2 = {(r["kind"], r["row_id"]) for r in second.context["rows"]}
    assert ids2 and not ids1 & ids2
    times = [r["ts"] for r in first.context["rows"] + second.context["rows"]]
    assert times == sorted(times, reverse=True)


def test_audit_csv_export(supervisor_client, issued):
    response = supervisor_client.get("/admin/jpki/recordview/audit/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "日時"
    assert any("窓口で新規発行" in row[-1] for row in rows[1:])


def test_clerk_extends_substitution_table_with_reason(clerk_client, clerk):
    char = next(
        c
        for c in ("\U0002123d", "\U00020b9f", "\U0002a6b2")
        if not CharacterSubstitution.objects.filter(original=c).exists()
    )
    page = clerk_client.post(
        "/admin/residents/charactersubstitution/add/",
        {"original": char, "substitute": "土", "note": "", "change_reason": "住民からの申出"},
    )
    assert page.status_code == 302, page.context["adminform"].form.errors
    row = CharacterSubstitution.objects.get(original=char)
    hist = row.history.first()
    assert hist.history_user == clerk and hist.history_change_reason == "住民からの申出"
    bad = clerk_client.post(
        "/admin/residents/charactersubstitution/add/",
        {"original": "\U0002a6b3", "substitute": "𠮷", "change_reason": "x"},
    )
    assert bad.status_code == 200 and "使用できない文字" in bad.content.decode()


def test_header_and_language_switch(clerk_client):
    page = clerk_client.get("/admin/")
    text = page.content.decode()
    assert "吹田市 電子証明書窓口システム" in text
    assert 'action="/i18n/setlang/"' in text
    clerk_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english = clerk_client.get("/admin/").content.decode()
    assert 'lang="en"' in english and "Counter overview" in english and "Find a resident" in english


def test_audit_lists_letter_prints(supervisor_client, clerk, hanako, counter_open):
    letters_services = pytest.importorskip("letters.services")
    import datetime as dt

    app = services.proxy_visit1(
        resident=hanako,
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
    from letters.models import LetterAccess

    LetterAccess.objects.create(letter=letter, user=clerk, action="print", path="/x")
    rows = supervisor_client.get("/admin/jpki/recordview/audit/", {"kind": "letteraccess"}).context["rows"]
    assert len(rows) == 1 and rows[0]["reason"] == letter.reference and rows[0]["resident_id"] == hanako.pk


def test_the_history_link_is_shown_only_to_who_may_open_it(clerk_client, supervisor_client, issued):
    cert = Certificate.objects.get(kind="signing")
    url = f"/admin/jpki/certificate/{cert.pk}/change/"
    history = f"/admin/jpki/certificate/{cert.pk}/history/"
    assert history not in clerk_client.get(url).content.decode()
    assert history in supervisor_client.get(url).content.decode()
