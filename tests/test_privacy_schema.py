"""No table (history tables included) has a column for a password (暗証番号) or the 12-digit
individual number (個人番号); identity-document numbers are at most 4 characters."""

import re

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

FORBIDDEN = re.compile(
    r"((^|_)pin(_|$)|passcode|password|passwd|secret|ansho|anshou|暗証|my_?number|individual_?number|kojin|個人番号)",
    re.I,
)
# Django's own auth table stores a salted hash of the *staff* login password, not a resident's PIN.
ALLOWED = {("auth_user", "password")}


def domain_tables():
    tables = set()
    for label in ("jpki", "residents", "letters"):
        for model in apps.get_app_config(label).get_models():
            tables.add(model._meta.db_table)
    return tables


def test_history_tables_are_covered():
    tables = domain_tables()
    assert "residents_historicalresident" in tables
    assert "jpki_historicalcertificate" in tables
    assert "jpki_historicalproxyauthorization" in tables


def test_no_column_for_password_or_individual_number():
    offenders = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = column.name
                if (table, name) in ALLOWED:
                    continue
                if FORBIDDEN.search(name) and not name.startswith("number_last4"):
                    offenders.append(f"{table}.{name}")
    assert offenders == []


def test_document_numbers_hold_four_characters_at_most():
    for label in ("jpki", "residents", "letters"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if "number" in getattr(field, "name", "") and "last4" in field.name:
                    assert field.max_length == 4, f"{model.__name__}.{field.name}"


def test_no_char_field_could_hold_a_12_digit_individual_number_by_name():
    for label in ("jpki", "residents", "letters"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                assert not FORBIDDEN.search(field.name) or field.name == "number_last4", (
                    f"{model.__name__}.{field.name}"
                )
