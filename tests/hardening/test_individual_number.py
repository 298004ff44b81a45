"""Never the individual number (個人番号, issue 10 point 3).

Every text field a person types into refuses a 12-digit run whose check digit is a 個人番号's
(half-width, full-width, spaced, hyphenated), with a Japanese message at that field: the workflow
forms (walked from ``WORKFLOWS``), the letters admin's forms, the substitution table's form. The
services refuse it too (every service's reason, and any free-text column through
``residents.recording.save``), so no screen can store one. Tracking numbers, which live in their
own validated field, are not affected. ``manage.py scan_personal_numbers`` finds one planted in a
history table and names table, column and row, never the value.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import jpki.services
import letters.services
import residents.services
from jpki.admin import letters as letters_admin
from jpki.admin.forms import CharacterSubstitutionForm, NoIndividualNumberForm, WorkflowForm
from jpki.admin.workflows import WORKFLOWS
from jpki.management.commands import scan_personal_numbers
from jpki.models import Application, ReadLog
from jpki.services import DocumentShown
from letters.models import Letter, MailingBatch
from residents import safety
from residents.models import CharacterSubstitution
from tests.admin.conftest import OPEN_NOW, frozen
from tests.conftest import at

pytestmark = pytest.mark.django_db

MSG = safety.MSG_INDIVIDUAL_NUMBER


def individual_number(first_eleven: str) -> str:
    return first_eleven + str(safety.individual_number_check_digit(first_eleven))


MY_NUMBER = individual_number("31415926535")
WRONG_CHECK_DIGIT = MY_NUMBER[:11] + str((int(MY_NUMBER[11]) + 1) % 10)
# a tracking number whose Japan Post check digit (mod 7) and 個人番号 check digit both fit
TRACKING = individual_number("12345678905")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def written(number: str) -> dict[str, str]:
    """The ways a clerk writes a 12-digit number."""
    a, b, c = number[:4], number[4:8], number[8:]
    full = number.translate(FULL_WIDTH)
    return {
        "half-width": number,
        "full-width": full,
        "hyphens": f"{a}-{b}-{c}",
        "spaces": f"{a} {b} {c}",
        "full-width hyphens": f"{full[:4]}－{full[4:8]}－{full[8:]}",
        "ideographic spaces": f"{full[:4]}\u3000{full[4:8]}\u3000{full[8:]}",
        "long vowel marks": f"{a}ー{b}ー{c}",
    }


def in_text(value: str, max_length: int | None) -> str:
    """``value`` inside a sentence when the field is long enough, else on its own."""
    sentence = f"本人の番号は{value}です"
    return sentence if max_length is None or len(sentence) <= max_length else value


def leaks(text: str) -> bool:
    digits = "".join(ch for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    return MY_NUMBER in digits


# --- the detector ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", list(written(MY_NUMBER)))
def test_every_way_of_writing_the_number_is_detected(how):
    value = written(MY_NUMBER)[how]
    assert safety.looks_like_individual_number(value)
    assert safety.looks_like_individual_number(f"マイナンバー：{value}（本人申告）")
    assert not safety.looks_like_individual_number(written(WRONG_CHECK_DIGIT)[how])
    redacted = safety.redact_individual_numbers(f"検索 {value} 山田")
    assert redacted == "検索 [個人番号] 山田" and not leaks(redacted)


@pytest.mark.parametrize(
    "text",
    [
        MY_NUMBER + "0",  # 13 digits in a row: a 法人番号, not a 個人番号
        "0" + MY_NUMBER,
        f"R{MY_NUMBER[:8]}-{MY_NUMBER[8:]}",  # a receipt number: date and a sequence (8-4)
        f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]} 1234",  # 16 digits in fours: a card number
        "06-6384-1231 06-6384-1232",  # phone numbers one after another
        "2026-11-25 10:05",
    ],
)
def test_other_numbers_are_not_taken_for_one(text):
    assert not safety.looks_like_individual_number(text)


# --- forms: the message at the field ---------------------------------------------------------------------------


def workflow_form_classes():
    return sorted({wf.form_class for wf in WORKFLOWS.values()}, key=lambda cls: cls.__name__)


def letters_form_classes():
    return [
        obj
        for obj in vars(letters_admin).values()
        if isinstance(obj, type) and issubclass(obj, forms.BaseForm) and obj.__module__ == letters_admin.__name__
    ]


ALL_FORMS = workflow_form_classes() + letters_form_classes() + [CharacterSubstitutionForm]
NUMBER_FIELDS = {"document_number", "document2_number", "proxy_document_number", "tracking_number"}
# Text fields with a format of their own: the 番地 is kept in the register's form (1丁目2番3号), so other
# text (12 digits that are no 個人番号 included) is refused there too, only not as a 個人番号.
FORMAT_FIELDS = {"address_block"}


def make_form(form_class, data):
    if issubclass(form_class, WorkflowForm):
        return form_class(data, resident=None, application=None)
    return form_class(data)


def typed_fields(form) -> list[tuple[str, forms.Field]]:
    """The fields a clerk types text into (hidden fields and numbers with their own check aside)."""
    return [
        (name, field)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not field.widget.is_hidden and name not in form.number_fields
    ]


def test_the_walk_covers_every_form():
    assert len(workflow_form_classes()) >= 14 and len(letters_form_classes()) >= 6
    for form_class in ALL_FORMS:
        assert issubclass(form_class, NoIndividualNumberForm), form_class
        assert set(form_class.number_fields) <= NUMBER_FIELDS, form_class  # no free text slips into the list
        assert typed_fields(make_form(form_class, None)), form_class  # every form has a reason or a note


@pytest.mark.parametrize("form_class", ALL_FORMS, ids=lambda cls: cls.__name__)
def test_every_text_field_refuses_the_number_at_the_field(form_class):
    checked = 0
    for name, field in typed_fields(make_form(form_class, None)):
        if field.max_length is not None and field.max_length < 12:
            continue  # cannot hold 12 digits (a substitution's character, a postal code)
        for how, value in written(MY_NUMBER).items():
            if field.max_length is not None and len(value) > field.max_length:
                continue
            form = make_form(form_class, {name: in_text(value, field.max_length)})
            assert MSG in form.errors.get(name, []), (form_class.__name__, name, how, form.errors.get(name))
            assert name not in form.cleaned_data
            checked += 1
        for how, value in written(WRONG_CHECK_DIGIT).items():
            if field.max_length is not None and len(value) > field.max_length:
                continue
            form = make_form(form_class, {name: in_text(value, field.max_length)})
            if name in FORMAT_FIELDS:
                assert MSG not in form.errors.get(name, []), (form_class.__name__, name, how)
                continue
            assert name not in form.errors, (form_class.__name__, name, how, form.errors.get(name))
    assert checked, form_class


@pytest.mark.parametrize(
    "form_class", [cls for cls in ALL_FORMS if cls.number_fields & set(cls.base_fields)], ids=lambda cls: cls.__name__
)
def test_number_fields_keep_their_own_check(form_class):
    """A tracking number (or a document number, of which only the last 4 characters are stored)
    whose digits pass the check is not refused as a 個人番号."""
    for name in form_class.number_fields & set(form_class.base_fields):
        form = make_form(form_class, {name: f"{TRACKING[:4]}-{TRACKING[4:8]}-{TRACKING[8:]}"})
        assert MSG not in form.errors.get(name, []), (form_class.__name__, name)


def test_the_workflow_screen_shows_the_message_at_the_field_and_records_nothing(client, clerk):
    from tests.factories import CardFactory, ResidentFactory

    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo)
    client.force_login(clerk)
    url = reverse("admin:residents_resident_workflow", args=[kiyo.pk, "proxy-visit1"])
    data = {
        "reason": "代理人申請（1回目）",
        "kind": "new",
        "signing": "on",
        "user": "on",
        "proxy_name": "鈴木　一郎",
        "proxy_kana": "スズキ　イチロウ",
        "proxy_birth_date": "1968-07-07",
        "proxy_address": f"大阪府吹田市山田東1丁目1番1号 {written(MY_NUMBER)['full-width']}",
        "relation": "子",
    }
    with frozen(OPEN_NOW):
        page = client.post(url, {**data, "_step": "review"})
    assert page.status_code == 200 and page.context["step"] == "form"
    assert page.context["form"].errors["proxy_address"] == [MSG]
    assert MSG in page.content.decode()
    assert not Application.objects.exists()


# --- services: the backstop ---------------------------------------------------------------------------------


# What a worker runs for a queued task: its reason is the one the service that queued it checked.
TASK_ENTRY_POINTS = {"mailing_batch_render"}


def service_functions():
    """Every public service that takes a reason, in the three service modules."""
    seen = set()
    for module in (residents.services, jpki.services, letters.services):
        for name in sorted(dir(module)):
            func = getattr(module, name)
            if name.startswith("_") or not inspect.isfunction(func) or func in seen:
                continue
            if func.__module__ == "residents.recording" or "reason" not in inspect.signature(func).parameters:
                continue
            if name in TASK_ENTRY_POINTS:
                continue
            seen.add(func)
            yield func


@pytest.fixture
def batch(world, clerk):
    return letters.services.mailing_batch_create(actor=clerk, reason="一括印刷", letters=[world.letter])


def arguments(func, world, clerk, batch) -> dict:
    """Arguments for every required parameter of ``func``, by name (a new parameter name fails here)."""
    values = {
        "actor": clerk,
        "reason": "（置き換える）",
        "resident": world.hanako,
        "application": world.proxy_application,
        "card": world.card,
        "letter": world.letter,
        "batch": batch,
        "batch_id": getattr(batch, "pk", None),
        "actor_id": clerk.pk,
        "token": "token",
        "issued_on": dt.date(2026, 11, 25),
        "signing": True,
        "user": True,
        "fee_paid": True,
        "status": "moved_out",
        "on": dt.date(2026, 11, 25),
        "at": at(2026, 11, 25),
        "kind": "new",
        "proxy_name": "鈴木　一郎",
        "proxy_kana": "スズキ　イチロウ",
        "proxy_address": "大阪府吹田市山田東1丁目1番1号",
        "proxy_birth_date": dt.date(1968, 7, 7),
        "relation": "子",
        "changes": {},
        "fields": {},
        "checklist": {},
        "proxy_document": None,
        "return_reason": "other",
        "code": "kita",
        "name": "北窓口",
        "office": clerk.staff_profile.office,
        "original": "髙",
        "substitute": "高",
        "resident_key": "K900",
        "outside_hours_confirmed": True,
        "procedure": "テスト",
    }
    if func.__name__ == "staff_profile_save":
        values["user"] = clerk
    kwargs = {}
    for name, param in inspect.signature(func).parameters.items():
        if param.default is inspect.Parameter.empty and param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            assert name in values, f"{func.__name__}: no test value for the parameter {name!r}"
            kwargs[name] = values[name]
    return kwargs


def test_every_services_reason_refuses_the_number(world, clerk, batch):
    """One world for every service (each call rolled back by its refusal): the walk stays fast."""
    functions = list(service_functions())
    assert len(functions) >= 30
    missed = []
    for func in functions:
        for how, value in written(MY_NUMBER).items():
            try:
                with transaction.atomic():
                    func(**{**arguments(func, world, clerk, batch), "reason": f"本人確認 {value}"})
            except ValidationError as exc:
                if MSG in exc.message_dict.get("reason", []):
                    continue
                missed.append((func.__name__, how, exc.message_dict))
            else:
                missed.append((func.__name__, how, "recorded"))
    assert missed == []


def test_the_reason_helpers_refuse_it():
    from residents import recording

    with pytest.raises(ValidationError) as exc:
        recording.require_reason(f"番号 {written(MY_NUMBER)['spaces']}")
    assert exc.value.message_dict == {"reason": [MSG]}
    assert recording.require_reason(f"番号 {WRONG_CHECK_DIGIT}") == f"番号 {WRONG_CHECK_DIGIT}"


def _posted_letter(clerk):
    """A proxy application whose inquiry letter went out by registered mail with a tracking number
    that passes the 個人番号 check: the letters service records it in its own field."""
    from tests.factories import CardFactory, ResidentFactory

    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    app = jpki.services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="代理人申請",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="吹田市",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=at(2026, 11, 25),
    )
    letter = letters.services.letter_create(
        kind="inquiry", application=app, actor=clerk, reason="照会書", at=at(2026, 11, 25, 16), render_now=False
    )
    letter = letters.services.letter_record_mailing(
        letter=letter, actor=clerk, reason="差出", tracking_number=TRACKING, at=at(2026, 11, 25, 17)
    )
    assert Letter.objects.get(pk=letter.pk).tracking_number == TRACKING
    return letter


def _visit1(world, clerk, **overrides):
    kwargs = dict(
        resident=world.kiyo,
        actor=clerk,
        reason="代理人申請",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="吹田市",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=at(2026, 11, 26),
    )
    return jpki.services.proxy_visit1(**{**kwargs, **overrides})


BACKSTOP = [
    # (the column the refusal is keyed by, a service call that writes the number into it)
    ("proxy_address", lambda w, c, n: _visit1(w, c, resident=_resident_with_card(), proxy_address=f"吹田市 {n}")),
    ("relation", lambda w, c, n: _visit1(w, c, resident=_resident_with_card(), relation=n)),
    (
        "issuer",
        lambda w, c, n: jpki.services.certificates_revoke(
            resident=w.hanako,
            actor=c,
            reason="失効",
            signing=True,
            user=True,
            at=at(2026, 11, 26),
            documents=[DocumentShown("resident", "mynumber_card", n, "")],
        ),
    ),
    (
        "return_note",
        lambda w, c, n: letters.services.letter_record_return(
            letter=_posted_letter(c), actor=c, reason="返戻", return_reason="other", note=n, at=at(2026, 12, 1)
        ),
    ),
    (
        "note",
        lambda w, c, n: residents.services.substitution_save(
            actor=c, reason="追加", original="\U00029e3d", substitute="ほっけ", note=n
        ),
    ),
    (
        "address_building",
        lambda w, c, n: jpki.services.resident_change_basic_info(
            resident=w.hanako, actor=c, reason="変更", address_building=f"吹田ハイツ {n}", at=at(2026, 11, 26)
        ),
    ),
]


def _resident_with_card():
    from tests.factories import CardFactory, ResidentFactory

    resident = ResidentFactory(birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=resident, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    return resident


def test_a_service_refuses_the_number_in_any_free_text_column(world, clerk):
    """The backstop under every screen (admin change forms included): ``recording.save`` checks
    each free-text column and keys the refusal by it; nothing is written."""
    missed = []
    for field, call in BACKSTOP:
        try:
            with transaction.atomic():
                call(world, clerk, written(MY_NUMBER)["hyphens"])
        except ValidationError as exc:
            if MSG not in exc.message_dict.get(field, []):
                missed.append((field, exc.message_dict))
        else:
            missed.append((field, "recorded"))
    assert missed == []


def test_check_instance_text_covers_every_free_text_column_and_skips_tracking_numbers(world):
    letter = Letter.objects.get(pk=world.letter.pk)
    letter.tracking_number = TRACKING
    letter.return_note = f"備考 {MY_NUMBER}"
    letter.reason = MY_NUMBER.translate(FULL_WIDTH)
    with pytest.raises(ValidationError) as exc:
        safety.check_instance_text(letter)
    assert exc.value.message_dict == {"return_note": [MSG], "reason": [MSG]}
    cert = world.application.certificates.first()
    cert.substituted_name_positions = [MY_NUMBER]  # a JSON column is checked as its JSON text
    with pytest.raises(ValidationError) as exc:
        safety.check_instance_text(cert)
    assert exc.value.message_dict == {"substituted_name_positions": [MSG]}


# --- tracking numbers ------------------------------------------------------------------------------------------


def test_the_letters_mailing_form_accepts_a_tracking_number_that_passes_the_check():
    assert safety.looks_like_individual_number(TRACKING)
    for typed in (TRACKING, f"{TRACKING[:4]}-{TRACKING[4:8]}-{TRACKING[8:]}"):
        form = letters_admin.MailingForm({"reason": "差出", "mail_class": "registered", "tracking_number": typed})
        assert form.is_valid(), form.errors
    form = letters_admin.MailingForm(
        {"reason": f"差出 {TRACKING}", "mail_class": "registered", "tracking_number": TRACKING}
    )
    assert form.errors == {"reason": [MSG]}  # the same digits in free text are refused


def test_the_workflow_records_a_tracking_number_that_passes_the_check(client, clerk):
    from tests.admin.test_workflows import VISIT1, confirm
    from tests.factories import CardFactory, ResidentFactory

    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    client.force_login(clerk)
    with frozen(OPEN_NOW):
        assert confirm(client, kiyo, "proxy-visit1", VISIT1).status_code == 302
        app = Application.objects.get(resident=kiyo)
        refused = confirm(
            client, kiyo, "proxy-letter-sent", {"tracking_number": TRACKING, "reason": f"発送 {TRACKING}"}, app
        )
        assert refused.status_code == 200 and refused.context["form"].errors["reason"] == [MSG]
        typed = f"{TRACKING[:4]}-{TRACKING[4:8]}-{TRACKING[8:]}"
        done = confirm(client, kiyo, "proxy-letter-sent", {"tracking_number": typed, "reason": "簡易書留で発送"}, app)
        assert done.status_code == 302, getattr(done, "context", None) and done.context["form"].errors
    assert app.letters.get().tracking_number == TRACKING
    app.refresh_from_db()
    assert app.status == "letter_sent"


# --- manage.py scan_personal_numbers ---------------------------------------------------------------------------


def scan() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("scan_personal_numbers", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue() + err.getvalue()


def test_the_scan_of_a_clean_database_exits_0(world):
    status, output = scan()
    assert status == 0, output
    assert "個人番号と思われる値はありません" in output


def test_the_scan_reports_a_planted_number_without_its_value(world, clerk):
    table = Application.history.model._meta.db_table
    history_id = Application.history.filter(id=world.application.pk).order_by("history_id").first().history_id
    planted = f"窓口メモ {written(MY_NUMBER)['ideographic spaces']}"
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {q(table)} SET {q('notes')} = %s WHERE {q('history_id')} = %s", [planted, history_id])
    log = ReadLog.objects.create(user=clerk, screen="住民検索", path=f"/admin/residents/resident/?q={MY_NUMBER}")
    cert_table = world.application.certificates.model.history.model._meta.db_table
    cert_history = world.application.certificates.first().history.first().history_id
    json_value = json.dumps([MY_NUMBER.translate(FULL_WIDTH)], ensure_ascii=False)
    cast = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(cert_table)} SET {q('substituted_address_positions')} = {cast} WHERE {q('history_id')} = %s",
            [json_value, cert_history],
        )

    with CaptureQueriesContext(connection) as queries:
        status, output = scan()
    assert status == 1
    assert f"{table}.notes id={history_id}" in output
    assert f"{ReadLog._meta.db_table}.path id={log.pk}" in output
    assert f"{cert_table}.substituted_address_positions id={cert_history}" in output
    assert "3 件" in output
    assert not leaks(output), "the scan must never print the value"
    tables = len(
        [
            m
            for m in scan_personal_numbers.scanned_models(scan_personal_numbers.project_app_labels())
            if any(safety.is_free_text(f) for f in m._meta.concrete_fields)
        ]
    )
    assert len(queries) <= tables + 2  # one query per table (and the list of tables)


def test_the_scan_reads_the_history_tables_and_the_read_log_but_not_tracking_numbers():
    models = scan_personal_numbers.scanned_models(scan_personal_numbers.project_app_labels())
    tables = {m._meta.db_table for m in models}
    assert {
        "jpki_historicalapplication",
        "residents_historicalresident",
        "letters_historicalletter",
        "jpki_readlog",
        "residents_charactersubstitution",
        "django_admin_log",
    } <= tables
    for model in (Letter, Letter.history.model):
        assert not safety.is_free_text(model._meta.get_field("tracking_number"))
        assert safety.is_free_text(model._meta.get_field("return_note"))
    assert safety.is_free_text(CharacterSubstitution._meta.get_field("note"))
    assert safety.is_free_text(MailingBatch._meta.get_field("note"))
