"""Query counts of the main screens do not grow with the number of rows (as a counter clerk)."""
import datetime as dt

import pytest

from jpki import services
from jpki.models import Application
from tests.admin.conftest import OPEN_NOW, count_queries, make_residents
from tests.factories import CardFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _grow(fn_setup, fn_request, small=3, big=30):
    fn_setup(small)
    fn_request()  # warm-up: per-process caches (content types, permissions) are not the point
    response, few = count_queries(fn_request)
    assert response.status_code == 200
    fn_setup(big - small)
    response, many = count_queries(fn_request)
    assert response.status_code == 200
    return few, many


def test_resident_changelist_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/residents/resident/"))
    assert few == many


def test_resident_search_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk),
                      lambda: clerk_client.get("/admin/residents/resident/", {"q": "てすと"}))
    assert few == many


def test_certificate_changelist_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/certificate/"))
    assert few == many


def test_card_changelist_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/card/"))
    assert few == many


def test_application_changelist_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/jpki/application/"))
    assert few == many


def test_resident_page_constant_in_history(clerk_client, clerk, counter_open):
    resident = ResidentFactory()
    CardFactory(resident=resident)

    def add_history(n):
        for i in range(n):
            services.certificates_issue(resident=resident, actor=clerk, reason=f"r{i}", signing=False, user=True,
                                        at=OPEN_NOW - dt.timedelta(days=1000 + i), outside_hours_confirmed=True)
            services.certificates_revoke(resident=resident, actor=clerk, reason="x", signing=False, user=True,
                                         at=OPEN_NOW - dt.timedelta(days=1000 + i) + dt.timedelta(hours=1),
                                         outside_hours_confirmed=True)

    few, many = _grow(add_history, lambda: clerk_client.get(f"/admin/residents/resident/{resident.pk}/change/"),
                      small=2, big=12)
    assert few == many


def test_application_page_constant(clerk_client, clerk, counter_open):
    residents = make_residents(3, actor=clerk)
    app = Application.objects.filter(resident=residents[0]).get()
    clerk_client.get(f"/admin/jpki/application/{app.pk}/change/")
    _r, few = count_queries(lambda: clerk_client.get(f"/admin/jpki/application/{app.pk}/change/"))
    make_residents(20, actor=clerk)
    _r, many = count_queries(lambda: clerk_client.get(f"/admin/jpki/application/{app.pk}/change/"))
    assert few == many


def test_dashboard_constant(clerk_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: clerk_client.get("/admin/"))
    assert few == many


def test_audit_page_constant(supervisor_client, clerk, counter_open):
    few, many = _grow(lambda n: make_residents(n, actor=clerk), lambda: supervisor_client.get("/admin/jpki/recordview/audit/"))
    assert few == many
