"""PDF views, the reference lookup and the admin screens, as role-scoped staff (not superusers)."""

import pytest
from django.urls import reverse

from letters import services
from letters.models import LetterAccess


@pytest.mark.parametrize("name", ["letters:preview", "letters:download"])
def test_anonymous_is_sent_to_login(client, inquiry, name):
    response = client.get(reverse(name, args=[inquiry.pk]))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("name", ["letters:preview", "letters:download"])
def test_staff_without_permission_get_403(client, inquiry, outsider, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[inquiry.pk])).status_code == 403
    assert not LetterAccess.objects.filter(user=outsider).exists()


def test_preview_and_download_are_served_privately_and_logged(client, inquiry, clerk):
    client.force_login(clerk)
    preview = client.get(reverse("letters:preview", args=[inquiry.pk]))
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline;") and inquiry.reference in preview["Content-Disposition"]
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview.content.startswith(b"%PDF")
    download = client.get(reverse("letters:download", args=[inquiry.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    actions = list(LetterAccess.objects.filter(letter=inquiry, user=clerk).values_list("action", flat=True))
    assert sorted(actions) == ["download", "preview", "render"]


def test_lookup_opens_the_application(client, inquiry, clerk):
    client.force_login(clerk)
    response = client.get(reverse("letters:lookup"), {"q": inquiry.reference.lower().replace("-", "")})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:jpki_application_change", args=[inquiry.application_id])
    missing = client.get(reverse("letters:lookup"), {"q": "SU-2001-000001"})
    assert missing["Location"] == reverse("admin:letters_letter_changelist")


def test_lookup_needs_permission(client, inquiry, outsider):
    client.force_login(outsider)
    assert client.get(reverse("letters:lookup"), {"q": inquiry.reference}).status_code == 403


def test_admin_changelist_searches_by_reference(client, inquiry, clerk, proxy_application):
    other = services.letter_create(kind="application_form", application=proxy_application, actor=clerk, reason="申請書")
    client.force_login(clerk)
    response = client.get(reverse("admin:letters_letter_changelist"), {"q": inquiry.reference.replace("-", "")})
    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert found == [inquiry] and other not in found


def _token(client, url):
    """The single-use token of a letters form (jpki.admin.submissions), from the page that shows it."""
    return {"_submission": client.get(url).context["submission_token"]}


def test_admin_change_page_and_reprint_form(client, inquiry, clerk):
    client.force_login(clerk)
    page = client.get(reverse("admin:letters_letter_change", args=[inquiry.pk]))
    assert page.status_code == 200 and "再印刷" in page.content.decode()
    url = reverse("admin:letters_letter_reprint", args=[inquiry.pk])
    once = _token(client, url)
    assert client.post(url, {"reason": "", **once}).status_code == 200  # the form asks for a reason
    response = client.post(url, {"reason": "封入時に汚損したため", **once})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert not inquiry.is_current and inquiry.next_versions.get().reason == "封入時に汚損したため"


def test_admin_mailing_and_return_forms(client, inquiry, clerk):
    client.force_login(clerk)
    once = _token(client, reverse("admin:letters_letter_mailing", args=[inquiry.pk]))
    bad = client.post(
        reverse("admin:letters_letter_mailing", args=[inquiry.pk]),
        {"reason": "差出", "mail_class": "registered", "tracking_number": "12-34", **once},
    )
    assert bad.status_code == 200 and "11〜13桁" in bad.content.decode()
    ok = client.post(
        reverse("admin:letters_letter_mailing", args=[inquiry.pk]),
        {"reason": "差出", "mail_class": "registered", "tracking_number": "1234-5678-9013", **once},
    )
    assert ok.status_code == 302
    ret = client.post(
        reverse("admin:letters_letter_return", args=[inquiry.pk]),
        {
            "reason": "返戻",
            "return_reason": "forward_unknown",
            **_token(client, reverse("admin:letters_letter_return", args=[inquiry.pk])),
        },
    )
    assert ret.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.application.status == "returned"


def test_outsider_cannot_use_admin_workflows(client, inquiry, outsider):
    client.force_login(outsider)
    assert client.get(reverse("admin:letters_letter_reprint", args=[inquiry.pk])).status_code == 403


def test_ledger_pdf_and_csv_for_supervisors_only(client, clerk, office, roles):
    from tests.factories import SupervisorFactory

    client.force_login(clerk)
    assert client.get(reverse("letters:ledger"), {"date": "2026-11-25"}).status_code == 403
    boss = SupervisorFactory(username="letters-boss", office=office)
    client.force_login(boss)
    pdf = client.get(reverse("letters:ledger"), {"month": "2026-11"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = client.get(reverse("letters:ledger"), {"date": "2026-11-25", "format": "csv"})
    assert csv.status_code == 200 and "発行日" in csv.content.decode("utf-8-sig")
