"""The demo city's review queue tells the truth: its register's history matches its certificates, so the
kana overrides (「かなで入力した証明書の氏名・住所」) are exactly the deliberate ones, and every other source
shows a plausible number of items."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jpki import review
from jpki.demo import KANA_OVERRIDE_RESIDENTS, TOKYO
from jpki.demo.common import certificate_text
from jpki.models import Application, Certificate
from residents.models import Resident
from tests.jpki.test_demo_city import NOW, TODAY

DELIBERATE = {row[1]: row[8] for row in KANA_OVERRIDE_RESIDENTS}  # name -> certificate name typed


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """The smallest city of the demo tests (60 residents), built once, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("demo_city", residents=60, seed=123, today=TODAY, no_progress=True, stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _all(kind: str) -> list[review.ReviewItem]:
    items, more = review.review_items(review.ReviewFilter(kinds=(kind,), status=review.ALL), limit=200)
    assert not more
    return items


def test_kana_overrides_are_exactly_the_deliberate_ones(city, db):
    items = _all("kana_override")
    names = {Resident.objects.get(pk=item.resident_id).name: item.summary for item in items}
    assert set(names) == set(DELIBERATE)
    for name, typed in DELIBERATE.items():
        assert f"証明書の氏名「{typed}」" in names[name]
    # one item per application; each certificate of it carries the typed name, no substituted position
    certificates = review.kana_override_certificates()
    assert {c.card.resident.name for c in certificates.select_related("card__resident")} == set(DELIBERATE)
    for cert in certificates:
        assert cert.name_in_certificate == DELIBERATE[cert.card.resident.name]
        assert cert.substituted_name_positions == []
        assert cert.application_id is not None


def test_every_certificate_carries_the_register_at_its_issue(city, db):
    """The resident's history row as of the certificate's recorded issue gives its name and address (with
    the 代替文字 where needed), except the names the clerk typed."""
    certs = list(Certificate.objects.select_related("card"))
    assert len(certs) > 50
    for cert in certs:
        assert cert.created_at <= NOW
        assert timezone.localtime(cert.created_at, TOKYO).date() == cert.issued_on
        then = (
            Resident.history.filter(id=cert.card.resident_id, history_date__lte=cert.created_at)
            .order_by("-history_date", "-history_id")
            .first()
        )
        assert then is not None, cert.serial
        address = (
            then.address_town + then.address_block + (f"\u3000{then.address_building}" if then.address_building else "")
        )
        assert (cert.address_in_certificate, cert.substituted_address_positions) == certificate_text(address)
        if then.name in DELIBERATE:
            assert cert.name_in_certificate == DELIBERATE[then.name]
        else:
            assert (cert.name_in_certificate, cert.substituted_name_positions) == certificate_text(then.name)


def test_a_move_within_the_city_is_a_dated_change_of_the_register(city, db):
    """A resident who moved: the history row of creation with the old address at registration, a row of
    change with the address now at the moment the signing certificate was revoked (基本4情報の変更); the
    certificates issued before it carry the old address."""
    changes = list(Resident.history.filter(history_type="~"))
    assert changes  # this city has one
    for change in changes:
        resident = Resident.objects.get(pk=change.id)
        created = Resident.history.get(id=change.id, history_type="+")
        assert created.history_date < change.history_date <= NOW
        assert change.address_block == resident.address_block
        assert (created.address_town, created.address_block) != (resident.address_town, resident.address_block)
        revoked = Certificate.objects.get(
            card__resident=resident, kind="signing", revocation_reason="基本4情報の変更", revoked_at=change.history_date
        )
        assert revoked.created_at < change.history_date
        assert revoked.address_in_certificate != resident.address
        later = Certificate.objects.filter(card__resident=resident, created_at__gt=change.history_date)
        assert all(c.address_in_certificate == resident.address for c in later)


def test_the_other_sources_show_plausible_counts(city, db):
    counts = review.counts(review.ReviewFilter(status=review.ALL))
    print("review sources in the demo city (60 residents):", counts)
    assert counts["kana_override"] == len(DELIBERATE)
    apps = Application.objects.count()
    # the demo makes sure there is a returned letter and a reissue with a fee (jpki.demo.applications)
    assert 1 <= counts["letter_return"] <= 3
    assert 1 <= counts["reissue_fee"] <= apps // 5
    assert counts["outside_hours_application"] <= max(1, apps // 20)
    # no staff action of that kind in a freshly built city
    for kind in ("outside_hours_record", "substitution_edit", "feed_revocation", "manual_move_in"):
        assert counts[kind] == 0, kind
    assert counts.get("letter_reprint", 0) == 0
    assert sum(counts.values()) < apps
