"""Small things a clerk notices every day (issue 13, point 7), and the validity slip (point 2)."""

import datetime as dt
import re

import pytest

from jpki import services
from jpki.admin import dashboard
from jpki.models import Certificate
from letters.models import Letter
from tests.admin.conftest import OPEN_NOW, TOKYO, frozen
from tests.admin.test_workflows import ISSUE, confirm, review
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def revoked(card, kind, at):
    return CertificateFactory(card=card, kind=kind, status=Certificate.Status.REVOKED, revoked_at=at)


def test_revoked_this_week_links_to_exactly_those(clerk_client, counter_open):
    monday = dt.datetime(2026, 11, 23, 0, 30, tzinfo=TOKYO)
    for i in range(3):
        revoked(CardFactory(), Certificate.Kind.SIGNING, monday + dt.timedelta(days=i))
    revoked(CardFactory(), Certificate.Kind.SIGNING, monday - dt.timedelta(hours=1))  # last week
    CertificateFactory(card=CardFactory())  # valid
    count = dashboard.dashboard()["cert_counts"]["revoked_week"]
    assert count == 3
    index = clerk_client.get("/admin/").content.decode()
    link = re.search(r'<a href="([^"]+)" id="jpki-revoked-week">(\d+)</a>', index)
    assert link and link.group(2) == "3"
    listing = clerk_client.get(link.group(1).replace("&amp;", "&"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 3


def test_certificate_list_row_link_is_not_empty(clerk_client, counter_open):
    cert = CertificateFactory(card=CardFactory(), serial="TESTLINK0001")
    html = clerk_client.get("/admin/jpki/certificate/").content.decode()
    assert re.search(rf'<a href="/admin/jpki/certificate/{cert.pk}/change/[^"]*">TESTLINK0001</a>', html)
    # the resident column is its own link, not nested in the row's link
    assert "<a href" not in re.search(r'<th class="field-serial">(.*?)</th>', html).group(1).split("</a>", 1)[1]


def test_substitution_positions_read_as_characters(clerk_client, clerk, counter_open):
    resident = ResidentFactory(name="髙橋　花子", name_kana="タカハシ　ハナコ")
    CardFactory(resident=resident)
    services.certificates_issue(resident=resident, actor=clerk, reason="発行", signing=True, user=True)
    cert = Certificate.objects.filter(card__resident=resident).first()
    assert cert.substituted_name_positions == [0]
    html = clerk_client.get(f"/admin/jpki/certificate/{cert.pk}/change/").content.decode()
    assert "1文字目（高）" in html
    assert "[0]" not in html


def test_dashboard_short_values_do_not_wrap(clerk_client, counter_open):
    html = clerk_client.get("/admin/").content.decode()
    assert "#jpki-dashboard td, #jpki-dashboard thead th { white-space: nowrap; }" in html


def test_confirm_warns_when_the_card_caps_a_new_certificate_within_6_months(clerk_client, counter_open):
    teen = ResidentFactory(name="渡辺　ゆい", name_kana="ワタナベ　ユイ", birth_date=dt.date(2011, 10, 1))
    CardFactory(resident=teen, issued_on=dt.date(2022, 2, 1), expires_on=dt.date(2027, 2, 10))
    page = review(clerk_client, teen, "issue", ISSUE)
    assert page.context["step"] == "confirm"
    warnings = page.context["preview"].warnings
    assert "カードの有効期限（2027年2月10日）により、署名用電子証明書は2027年2月10日までです。" in " ".join(warnings)
    assert any("利用者証明用電子証明書は2027年2月10日まで" in w for w in warnings)


def test_no_cap_warning_for_a_long_card(clerk_client, counter_open, hanako):
    page = review(clerk_client, hanako, "issue", ISSUE)
    assert page.context["step"] == "confirm"
    assert not [w for w in page.context["preview"].warnings if "により" in w]


def test_period_of_stay_named_as_the_cap(clerk_client, counter_open):
    resident = ResidentFactory(residence_status="技術・人文知識・国際業務", period_of_stay_ends_on=dt.date(2027, 3, 1))
    CardFactory(resident=resident, issued_on=dt.date(2024, 3, 1), expires_on=dt.date(2027, 3, 1))
    page = review(clerk_client, resident, "issue", ISSUE)
    text = " ".join(page.context["preview"].warnings)
    assert "在留期間の満了日（2027年3月1日）により、署名用電子証明書は2027年3月1日までです。" in text


# --- the validity slip -------------------------------------------------------------------------------------


def _slip_form(html: str):
    match = re.search(
        r'<form method="post" action="([^"]+)" target="_blank"[^>]*>.*?name="_submission" value="([^"]+)"', html, re.S
    )
    assert match, "no slip button"
    return match.group(1), match.group(2)


def test_slip_button_on_the_result_page_opens_the_pdf(clerk_client, hanako, counter_open):
    done = confirm(clerk_client, hanako, "issue", ISSUE)
    result = clerk_client.get(done["Location"]).content.decode()
    assert "有効期限のお知らせを印刷" in result
    action, token = _slip_form(result)
    pdf = clerk_client.post(action, {"_submission": token})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    slip = Letter.objects.get(kind="validity_slip")
    assert slip.version == 1
    # a double press opens the same slip again and makes nothing new
    again = clerk_client.post(action, {"_submission": token})
    assert again.status_code == 200 and again["Content-Type"] == "application/pdf"
    assert Letter.objects.filter(kind="validity_slip").count() == 1


def test_reprint_from_the_resident_page_says_reissued_with_its_own_date(clerk_client, hanako, clerk):
    with frozen(OPEN_NOW):
        done = confirm(clerk_client, hanako, "issue", ISSUE)
        action, token = _slip_form(clerk_client.get(done["Location"]).content.decode())
        clerk_client.post(action, {"_submission": token})
    with frozen(OPEN_NOW + dt.timedelta(days=7)):
        page = clerk_client.get(f"/admin/residents/resident/{hanako.pk}/change/").content.decode()
        assert "有効期限のお知らせを再発行" in page
        action, token = _slip_form(page)
        pdf = clerk_client.post(action, {"_submission": token})
        assert pdf.status_code == 200
    slips = Letter.objects.filter(kind="validity_slip").order_by("version")
    assert [s.version for s in slips] == [1, 2] and slips[1].is_current
    from letters import render
    from letters import services as letter_services

    html = render.letter_html(letter_services.letter_data(slips[1]))
    first = render.letter_html(letter_services.letter_data(slips[0]))
    assert "本日、次の電子証明書を" in first and "再発行" not in first
    assert "（再発行）" in html
    assert "令和8年12月2日に再発行" in html
    assert "本日、次の電子証明書を" not in html


def test_slip_on_the_application_page_and_not_without_certificates(clerk_client, hanako, clerk, counter_open):
    confirm(clerk_client, hanako, "issue", ISSUE)
    app = hanako.applications.get()
    page = clerk_client.get(f"/admin/jpki/application/{app.pk}/change/").content.decode()
    assert f"/admin/jpki/application/{app.pk}/validity-slip/" in page
    revocation = services.certificates_revoke(resident=hanako, actor=clerk, reason="失効", signing=True, user=False)
    page = clerk_client.get(f"/admin/jpki/application/{revocation.pk}/change/").content.decode()
    assert "validity-slip" not in page
    # a GET of the slip's URL prints nothing: back to the application
    response = clerk_client.get(f"/admin/jpki/application/{app.pk}/validity-slip/")
    assert response.status_code == 302 and Letter.objects.filter(kind="validity_slip").count() == 0
