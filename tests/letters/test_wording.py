"""The wording of the letters against the city's page (吹田市 公的個人認証(電子証明書), 申請の流れ) and issue 11:
what a power of attorney grants, what the proxy brings on visit 2, the reply deadline as a date, the
resident's name on the reply page, lines that do not strand 「い）」, full-width brackets, and the optional
文書番号 / 「公印省略」."""

import re
from datetime import datetime

import pytest
from django.utils import timezone

from letters import render
from letters.samples import sample_application

from .pdfcheck import MM, chars, text_of

AT = timezone.make_aware(datetime(2026, 11, 25, 15, 0))


def _pdf(kind: str = "inquiry", app_kind: str = "new") -> list[str]:
    app, certs = sample_application(1, at=AT, kind=app_kind)
    data = render.LetterData(kind=kind, application=app, reference="SU-2026-000555", rendered_at=AT, certificates=certs)
    return text_of(render.render_letter(data).pdf)


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text)


def _delegation(pages: list[str]) -> str:
    """The 委任状欄 of the reply page up to 「に関する一切の権限」 (the end of the 委任事項 cell)."""
    text = _compact(pages[1])
    return text[text.index("委任します。") : text.index("に関する一切の")]


def test_password_initialization_does_not_delegate_receiving_an_issued_certificate():
    delegated = _delegation(_pdf(app_kind="password_init"))
    assert "暗証番号" in delegated and "初期化" in delegated
    assert "発行の受領" not in delegated


@pytest.mark.parametrize("app_kind", ["new", "renewal"])
def test_issuance_delegates_the_application_the_password_and_receiving_the_certificate(app_kind):
    delegated = _delegation(_pdf(app_kind=app_kind))
    assert "暗証番号の設定" in delegated and "電子証明書の発行の受領" in delegated


def test_revocation_delegates_only_the_application():
    delegated = _delegation(_pdf(app_kind="revocation"))
    assert "暗証番号" not in delegated and "受領" not in delegated


@pytest.mark.parametrize("kind", ["inquiry", "inquiry_request"])
def test_visit_two_list_names_the_issuance_application_form_as_the_citys_page_requires(kind):
    text = _compact("".join(_pdf(kind=kind, app_kind="new")))
    assert "個人番号カード" in text and "照会書兼回答書" in text
    assert "電子証明書新規発行申請書" in text[text.index("2回目の来庁") :]


def test_visit_two_list_of_a_password_initialization_asks_for_no_issuance_form():
    text = _compact(_pdf(kind="inquiry_request", app_kind="password_init")[0])
    assert "電子証明書新規発行申請書" not in text[text.index("2回目の来庁") :]


@pytest.mark.parametrize(("days", "expected"), [(14, "令和8年12月9日"), (21, "令和8年12月16日")])
def test_reply_deadline_is_printed_as_a_date_from_the_setting(settings, days, expected):
    settings.PROXY_REPLY_DEADLINE_DAYS = days
    inquiry = _compact(_pdf()[0])
    assert "回答の期限" in inquiry and f"{expected}まで" in inquiry
    # the request printed at visit 1 does not guess the letter's date: it points to the letter's deadline
    assert "回答の期限" in _compact(_pdf(kind="inquiry_request")[0])


def test_reply_page_carries_the_residents_name():
    app, _certs = sample_application(1, at=AT)
    page2 = _compact(_pdf()[1])
    assert _compact(app.resident.name) + "様" in page2
    assert "照会の相手方" in page2


def test_the_check_box_instruction_is_never_broken_before_its_last_characters():
    lines = _pdf()[1].splitlines()
    assert any("（該当する□に印を付けてください）" in line for line in lines), [
        line for line in lines if "該当" in line or "い）" in line
    ]
    assert not any(line.strip() in ("い）", "さい）") for line in lines)


@pytest.mark.parametrize("kind", ["inquiry", "application_form", "inquiry_request"])
def test_japanese_text_uses_full_width_brackets(kind):
    for page in _pdf(kind=kind):
        assert not re.search(r"[^\x00-\x7f][()]|[()][^\x00-\x7f]", page), re.findall(r".{0,8}[()].{0,8}", page)


def test_document_number_and_seal_omitted_are_settings(settings):
    default = _compact(_pdf()[0])
    assert "公印省略" not in default and "吹市民第" not in default
    settings.LETTER_DOCUMENT_NUMBER = "吹市民第1234号"
    settings.LETTER_SEAL_OMITTED = True
    page1 = _compact(_pdf()[0])
    assert "吹市民第1234号" in page1 and "（公印省略）" in page1
    assert page1.index("吹市民第1234号") < page1.index("吹田市長") < page1.index("公印省略")


def test_return_address_and_form_code_are_printed_away_from_the_window():
    app, certs = sample_application(1, at=AT)
    data = render.LetterData(kind="inquiry", application=app, reference="SU-2026-000556", rendered_at=AT)
    page = chars(render.render_letter(data).pdf, 0)
    line = "".join(c["text"] for c in page)
    assert "〒564-8550" in line.replace(" ", "") and "返送してください" not in line
    for needle in ("大阪府吹田市泉町1丁目3番40号", "様式"):
        start = line.index(needle)
        assert all(c["top"] > 99 * MM for c in page[start : start + len(needle)]), needle  # below the first fold
