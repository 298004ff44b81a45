"""Privacy: document numbers keep their last 4 characters only, the 12-digit individual number
(個人番号) reaches no table, no SQL statement, no log line and no session; rendered letters live
outside every public path and are served only by permission-checked views; viewing a resident's
record is logged. (tests/test_privacy_schema.py covers the column names.)"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jpki import services
from jpki.models import IdentityDocument, RecordView
from jpki.services import DocumentShown
from residents import safety as security
from tests.conftest import at
from tests.factories import CardFactory, ResidentFactory

from . import urlwalk
from .support import hostile_text, without

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 10, 5)
COUNTER_OPEN = dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC)


def individual_number(first_eleven: str) -> str:
    return first_eleven + str(security.individual_number_check_digit(first_eleven))


MY_NUMBER = individual_number("31415926535")  # a 個人番号-shaped number (valid check digit)
LICENCE = "271828182845"  # a driving licence number is 12 digits too


# --- document numbers ----------------------------------------------------------------------------------------


def test_the_individual_number_detector():
    assert security.looks_like_individual_number(f"番号 {MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}")
    assert security.looks_like_individual_number("".join(chr(ord(c) + 0xFEE0) for c in MY_NUMBER))  # full-width
    wrong = MY_NUMBER[:11] + str((int(MY_NUMBER[11]) + 1) % 10)
    assert not security.looks_like_individual_number(wrong)
    assert not security.looks_like_individual_number(MY_NUMBER + "0")  # 13 digits: not one


@hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    number=st.one_of(hostile_text(max_size=80), st.from_regex(r"[0-9０-９ \-]{12,40}", fullmatch=True)).filter(
        without("nul-and-surrogates")
    )
)
def test_document_numbers_are_stored_as_their_last_four_characters(number, clerk):
    with transaction.atomic():
        resident = ResidentFactory()
        CardFactory(resident=resident)
        try:
            app = services.certificates_issue(
                resident=resident,
                actor=clerk,
                reason="新規発行",
                signing=True,
                user=True,
                at=NOW,
                documents=[DocumentShown("resident", "mynumber_card", "吹田市長", number)],
            )
        except ValidationError:  # a refusal at the field is fine here; what is stored is the point
            transaction.set_rollback(True)
            return
        stored = IdentityDocument.objects.get(application=app).number_last4
        assert stored == services.mask_document_number(number)
        assert len(stored) <= 4
        history = IdentityDocument.history.filter(application_id=app.pk).values_list("number_last4", flat=True)
        assert all(len(value) <= 4 for value in history)
        transaction.set_rollback(True)


def test_every_stored_document_number_column_is_four_characters_at_most():
    for model in (IdentityDocument, IdentityDocument.history.model):
        assert model._meta.get_field("number_last4").max_length == 4


# --- the individual number never travels ------------------------------------------------------------------------


def _text_rows():
    """Every text value of every table (history tables, sessions and auth included)."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, (str, bytes, memoryview)):
                        yield table, column, bytes(value).decode("latin-1") if not isinstance(value, str) else value


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


def _leaks(text: str) -> list[str]:
    found = []
    plain = _digits(text)
    for secret in (MY_NUMBER, LICENCE):
        if secret in plain or secret[:8] in plain:
            found.append(secret)
    return found


def _post_workflow(client, resident, slug, data, query=""):
    url = reverse("admin:residents_resident_workflow", args=[resident.pk, slug]) + query
    review = client.post(url, {**data, "_step": "review"})
    assert review.status_code == 200 and review.context["step"] == "confirm", review.context["form"].errors
    done = client.post(url, {**data, "_step": "confirm", "_submission": review.context["submission_token"]})
    assert done.status_code == 302 and "/done/" in done["Location"], getattr(done, "context", None)
    client.get(done["Location"])
    return review, done


@pytest.fixture
def counter_open():
    with mock.patch("django.utils.timezone.now", return_value=COUNTER_OPEN):
        yield


def test_the_individual_number_reaches_no_table_sql_log_or_session(clerk, counter_open, caplog):
    """A clerk types the resident's 個人番号 and a 12-digit licence number into the document number
    fields of two procedures (the UI path): only the last 4 characters arrive anywhere."""
    hanako = ResidentFactory()
    CardFactory(resident=hanako)
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2023, 3, 1), expires_on=dt.date(2033, 2, 28))
    client = Client()
    client.force_login(clerk)
    caplog.set_level(logging.DEBUG)
    spaced = f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}"
    with CaptureQueriesContext(connection) as queries:
        _, _ = _post_workflow(
            client,
            hanako,
            "issue",
            {
                "reason": "窓口で新規発行",
                "signing": "on",
                "user": "on",
                "applicant_type": "self",
                "document_kind": "mynumber_card",
                "document_issuer": "吹田市長",
                "document_number": spaced,
            },
        )
        _post_workflow(
            client,
            kiyo,
            "proxy-visit1",
            {
                "reason": "代理人申請（1回目）",
                "kind": "new",
                "signing": "on",
                "user": "on",
                "proxy_name": "鈴木　一郎",
                "proxy_kana": "スズキ　イチロウ",
                "proxy_birth_date": "1968-07-07",
                "proxy_address": "大阪府吹田市山田東1丁目1番1号",
                "relation": "子",
                "proxy_document_kind": "driving_licence",
                "proxy_document_issuer": "大阪府公安委員会",
                "proxy_document_number": LICENCE,
            },
        )
        pages = [client.get(reverse("admin:residents_resident_change", args=[r.pk])) for r in (hanako, kiyo)]
        pages.append(client.get(reverse("admin:jpki_identitydocument_changelist")))

    assert sorted(IdentityDocument.objects.values_list("number_last4", flat=True)) == sorted(
        [MY_NUMBER[-4:], LICENCE[-4:]]
    )
    table_leaks = [f"{t}.{c}" for t, c, v in _text_rows() if _leaks(v)]
    assert table_leaks == []
    sql_leaks = [q["sql"][:200] for q in queries.captured_queries if _leaks(q["sql"])]
    assert sql_leaks == []
    log_leaks = [r.getMessage()[:200] for r in caplog.records if _leaks(r.getMessage())]
    assert log_leaks == []
    for session in Session.objects.all():
        assert not _leaks(json.dumps(session.get_decoded(), ensure_ascii=False, default=str))
    for page in pages:
        assert page.status_code == 200
        assert not _leaks(page.content.decode())


def test_an_individual_number_typed_into_a_free_text_field_is_caught_by_the_detector():
    """Free text (reason, notes) is where a 個人番号 could slip in: the detector that every form and
    service applies (residents.safety) catches it; tests/hardening/test_individual_number.py shows
    the refusals at the fields, the services' backstop and ``manage.py scan_personal_numbers``."""
    assert security.looks_like_individual_number(f"本人確認: マイナンバー {MY_NUMBER}")
    assert not security.looks_like_individual_number(
        "領収番号 R-2026-000123 / 追跡番号 1234-5678-9012"
    )  # bad check digit


# --- rendered letters: outside any public path, served only by permission-checked views ---------------------------


def _inside(child: Path, parent: Path) -> bool:
    child, parent = Path(child).resolve(), Path(parent).resolve()
    return child == parent or parent in child.parents


def test_private_storage_is_outside_every_public_directory():
    private = Path(settings.PRIVATE_STORAGE_ROOT)
    public = [Path(settings.STATIC_ROOT)] + [
        Path(p if isinstance(p, str) else p[1]) for p in getattr(settings, "STATICFILES_DIRS", [])
    ]
    if getattr(settings, "MEDIA_ROOT", ""):
        public.append(Path(settings.MEDIA_ROOT))
    if getattr(settings, "WHITENOISE_ROOT", None):
        public.append(Path(settings.WHITENOISE_ROOT))
    from django.apps import apps

    public += [Path(a.path) / "static" for a in apps.get_app_configs()]
    for directory in public:
        assert not _inside(private, directory), directory
        assert not _inside(directory, private), directory
    assert not getattr(settings, "MEDIA_URL", "") or getattr(settings, "MEDIA_ROOT", "") != str(private)


def test_no_url_pattern_serves_files_from_a_directory():
    from django.views import static

    for ep in urlwalk.endpoints():
        callback = getattr(ep.callback, "__wrapped__", ep.callback)
        assert callback is not static.serve, ep.route
        assert "document_root" not in ep.default_kwargs, ep.route


@pytest.fixture
def letter(world, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    from letters import services as letter_services

    return letter_services.letter_render(letter=world.letter, actor=world.application.received_by, reason="印刷")


def _guessed_public_paths(relative: str) -> list[str]:
    static = "/" + settings.STATIC_URL.strip("/")
    return [
        f"/{relative}",
        f"{static}/{relative}",
        f"/media/{relative}",
        f"/private/{relative}",
        f"/var/private/{relative}",
        f"{static}/../var/private/{relative}",
        f"/letters/{relative}",
        f"/admin/{relative}",
        f"/{Path(relative).name}",
    ]


def test_a_stored_letter_is_not_reachable_by_its_path(letter, clerk, supervisor):
    stored = Path(letter.pdf.path)
    assert stored.is_file() and _inside(stored, settings.PRIVATE_STORAGE_ROOT)
    content = stored.read_bytes()
    relative = letter.pdf.name
    for user in (None, clerk, supervisor):
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for path in _guessed_public_paths(relative):
            response = client.get(path)
            body = b"".join(response) if response.streaming else response.content
            assert content[:64] not in body, (user, path, response.status_code)
    with pytest.raises(ValueError):
        letter.pdf.url  # noqa: B018 - private storage has no URL


def test_letter_download_is_permission_checked_and_not_sniffable(letter, clerk, supervisor):
    from letters.models import LetterAccess

    download = reverse("letters:download", args=[letter.pk])
    preview = reverse("letters:preview", args=[letter.pk])
    anonymous = Client().get(download)
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]
    bare = get_user_model().objects.create_user("no-role", password="x-Very-long-pass-1", is_staff=True)
    no_role = Client()
    no_role.force_login(bare)
    assert no_role.get(download).status_code == 403
    for user in (clerk, supervisor):
        client = Client()
        client.force_login(user)
        before = LetterAccess.objects.filter(user=user).count()
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.get("Cache-Control", "")
        assert response.content.startswith(b"%PDF")
        inline = client.get(preview)
        assert inline.status_code == 200 and inline["Content-Disposition"].startswith("inline;")
        assert inline["X-Content-Type-Options"] == "nosniff"
        assert LetterAccess.objects.filter(user=user).count() == before + 2
    assert Client().post(download).status_code in (302, 405)


# --- who looked at whom --------------------------------------------------------------------------------------------


def test_opening_a_residents_record_is_logged(world, clerk):
    client = Client()
    client.force_login(clerk)
    before = RecordView.objects.filter(user=clerk, resident=world.hanako).count()
    response = client.get(reverse("admin:residents_resident_change", args=[world.hanako.pk]))
    assert response.status_code == 200
    views = RecordView.objects.filter(user=clerk, resident=world.hanako)
    assert views.count() == before + 1
    assert views.first().office == clerk.staff_profile.office


def test_a_document_number_is_stored_as_its_last_four_characters(clerk):
    # the property above only means something if issuance with a document number can succeed
    resident = ResidentFactory()
    CardFactory(resident=resident)
    app = services.certificates_issue(
        resident=resident,
        actor=clerk,
        reason="新規発行",
        signing=True,
        user=True,
        at=NOW,
        documents=[DocumentShown("resident", "passport", "外務省", "TK1234567")],
    )
    assert IdentityDocument.objects.get(application=app).number_last4 == "4567"
