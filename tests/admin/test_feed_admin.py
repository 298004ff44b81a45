"""The register feed's screens for supervisors: upload → dry-run report → apply once → result,
the run list (query count) and who may use them."""

from pathlib import Path

import pytest
from django.urls import reverse

from jpki.models import Certificate, FeedRun, ReadLog
from residents.models import Resident
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "feed" / "handwritten.csv"
HEADER = (
    "event_id,event,effective_on,resident_key,name,name_kana,alias,alias_kana,birth_date,sex,"
    "postal_code,address_town,address_block,address_building,status_of_residence,period_of_stay_ends_on"
)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def mover(db):
    resident = ResidentFactory(resident_key="M1", name="山田　太郎", name_kana="ヤマダ　タロウ", sex="male")
    card = CardFactory(resident=resident)
    signing = CertificateFactory(card=card, kind=Certificate.Kind.SIGNING)
    CertificateFactory(card=card, kind=Certificate.Kind.USER)
    return resident, signing


def feed_file(*rows, name="feed.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


MOVE = "E-100,move_within,2026-11-20,M1,山田　太郎,ヤマダ　タロウ,,,1985-06-01,1,565-0871,大阪府吹田市山田丘,2番1号,,,"
UNKNOWN = "E-101,death,2026-11-20,NOBODY,某　某,ボウ　ボウ,,,1985-06-01,1,,,,,,"


def upload(client, *rows, encoding="utf-8"):
    return client.post(reverse("admin:jpki_feedrun_upload"), {"file": feed_file(*rows), "encoding": encoding})


def test_dry_run_report_then_apply_once(supervisor_client, mover):
    resident, signing = mover
    response = upload(supervisor_client, MOVE)
    run = FeedRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:jpki_feedrun_change", args=[run.pk])
    assert run.dry_run and run.outcome == FeedRun.Outcome.DRY_RUN_CLEAN
    page = supervisor_client.get(response.url)
    html = page.content.decode()
    assert "試行（問題なし）" in html and "転居（move_within）" in html
    assert "失効する電子証明書" in html and "山田　太郎" in html and "基本4情報の変更" in html
    assert 'id="jpki-feed-apply"' in html
    assert ReadLog.objects.filter(screen="feed_report").exists()
    resident.refresh_from_db()
    assert resident.address_town == "大阪府吹田市泉町"  # the dry run wrote nothing
    token = page.context["submission_token"]
    apply_url = reverse("admin:jpki_feedrun_apply", args=[run.pk])
    done = supervisor_client.post(apply_url, {"_submission": token})
    applied = FeedRun.objects.get(dry_run=False)
    assert done.url == reverse("admin:jpki_feedrun_change", args=[applied.pk])
    assert applied.outcome == FeedRun.Outcome.APPLIED and applied.started_by.username == "supervisor"
    resident.refresh_from_db()
    signing.refresh_from_db()
    assert resident.address_town == "大阪府吹田市山田丘" and signing.status == Certificate.Status.REVOKED
    # The same confirm posted again (back button, double click): nothing more happens.
    again = supervisor_client.post(apply_url, {"_submission": token}, follow=True)
    assert "この手続は既に記録されています" in again.content.decode()
    assert FeedRun.objects.filter(dry_run=False).count() == 1


def test_refused_rows_shown_with_line_and_no_apply_button(supervisor_client, mover):
    response = upload(supervisor_client, MOVE, UNKNOWN)
    html = supervisor_client.get(response.url).content.decode()
    assert "試行（拒否される行あり）" in html
    assert "宛名番号 NOBODY の住民が登録されていません" in html and "<td>3</td>" in html
    assert 'id="jpki-feed-apply"' not in html
    run = FeedRun.objects.get()
    token = "0" * 32
    supervisor_client.post(reverse("admin:jpki_feedrun_apply", args=[run.pk]), {"_submission": token})
    assert not FeedRun.objects.filter(dry_run=False).exists()


def test_characters_listed_in_the_report(supervisor_client, db):
    row = "E-1,birth,2026-11-20,N1,髙橋　𠮷子,タカハシ　ヨシコ,,,2026-11-20,2,564-0041,大阪府吹田市泉町,1番1号,,,"
    response = upload(supervisor_client, row)
    html = supervisor_client.get(response.url).content.decode()
    assert "髙（U+9AD9）→ 高" in html and "𠮷（U+20BB7）→ 吉" in html


def test_cp932_upload(supervisor_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = "E-1,birth,2026-11-20,N2,髙橋　一郎,タカハシ　イチロウ,,,2026-11-20,1,564-0041,大阪府吹田市泉町,1番1号,,,"
    data = (HEADER + "\r\n" + row + "\r\n").encode("cp932")
    supervisor_client.post(
        reverse("admin:jpki_feedrun_upload"),
        {"file": SimpleUploadedFile("sjis.csv", data), "encoding": "cp932"},
    )
    assert FeedRun.objects.get().outcome == FeedRun.Outcome.DRY_RUN_CLEAN


def test_too_large_upload_refused_at_the_field(supervisor_client, settings, db):
    settings.FEED_MAX_UPLOAD_BYTES = 100
    response = upload(supervisor_client, MOVE, MOVE.replace("E-100", "E-102"))
    assert response.status_code == 200
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not FeedRun.objects.exists()


def test_counter_staff_cannot_upload_or_apply(clerk_client, db):
    assert clerk_client.get(reverse("admin:jpki_feedrun_upload")).status_code == 403
    assert clerk_client.post(reverse("admin:jpki_feedrun_apply", args=[1])).status_code == 403


def test_dashboard_links_supervisors_to_the_feed(supervisor_client, clerk_client):
    assert 'id="jpki-feed-link"' in supervisor_client.get(reverse("admin:index")).content.decode()
    assert 'id="jpki-feed-link"' not in clerk_client.get(reverse("admin:index")).content.decode()


def test_run_list_query_count(supervisor_client, mover, django_assert_num_queries):
    upload(supervisor_client, MOVE)
    upload(supervisor_client, MOVE, UNKNOWN)
    with django_assert_num_queries(10):
        response = supervisor_client.get(reverse("admin:jpki_feedrun_changelist"))
    html = response.content.decode()
    assert response.status_code == 200 and "feed.csv" in html and 'id="jpki-feed-upload-link"' in html


def test_applied_file_from_the_fixture_via_the_screen(supervisor_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    supervisor_client.post(
        reverse("admin:jpki_feedrun_upload"),
        {"file": SimpleUploadedFile("handwritten.csv", FIXTURE.read_bytes()), "encoding": "utf-8"},
    )
    run = FeedRun.objects.get()
    # The register is empty here: the changes for B2000x are refused, the births are not.
    assert run.outcome == FeedRun.Outcome.DRY_RUN_REFUSED and run.refused_rows == 9
    assert not Resident.objects.filter(resident_key="A10001").exists()
