"""Hostile input, property-based (hypothesis): rules, the certificate charset and the services.

Contracts checked:

- ``jpki.rules``: every public function returns or raises ``ValueError`` / ``TypeError``;
- ``residents.charset``: any text gives a certificate text the certificate can hold (and the
  substituted positions) or a ``ValidationError`` in Japanese;
- the services (``resident_register``, ``resident_change_basic_info``, ``proxy_visit1``,
  ``card_issue``): succeed, or raise ``ValidationError`` with Japanese text and write nothing
  (every table, history tables included, keeps its row count; the record keeps its values).
"""

from __future__ import annotations

import datetime as dt
import inspect
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jpki import rules, services
from jpki.models import Certificate, IdentityDocument, ProxyAuthorization
from jpki.services import DocumentShown
from residents import charset
from residents import services as resident_services
from residents.models import Resident
from tests.conftest import at
from tests.factories import CardFactory, CertificateFactory, ResidentFactory

from .support import (
    HOSTILE_FRAGMENTS,
    LONE_SURROGATES,
    NUL,
    bug_open,
    has_unstorable,
    hostile_text,
    is_japanese,
    known_bug,
    row_counts,
    without,
)

NOW = at(2026, 11, 25, 10, 5)
UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")

HYPOTHESIS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
# Pure functions (no database): cheap, so many more examples.
HYPOTHESIS_PURE = settings(HYPOTHESIS, max_examples=100)

EXTREME_DATES = (
    dt.date.min,
    dt.date.max,
    dt.date(9999, 12, 29),
    dt.date(1, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(2000, 2, 29),
    dt.date(2100, 2, 28),
)


def any_date():
    return st.one_of(st.dates(), st.sampled_from(EXTREME_DATES))


def any_datetime():
    aware = st.datetimes(timezones=st.sampled_from([UTC, TOKYO, dt.timezone(dt.timedelta(hours=-12))]))
    extremes = st.sampled_from(
        [dt.datetime.max.replace(tzinfo=UTC), dt.datetime.min.replace(tzinfo=UTC), dt.datetime.max, dt.datetime.min]
    )
    return st.one_of(aware, st.datetimes(), extremes)


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    hostile_text(max_size=30),
    any_date(),
    any_datetime(),
    st.lists(st.sampled_from(rules.GROUP_A + rules.GROUP_B1 + ("", "x")), max_size=4),
)


# --- jpki.rules -------------------------------------------------------------------------------------------


def _strategy_for(parameter: inspect.Parameter):
    note = str(parameter.annotation)
    if "datetime" in note:
        typed = any_datetime()
    elif "date" in note:
        typed = any_date()
    elif "bool" in note:
        typed = st.booleans()
    elif "int" in note:
        typed = st.one_of(st.integers(min_value=-20, max_value=200), st.integers(min_value=-(10**20), max_value=10**20))
    elif "Iterable" in note:
        typed = st.lists(
            st.one_of(st.sampled_from(rules.GROUP_A + rules.GROUP_B1 + rules.GROUP_B2), hostile_text(max_size=10)),
            max_size=5,
        )
    elif "str" in note:
        typed = st.one_of(st.sampled_from(rules.GROUP_A + rules.GROUP_B2), hostile_text(max_size=30))
    else:
        typed = ANYTHING
    if parameter.default is not inspect.Parameter.empty:
        typed = st.one_of(typed, st.just(parameter.default))
    return st.one_of(typed, typed, typed, ANYTHING)  # mostly well-typed, sometimes anything


RULE_FUNCTIONS = [name for name in rules.__all__ if inspect.isfunction(getattr(rules, name))]


def _call_rule(fn, kwargs):
    positional = [p for p in inspect.signature(fn).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    args = [kwargs.pop(p.name) for p in positional if p.name in kwargs]
    try:
        fn(*args, **kwargs)
    except (ValueError, TypeError):
        pass
    except (OverflowError, AttributeError):
        if not bug_open("rules-type-guard"):
            raise


@pytest.mark.parametrize("name", RULE_FUNCTIONS)
def test_rule_functions_return_or_raise_value_or_type_error(name):
    fn = getattr(rules, name)
    params = {
        p.name: _strategy_for(p)
        for p in inspect.signature(fn).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }

    @HYPOTHESIS_PURE
    @given(st.fixed_dictionaries(params))
    def check(kwargs):
        _call_rule(fn, dict(kwargs))

    check()


@known_bug("rules-type-guard")
@pytest.mark.parametrize(
    "call",
    [
        lambda: rules.next_counter_day(dt.date(9999, 12, 29)),
        lambda: rules.counter_is_open(dt.datetime.max.replace(tzinfo=UTC)),
        lambda: rules.birthday_in_year(dt.date(2000, 2, 29), 10**30),
        lambda: rules.add_months(dt.date(2000, 1, 31), 10**30),
        lambda: rules.nth_birthday_after(dt.date(2000, 1, 1), dt.date(1990, 1, 1), 10**20),
    ],
    ids=["next_counter_day", "counter_is_open", "birthday_in_year", "add_months", "nth_birthday_after"],
)
def test_rules_turn_out_of_range_into_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_rules_still_answer_at_the_edges_of_the_calendar():
    assert rules.is_counter_day(dt.date(1, 1, 4)) in (True, False)
    assert rules.certificate_state(dt.date.min, dt.date.max) == "expired"
    assert rules.counter_is_open(dt.datetime.min.replace(tzinfo=UTC)) is False
    assert rules.identity_documents_sufficient(["<script>", NUL, "driving_licence"]) is True
    assert rules.is_official_photo_id("driving_licence\x00") is False


# --- residents.charset ---------------------------------------------------------------------------------------


def any_text():
    return st.one_of(hostile_text(max_size=60), st.text(alphabet=st.characters(exclude_categories=()), max_size=40))


@HYPOTHESIS_PURE
@given(text=any_text())
@example(text="髙﨑𠮷田　ｶﾞｷﾞ\ufe00葛\U000e0100")
@example(text="\ud800")
@example(text=NUL)
def test_charset_gives_a_certificate_text_or_a_japanese_refusal(text):
    assert isinstance(charset.is_supported(text), bool)
    unsupported = charset.unsupported_characters(text)
    assert all(text[i] == c for i, c in unsupported)
    assert charset.is_supported(text) == (not unsupported)
    rows = charset.check_text(text, table=dict(charset.DEFAULT_SUBSTITUTIONS))
    assert [r["position"] for r in rows] == [i for i, _ in unsupported]
    try:
        result, positions = charset.substitute_characters_detailed(text, table=dict(charset.DEFAULT_SUBSTITUTIONS))
    except ValidationError as exc:
        assert exc.messages and all(is_japanese(m) for m in exc.messages)
        assert any(r["substitute"] is None for r in rows)
        return
    assert charset.is_supported(result), (text, result)
    assert positions == sorted(set(positions)) and all(0 <= p < len(text) for p in positions)
    assert not has_unstorable(result)
    assert charset.substitute_characters(result, table={}) == result  # idempotent


@pytest.mark.django_db
@HYPOTHESIS
@given(text=any_text())
def test_charset_with_the_staff_table_in_the_database(text):
    try:
        result = charset.substitute_characters(text)
    except ValidationError as exc:
        assert all(is_japanese(m) for m in exc.messages)
    else:
        assert charset.is_supported(result)


@pytest.mark.parametrize("text", [None, 12, b"\xe9\xab\x99"])
def test_charset_with_wrong_types_raises_type_error(text):
    with pytest.raises(TypeError):
        charset.substitute_characters(text, table={})


# --- services -------------------------------------------------------------------------------------------------


def _refusal_is_clean(exc: ValidationError, before: dict):
    messages = [str(m) for m in exc.messages]
    assert messages, "a refusal without a message"
    assert all(is_japanese(m) for m in messages), messages
    after = row_counts()
    assert after == before, {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}


def _in_rolled_back_transaction(fn):
    """Run one example and undo it, so that every example starts from the same rows."""
    with transaction.atomic():
        try:
            fn()
        finally:
            transaction.set_rollback(True)


TEXT_FIELDS = (
    "name",
    "name_kana",
    "alias_name",
    "postal_code",
    "address_town",
    "address_block",
    "address_building",
    "residence_status",
)
GOOD = {
    "name": "山田　花子",
    "name_kana": "ヤマダ　ハナコ",
    "birth_date": dt.date(1985, 6, 1),
    "sex": "female",
    "postal_code": "564-0041",
    "address_town": "大阪府吹田市泉町",
    "address_block": "2丁目5番12号",
}


def resident_fields():
    text = st.one_of(hostile_text(max_size=120), st.sampled_from(["山田　太郎", "ヤマダ　タロウ", "564-8550"]))
    optional = {name: text for name in TEXT_FIELDS if name not in GOOD} | {
        "period_of_stay_ends_on": st.one_of(st.none(), any_date()),
        "is_adult_ward": st.booleans(),
        "status": st.sampled_from(["deceased", "registered"]),  # not a registrable field
        "name_search": text,
    }
    required = {
        name: st.one_of(st.just(value), text if isinstance(value, str) else any_date())
        for name, value in GOOD.items()
        if name != "sex"
    } | {"sex": st.one_of(st.sampled_from(["male", "female"]), hostile_text(max_size=10))}
    return st.fixed_dictionaries(required, optional=optional)


@pytest.mark.django_db
@HYPOTHESIS
@given(fields=resident_fields().filter(without("nul-and-surrogates")))
@example(fields={**GOOD, "name": "<script>alert(1)</script>"})
@example(fields={**GOOD, "birth_date": dt.date.max})
@example(fields={**GOOD, "postal_code": "564-0041'; DROP TABLE residents_resident; --"})
def test_resident_register_refuses_cleanly(fields, clerk):
    def attempt():
        before = row_counts()
        try:
            resident = resident_services.resident_register(actor=clerk, reason="住民登録", **fields)
        except ValidationError as exc:
            _refusal_is_clean(exc, before)
            return
        assert not has_unstorable(fields), "stored a NUL byte or a lone surrogate"
        stored = Resident.objects.get(pk=resident.pk)
        for key, value in fields.items():
            assert getattr(stored, key) == value, key  # stored exactly, nothing mangled or cut
        assert row_counts()["residents.Resident"] == before["residents.Resident"] + 1
        assert row_counts()["residents.HistoricalResident"] == before["residents.HistoricalResident"] + 1

    _in_rolled_back_transaction(attempt)


def basic_info_changes():
    text = st.one_of(hostile_text(max_size=120), st.sampled_from(["大阪府吹田市山田東", "鈴木　花子"]))
    values = {name: text for name in TEXT_FIELDS} | {
        "birth_date": any_date(),
        "sex": st.one_of(st.sampled_from(["male", "female"]), text),
        "period_of_stay_ends_on": st.one_of(st.none(), any_date()),
        "is_adult_ward": st.booleans(),
    }
    return st.fixed_dictionaries({}, optional=values | {"status": st.just("deceased"), "id": st.just(1)})


@pytest.mark.django_db
@HYPOTHESIS
@given(changes=basic_info_changes().filter(without("nul-and-surrogates")))
@example(changes={"address_town": "大阪府吹田市山田東\u3000" + "x" * 200})
@example(changes={"birth_date": dt.date.max})
@example(changes={})
def test_resident_change_basic_info_refuses_cleanly(changes, clerk):
    def attempt():
        resident = ResidentFactory()
        card = CardFactory(resident=resident)
        CertificateFactory(card=card, kind="signing")
        CertificateFactory(card=card, kind="user")
        before = row_counts()
        before_row = model_to_dict(Resident.objects.get(pk=resident.pk))
        try:
            revoked = services.resident_change_basic_info(
                resident=resident, actor=clerk, reason="異動の記録", at=NOW, **changes
            )
        except ValidationError as exc:
            _refusal_is_clean(exc, before)
            assert model_to_dict(Resident.objects.get(pk=resident.pk)) == before_row
            assert Certificate.objects.filter(card=card, status="valid").count() == 2
            return
        assert not has_unstorable(changes), "stored a NUL byte or a lone surrogate"
        stored = Resident.objects.get(pk=resident.pk)
        for key, value in changes.items():
            assert getattr(stored, key) == value, key
        basic = {k for k in set(changes) & set(resident_services.BASIC_INFO_FIELDS) if before_row[k] != changes[k]}
        assert [c.kind for c in revoked] == (["signing"] if basic else [])

    _in_rolled_back_transaction(attempt)


def documents():
    kinds = st.one_of(st.sampled_from(IdentityDocument.Kind.values), hostile_text(max_size=20))
    holders = st.one_of(st.sampled_from(["proxy", "resident", "legal"]), hostile_text(max_size=10))
    return st.builds(
        DocumentShown, holder=holders, kind=kinds, issuer=hostile_text(max_size=80), number=hostile_text(max_size=80)
    )


def visit1_arguments():
    text = st.one_of(hostile_text(max_size=250), st.sampled_from(["鈴木　一郎", "スズキ　イチロウ", "子"]))
    return st.fixed_dictionaries(
        {
            "kind": st.one_of(st.sampled_from(["new", "renewal", "password_init", "revocation", "reissue"]), text),
            "signing": st.booleans(),
            "user": st.booleans(),
            "proxy_name": text,
            "proxy_kana": text,
            "proxy_address": text,
            "proxy_birth_date": st.one_of(st.none(), any_date()),
            "relation": text,
        },
        optional={"proxy_postal_code": text, "proxy_document": st.one_of(st.none(), documents())},
    )


@pytest.mark.django_db
@HYPOTHESIS
@given(arguments=visit1_arguments().filter(without("nul-and-surrogates")))
@example(
    arguments={
        "kind": "new",
        "signing": True,
        "user": True,
        "proxy_name": "<b>鈴木</b>",
        "proxy_kana": "ｽｽﾞｷ",
        "proxy_address": "吹田市" * 100,
        "proxy_birth_date": dt.date.min,
        "relation": "子" * 60,
        "proxy_document": DocumentShown("proxy", "driving_licence", "公安委員会" * 20, "1234 5678 9012"),
    }
)
def test_proxy_visit1_refuses_cleanly(arguments, clerk):
    def attempt():
        kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
        CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
        before = row_counts()
        try:
            app = services.proxy_visit1(resident=kiyo, actor=clerk, reason="代理人申請（1回目）", at=NOW, **arguments)
        except ValidationError as exc:
            _refusal_is_clean(exc, before)
            return
        assert not has_unstorable(arguments), "stored a NUL byte or a lone surrogate"
        proxy = ProxyAuthorization.objects.get(application=app)
        assert proxy.proxy_name == arguments["proxy_name"].strip()[:100]
        for doc in IdentityDocument.objects.filter(application=app):
            assert len(doc.number_last4) <= 4
        history = ProxyAuthorization.history.filter(id=proxy.pk)
        assert history.count() == 1 and history.get().history_user == clerk

    _in_rolled_back_transaction(attempt)


@pytest.mark.django_db
@HYPOTHESIS
@given(issued_on=any_date())
@example(issued_on=dt.date(9999, 1, 1))
def test_card_issue_with_any_date_refuses_cleanly(issued_on, clerk):
    def attempt():
        resident = ResidentFactory()
        before = row_counts()
        try:
            services.card_issue(resident=resident, actor=clerk, reason="カード交付", issued_on=issued_on)
        except ValidationError as exc:
            _refusal_is_clean(exc, before)

    _in_rolled_back_transaction(attempt)


# --- the known bugs, one focused test each ----------------------------------------------------------------------

UNSTORABLE = [NUL, "山田\x00花子", *LONE_SURROGATES, "田\ud800中"]


@known_bug("nul-and-surrogates")
@pytest.mark.django_db
@pytest.mark.parametrize("value", UNSTORABLE, ids=lambda v: repr(v))
def test_resident_register_refuses_nul_and_lone_surrogates(value, clerk):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        resident_services.resident_register(actor=clerk, reason="住民登録", **{**GOOD, "address_building": value})
    _refusal_is_clean(exc.value, before)
    assert "address_building" in exc.value.message_dict


@known_bug("nul-and-surrogates")
@pytest.mark.django_db
@pytest.mark.parametrize("value", UNSTORABLE, ids=lambda v: repr(v))
def test_proxy_visit1_refuses_nul_and_lone_surrogates(value, clerk):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        services.proxy_visit1(
            resident=kiyo,
            actor=clerk,
            reason="代理人申請（1回目）",
            kind="new",
            signing=True,
            user=True,
            proxy_name="鈴木　一郎",
            proxy_kana="スズキ　イチロウ",
            proxy_address="大阪府吹田市" + value,
            proxy_birth_date=dt.date(1968, 7, 7),
            relation="子",
            at=NOW,
        )
    _refusal_is_clean(exc.value, before)
    assert "proxy_address" in exc.value.message_dict


@known_bug("nul-and-surrogates")
@pytest.mark.django_db
@pytest.mark.parametrize("value", UNSTORABLE, ids=lambda v: repr(v))
def test_reason_with_nul_or_lone_surrogate_is_refused(value, clerk, card):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        services.certificates_issue(
            resident=card.resident, actor=clerk, reason="新規" + value, signing=True, user=True, at=NOW
        )
    _refusal_is_clean(exc.value, before)
    assert "reason" in exc.value.message_dict


@known_bug("service-date-range")
@pytest.mark.django_db
@pytest.mark.parametrize("issued_on", [dt.date(9999, 1, 1), dt.date.max, dt.date(1, 1, 1), dt.date(1985, 5, 31)])
def test_card_issue_refuses_an_impossible_delivery_date(issued_on, clerk):
    resident = ResidentFactory(birth_date=dt.date(1985, 6, 1))
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        services.card_issue(resident=resident, actor=clerk, reason="カード交付", issued_on=issued_on)
    _refusal_is_clean(exc.value, before)
    assert "issued_on" in exc.value.message_dict


@known_bug("service-date-range")
@pytest.mark.django_db
@pytest.mark.parametrize("issued_on", [dt.date(9999, 1, 1), dt.date(1, 1, 1)])
def test_card_reissue_refuses_an_impossible_delivery_date(issued_on, clerk, card):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        services.card_reissue(
            resident=card.resident,
            actor=clerk,
            reason="再交付",
            issued_on=issued_on,
            signing=True,
            user=True,
            fee_paid=True,
            fee_receipt_number="R-1",
            at=NOW,
        )
    _refusal_is_clean(exc.value, before)
    assert "issued_on" in exc.value.message_dict


def test_hostile_fragments_cover_the_brief():
    joined = "".join(HOSTILE_FRAGMENTS)
    for needle in (NUL, "\ud800", "😀", "\U000e0100", "\ufe00", "<script>", "DROP TABLE", "ﾔﾏﾀﾞ"):
        assert needle in joined
    assert max(len(f) for f in HOSTILE_FRAGMENTS) >= 4000


# --- dates that make sense, postal codes, the substitution table (issue 10) -----------------------------------------

DEPARTURE_NOW = at(2026, 11, 25, 10, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "on",
    [dt.date(1, 1, 1), dt.date(1985, 5, 31), dt.date(2026, 11, 26), dt.date.max],
    ids=["year-1", "before-birth", "tomorrow", "max"],
)
def test_departure_refuses_a_date_before_birth_or_after_today(on, clerk):
    resident = ResidentFactory(birth_date=dt.date(1985, 6, 1))
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        services.resident_record_departure(
            resident=resident, status="moved_out", on=on, actor=clerk, reason="転出届", at=DEPARTURE_NOW
        )
    _refusal_is_clean(exc.value, before)
    assert "on" in exc.value.message_dict


@pytest.mark.django_db
def test_departure_on_a_sensible_date_is_recorded(clerk):
    resident = ResidentFactory(birth_date=dt.date(1985, 6, 1))
    services.resident_record_departure(
        resident=resident, status="moved_out", on=dt.date(2026, 11, 20), actor=clerk, reason="転出届", at=DEPARTURE_NOW
    )
    resident.refresh_from_db()
    assert resident.status == "moved_out" and resident.status_changed_on == dt.date(2026, 11, 20)


def _visit1(clerk, **changes):
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    arguments = {
        "kind": "new",
        "signing": True,
        "user": True,
        "proxy_name": "鈴木　一郎",
        "proxy_kana": "スズキ　イチロウ",
        "proxy_address": "大阪府吹田市山田東1丁目1番1号",
        "proxy_birth_date": dt.date(1968, 7, 7),
        "relation": "子",
    }
    return services.proxy_visit1(
        resident=kiyo, actor=clerk, reason="代理人申請（1回目）", at=NOW, **{**arguments, **changes}
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "birth_date",
    [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(2011, 11, 26), dt.date(2026, 11, 25), dt.date(9999, 12, 31)],
    ids=["year-1", "1899", "aged-14", "today", "year-9999"],
)
def test_proxy_visit1_refuses_a_proxy_born_before_1900_or_under_15(birth_date, clerk):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        _visit1(clerk, proxy_birth_date=birth_date)
    assert "proxy_birth_date" in exc.value.message_dict
    assert all(is_japanese(m) for m in exc.value.message_dict["proxy_birth_date"])
    assert row_counts()["jpki.Application"] == before["jpki.Application"]


@pytest.mark.django_db
def test_proxy_visit1_accepts_a_proxy_who_turned_15_today(clerk):
    app = _visit1(clerk, proxy_birth_date=dt.date(2011, 11, 25))
    assert ProxyAuthorization.objects.get(application=app).proxy_birth_date == dt.date(2011, 11, 25)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "postal_code", ["=1+1", "564", "564-00411", "abc-defg", "５６４－００４", "564\x000041", "@564"]
)
def test_proxy_visit1_refuses_a_postal_code_that_is_not_one(postal_code, clerk):
    with pytest.raises(ValidationError) as exc:
        _visit1(clerk, proxy_postal_code=postal_code)
    assert "proxy_postal_code" in exc.value.message_dict
    assert all(is_japanese(m) for m in exc.value.message_dict["proxy_postal_code"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "postal_code, stored",
    [
        ("564-0041", "564-0041"),
        ("5640041", "564-0041"),
        ("５６４－００４１", "564-0041"),
        ("５６４００４１", "564-0041"),
        ("〒564-0041", "564-0041"),
        (" 564ー0041 ", "564-0041"),
        ("", ""),
    ],
)
def test_proxy_visit1_normalizes_the_postal_code(postal_code, stored, clerk):
    app = _visit1(clerk, proxy_postal_code=postal_code)
    assert ProxyAuthorization.objects.get(application=app).proxy_postal_code == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, field",
    [
        ({"original": "高", "substitute": "高"}, "original"),
        ({"original": "A", "substitute": "A"}, "original"),
        ({"original": "\x07", "substitute": "高"}, "original"),
        ({"original": "\U0002123d", "substitute": "\x00"}, "substitute"),
        ({"original": "\U0002123d", "substitute": "\U0002a6b3"}, "substitute"),
        ({"original": "\U0002123d", "substitute": "土", "note": "\ud800"}, "note"),
        ({"original": "", "substitute": "土"}, "original"),
    ],
)
def test_substitution_save_refuses_at_the_field(fields, field, clerk):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        resident_services.substitution_save(actor=clerk, reason="住民からの申出", **fields)
    _refusal_is_clean(exc.value, before)
    assert field in exc.value.message_dict


@pytest.mark.django_db
def test_workflow_forms_refuse_dates_that_make_no_sense(clerk):
    from jpki.admin import forms as workflow_forms

    resident = ResidentFactory(birth_date=dt.date(1985, 6, 1))
    today = dt.date.today()
    cases = [
        (workflow_forms.DepartureForm, {"status": "moved_out", "on": "1985-05-31"}, "on"),
        (workflow_forms.DepartureForm, {"status": "moved_out", "on": "0001-01-01"}, "on"),
        (workflow_forms.DepartureForm, {"status": "moved_out", "on": f"{today.year + 1}-01-01"}, "on"),
        (workflow_forms.ProxyVisit1Form, {"proxy_birth_date": "0001-01-01"}, "proxy_birth_date"),
        (workflow_forms.ProxyVisit1Form, {"proxy_birth_date": f"{today.year - 14}-01-01"}, "proxy_birth_date"),
        (workflow_forms.ProxyVisit1Form, {"proxy_postal_code": "=1+1"}, "proxy_postal_code"),
        (workflow_forms.BasicInfoForm, {"birth_date": "1850-01-01"}, "birth_date"),
        (workflow_forms.BasicInfoForm, {"birth_date": f"{today.year + 1}-01-01"}, "birth_date"),
        (workflow_forms.IssueForm, {"legal_authority_issued_on": "0001-01-01"}, "legal_authority_issued_on"),
        (
            workflow_forms.IssueForm,
            {"legal_authority_issued_on": f"{today.year + 1}-01-01"},
            "legal_authority_issued_on",
        ),
        (workflow_forms.CardIssueForm, {"issued_on": "0001-01-01"}, "issued_on"),
        (workflow_forms.ReissueForm, {"issued_on": "9999-12-31"}, "issued_on"),
    ]
    for form_class, data, field in cases:
        form = form_class({"reason": "窓口での手続", **data}, resident=resident)
        assert not form.is_valid()
        assert field in form.errors, (form_class.__name__, data, form.errors)
        assert all(is_japanese(m) for m in form.errors[field]), form.errors[field]
    good = workflow_forms.ProxyVisit1Form(
        {"reason": "代理人申請", "proxy_postal_code": "５６４－００４１"}, resident=resident
    )
    good.is_valid()
    assert good.cleaned_data["proxy_postal_code"] == "564-0041"
