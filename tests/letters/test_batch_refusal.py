"""A letter the batch cannot print (a character no letter font has) is left out and marked refused;
the batch prints the others, its mailing list counts only them, and the batch page says why."""

import pytest
from django.urls import reverse

from letters import services
from letters.mailing import batch_letters
from letters.models import Letter, LetterAccess
from residents import services as register
from tests.conftest import at
from tests.letters.test_batch_faults import make_proxy_applications

from .pdfcheck import text_of

POSTED = at(2026, 11, 25, 9, 30)


@pytest.fixture
def three_with_one_bad(db, clerk, office):
    apps = make_proxy_applications(3, clerk=clerk, office=office)
    # The register accepts the true character (a feed row, say) after the application was received.
    register.register_change(resident=apps[1].resident, actor=clerk, reason="氏名変更", name="김　철수")
    return apps


def test_one_bad_letter_among_three_is_refused_and_the_others_print(three_with_one_bad, clerk, office):
    apps = three_with_one_bad
    result = services.print_day(actor=clerk, reason="本日分の照会書", office=office, on=POSTED.date())
    letters = {lt.application_id: lt for lt in Letter.objects.filter(batch=result.batch)}
    assert len(letters) == 3
    good = [letters[apps[0].pk], letters[apps[2].pk]]
    bad = letters[apps[1].pk]
    assert "김" in bad.print_refusal and "氏名" in bad.print_refusal
    assert bad.batch_first_page is None and bad.page_count == 0
    assert all(lt.print_refusal == "" and lt.batch_first_page and lt.page_count == 2 for lt in good)
    assert result.pages == 5  # 2 letters x 2 pages + the mailing list
    pages = text_of(result.pdf)
    whole = "".join(pages)
    assert bad.reference not in whole and "김" not in whole
    assert all(lt.reference in pages[-1] for lt in good)  # the mailing list lists the printed two only
    assert bad.reference not in pages[-1]
    assert {lt.pk for lt in batch_letters(result.batch)} == {lt.pk for lt in good}  # tracking numbers, posting
    assert not LetterAccess.objects.filter(letter=bad, action="print").exists()
    assert "印刷できませんでした" in bad.history.first().history_change_reason


def test_the_batch_page_shows_the_refused_letter_and_its_message(three_with_one_bad, clerk, office, client):
    apps = three_with_one_bad
    result = services.print_day(actor=clerk, reason="本日分の照会書", office=office, on=POSTED.date())
    bad = Letter.objects.get(application=apps[1])
    client.force_login(clerk)
    page = client.get(reverse("admin:letters_mailingbatch_status", args=[result.batch.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="batch-refused"' in body and bad.reference in body and "김" in body
    assert "PDFと差出票から除きました" in body


def test_once_the_register_is_right_a_reprint_of_the_refused_letter_waits_for_the_next_batch(
    three_with_one_bad, clerk, office
):
    apps = three_with_one_bad
    services.print_day(actor=clerk, reason="本日分の照会書", office=office, on=POSTED.date())
    bad = Letter.objects.get(application=apps[1])
    register.register_change(resident=apps[1].resident, actor=clerk, reason="表記の訂正", name="金　哲洙")
    new = services.letter_reprint(letter=bad, actor=clerk, reason="氏名の表記を訂正")
    assert new.print_refusal == "" and new.batch_id is None
    assert list(services.letters_awaiting_batch(office=office)) == [new]
