"""The 交付記録簿 (issuance ledger) as a supervisor reads it: the reissue fee once, 受付者 and 交付者
apart, clerks family name first, the local day near midnight; the screen's form; links only for
the roles that may open the ledger."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from jpki import services
from jpki.models import Certificate
from letters import ledger, render
from tests.conftest import at
from tests.factories import CardFactory, ResidentFactory, UserFactory
from tests.letters.pdfcheck import text_of

NOW = at(2026, 11, 25, 10, 5)  # Wednesday, counter open


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def matsuda(db, office):
    user = UserFactory(username="matsuda", office=office)
    user.last_name, user.first_name = "松田", "浩二"
    user.save()
    return user


@pytest.fixture
def tanaka(db, office):
    user = UserFactory(username="tanaka", office=office)
    user.last_name, user.first_name = "田中", "美咲"
    user.save()
    return user


def _reissue(actor, *, when=NOW, name="佐藤　一郎"):
    resident = ResidentFactory(name=name, name_kana="サトウ　イチロウ")
    card = CardFactory(resident=resident)
    services.card_report_lost(card=card, actor=actor, reason="紛失", at=when - dt.timedelta(hours=1))
    return services.card_reissue(
        resident=resident,
        actor=actor,
        reason="再交付",
        issued_on=when.date(),
        signing=True,
        user=True,
        fee_paid=True,
        fee_receipt_number="R-001",
        at=when,
        outside_hours_confirmed=True,
    )


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_reissue_pair_fee_counted_once_in_rows_csv_and_pdf(office, matsuda):
    app = _reissue(matsuda)
    rows = ledger.ledger_rows(office=office, start=NOW.date(), end=NOW.date())
    assert len(rows) == 2 and app.fee_due == 200
    assert [row["fee"] for row in rows] == [200, None]  # the pair's 200 yen once, not on each row
    assert ledger.ledger_total_fee(rows) == 200
    table = _csv_rows(ledger.ledger_csv(rows))
    fee = table[0].index("手数料")
    assert [line[fee] for line in table[1:3]] == ["200", ""]
    assert table[-1][0] == "合計" and table[-1][fee] == "200"
    pdf = render.render_ledger(office=office, start=NOW.date(), end=NOW.date(), rows=rows, printed_at=NOW)
    text = "\n".join(text_of(pdf))
    assert "手数料合計: 200円" in text
    assert "400" not in text


def test_two_reissues_sum_to_400(office, matsuda):
    _reissue(matsuda, name="佐藤　一郎")
    _reissue(matsuda, name="鈴木　二郎")
    rows = ledger.ledger_rows(office=office, start=NOW.date(), end=NOW.date())
    assert len(rows) == 4 and ledger.ledger_total_fee(rows) == 400


def test_receiver_and_issuer_are_separate_columns_for_a_proxy(office, matsuda, tanaka):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 28))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    app = services.proxy_visit1(
        resident=kiyo,
        actor=matsuda,
        reason="代理人申請（1回目）",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="大阪府吹田市山田東1丁目1番1号",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=NOW,
    )
    services.proxy_letter_sent(application=app, actor=matsuda, reason="発送", at=at(2026, 11, 25, 17))
    visit2 = at(2026, 12, 7, 11)
    services.proxy_visit2(
        application=app,
        actor=tanaka,
        reason="代理人申請（2回目）",
        checklist={
            "resident_card_checked": True,
            "proxy_photo_id_checked": True,
            "reply_complete": True,
            "power_of_attorney_complete": True,
            "envelope_sealed": True,
            "application_form_checked": True,
        },
        proxy_document=services.DocumentShown("proxy", "driving_licence", "大阪府公安委員会", "1234 5678 9012"),
        at=visit2,
    )
    rows = ledger.ledger_rows(office=office, start=visit2.date(), end=visit2.date())
    assert rows and all(row["clerk"] == "松田 浩二" for row in rows)  # visit 1: family name first
    assert all(row["issuer"] == "田中 美咲" for row in rows)  # the clerk who issued
    header = _csv_rows(ledger.ledger_csv(rows))[0]
    assert header.index("受付者") + 1 == header.index("交付者")
    pdf = render.render_ledger(office=office, start=visit2.date(), end=visit2.date(), rows=rows, printed_at=visit2)
    text = text_of(pdf)[0]
    assert "松田 浩二" in text and "田中 美咲" in text and "浩二 松田" not in text
    heads = ["発行日", "申請番号", "申請の種類", "申請者", "氏名", "生年月日", "電子証明書", "有効期限", "手数料"]
    header_line = next(line for line in text.splitlines() if line.startswith("発行日"))
    assert header_line.split() == [*heads, "受付者", "交付者"]  # one line each, in this order: none wrapped


def test_issued_just_after_midnight_is_on_the_local_day(office, matsuda):
    late = at(2026, 11, 26, 0, 10)  # 2026-11-25 15:10 UTC
    _reissue(matsuda, when=late)
    assert Certificate.objects.filter(issued_on=dt.date(2026, 11, 26)).count() == 2
    assert ledger.ledger_rows(office=office, start=dt.date(2026, 11, 25), end=dt.date(2026, 11, 25)) == []
    rows = ledger.ledger_rows(office=office, start=dt.date(2026, 11, 26), end=dt.date(2026, 11, 26))
    assert [row["issued_on"] for row in rows] == ["2026-11-26", "2026-11-26"]
    assert rows[0]["issued_time"] == "00:10"
    pdf = render.render_ledger(office=office, start=late.date(), end=late.date(), rows=rows, printed_at=late)
    text = text_of(pdf)[0]
    assert "2026-11-26" in text and "出力 2026-11-26 00:10" in text and "2026-11-25" not in text


# --- the screen and the links ---------------------------------------------------------------------


def test_supervisor_chooses_office_and_month_on_the_screen(client, supervisor, branch):
    client.force_login(supervisor)
    url = reverse("admin:letters_letter_ledger")
    page = client.get(url)
    assert page.status_code == 200 and 'id="ledger-form"' in page.content.decode()
    chosen = client.get(url, {"office": branch.pk, "period": "month", "month": "2026-11", "format": "csv"})
    assert chosen.status_code == 302
    assert chosen["Location"] == f"{reverse('letters:ledger')}?office={branch.pk}&format=csv&month=2026-11"
    day = client.get(url, {"office": branch.pk, "period": "day", "day": "2026-11-25", "format": "pdf"})
    assert day["Location"].endswith("format=pdf&date=2026-11-25")
    opened = client.get(day["Location"])
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF")


def test_screen_errors_are_at_the_field_in_japanese(client, supervisor, office):
    client.force_login(supervisor)
    url = reverse("admin:letters_letter_ledger")
    bad = client.get(url, {"office": office.pk, "period": "month", "month": "2026-13", "format": "pdf"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["month"] == ["月は「2026-11」の形で入力してください。"]
    missing = client.get(url, {"office": office.pk, "period": "day", "day": "", "format": "pdf"})
    assert missing.context["form"].errors["day"] == ["日を入力してください。"]


def test_clerk_sees_no_ledger_link_and_no_link_ends_in_403(client, clerk, supervisor):
    client.force_login(clerk)
    assert client.get(reverse("admin:letters_letter_ledger")).status_code == 403
    for url in (reverse("admin:index"), reverse("admin:letters_letter_changelist")):
        page = client.get(url).content.decode()
        assert reverse("letters:ledger") not in page and reverse("admin:letters_letter_ledger") not in page
    client.force_login(supervisor)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:letters_letter_ledger") in index
    changelist = client.get(reverse("admin:letters_letter_changelist")).content.decode()
    assert reverse("admin:letters_letter_ledger") in changelist
    assert client.get(reverse("admin:letters_letter_ledger")).status_code == 200
