"""Each procedure exactly once (issue 10, point 2): the confirm step's single-use token.

For every counter workflow, the confirm POST is replayed with the same token (a double click, a
back-button resubmit): one effect, and 「この手続は既に記録されています」 with a link to the record
on the second. A token is refused for another user or other content, and a confirm the service
refuses leaves it usable. The letters admin's one-shot forms get the same protection.
``tests/hardening/test_submit_once_pg.py`` runs the same cases with 8 concurrent submits on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from jpki import services
from jpki.admin.submissions import FIELD, MSG_STALE
from jpki.admin.workflows import WORKFLOWS
from jpki.models import Application, Card, Certificate, ProcedureSubmission
from letters import services as letter_services
from letters.models import Letter
from residents.models import Resident
from tests.admin.conftest import OPEN_NOW, TOKYO, frozen
from tests.factories import CardFactory, ResidentFactory, UserFactory

ALREADY = "この手続は既に記録されています"
_tracking = itertools.count(1)


def tracking_number() -> str:
    """A distinct 12-digit お問い合わせ番号 (the service refuses one used for another letter), its check
    digit right (the leading digits modulo 7)."""
    body = f"5555{next(_tracking):07d}"
    return body + str(int(body) % 7)


# --- the cases: one resident/application state per workflow in which it succeeds ------------------------


@dataclass
class Case:
    slug: str
    resident: Resident
    data: dict
    application: Application | None = None
    moment: dt.datetime = OPEN_NOW
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        base = reverse("admin:residents_resident_workflow", args=[self.resident.pk, self.slug])
        return f"{base}?application={self.application.pk}" if self.application else base


ISSUE = {
    "signing": "on",
    "user": "on",
    "applicant_type": "self",
    "document_kind": "mynumber_card",
    "reason": "窓口申請による発行",
}
VISIT1 = {
    "kind": "new",
    "signing": "on",
    "user": "on",
    "proxy_name": "鈴木　一郎",
    "proxy_kana": "スズキ　イチロウ",
    "proxy_birth_date": "1968-04-02",
    "proxy_address": "大阪府吹田市山田西1丁目1番1号",
    "relation": "子",
    "reason": "任意代理人による申請",
}
VISIT2 = {
    **{
        k: "on"
        for k in (
            "resident_card_checked",
            "proxy_photo_id_checked",
            "reply_complete",
            "power_of_attorney_complete",
            "envelope_sealed",
            "application_form_checked",
        )
    },
    "proxy_document_kind": "driving_licence",
    "proxy_document_issuer": "大阪府公安委員会",
    "proxy_document_number": "第 0000 1111 2222 号",
    "reason": "2回目来庁",
}


def _tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def _with_card() -> Resident:
    resident = ResidentFactory()
    CardFactory(resident=resident)
    return resident


def _with_certificates(clerk) -> Resident:
    resident = _with_card()
    services.certificates_issue(
        resident=resident, actor=clerk, reason="setup", signing=True, user=True, at=OPEN_NOW - dt.timedelta(days=30)
    )
    return resident


def _proxy_resident() -> Resident:
    kiyo = ResidentFactory(name="鈴木　キヨ", name_kana="スズキ　キヨ", birth_date=dt.date(1940, 2, 29))
    CardFactory(resident=kiyo, issued_on=dt.date(2024, 6, 10), expires_on=dt.date(2034, 2, 28))
    return kiyo


def _proxy(clerk, stage: str) -> tuple[Resident, Application]:
    """Kiyo's proxy application at ``stage``: visit1, letter_sent or reply_received (through the letters app)."""
    kiyo = _proxy_resident()
    app = services.proxy_visit1(
        resident=kiyo,
        actor=clerk,
        reason="代理人申請（1回目）",
        kind="new",
        signing=True,
        user=True,
        proxy_name="鈴木　一郎",
        proxy_kana="スズキ　イチロウ",
        proxy_address="大阪府吹田市山田東1丁目1番1号",
        proxy_birth_date=dt.date(1968, 7, 7),
        relation="子",
        at=OPEN_NOW,
    )
    if stage in ("letter_sent", "reply_received"):
        letter = letter_services.letter_create(
            kind="inquiry",
            application=app,
            actor=clerk,
            reason="照会書の作成",
            at=_tokyo(2026, 11, 25, 16),
            render_now=False,
        )
        letter_services.letter_record_mailing(
            letter=letter,
            actor=clerk,
            reason="簡易書留で差出",
            tracking_number=tracking_number(),
            at=_tokyo(2026, 11, 25, 17),
        )
        if stage == "reply_received":
            letter_services.letter_record_reply(
                letter=letter, actor=clerk, reason="回答書受理", at=_tokyo(2026, 12, 1, 10)
            )
    app.refresh_from_db()
    return kiyo, app


def _basic_info(clerk) -> Case:
    r = _with_certificates(clerk)
    data = {
        "name": r.name,
        "name_kana": r.name_kana,
        "birth_date": r.birth_date.isoformat(),
        "sex": r.sex,
        "postal_code": "565-0851",
        "address_town": "大阪府吹田市千里山西",
        "address_block": "1丁目2番3号",
        "reason": "市内転居",
    }
    return Case("basic-info", r, data)


def _card_found(clerk) -> Case:
    r = _with_certificates(clerk)
    services.card_report_lost(
        card=services.active_card(r), actor=clerk, reason="紛失届", at=OPEN_NOW - dt.timedelta(days=1)
    )
    return Case("card-found", r, {"reason": "発見届"})


def _stay_extended() -> Resident:
    """A foreign resident whose card ends with the old period of stay; the stay now ends in 2030."""
    r = ResidentFactory(residence_status="技術・人文知識・国際業務", period_of_stay_ends_on=dt.date(2030, 1, 31))
    CardFactory(resident=r, issued_on=dt.date(2024, 2, 1), expires_on=dt.date(2027, 1, 31))
    return r


def _proxy_case(slug, stage, data, moment=OPEN_NOW):
    def build(clerk) -> Case:
        resident, app = _proxy(clerk, stage)
        return Case(slug, resident, dict(data() if callable(data) else data), app, moment)

    return build


CASES = {
    "issue": lambda clerk: Case("issue", _with_card(), ISSUE),
    "revoke": lambda clerk: Case(
        "revoke",
        _with_certificates(clerk),
        {"signing": "on", "applicant_type": "self", "document_kind": "mynumber_card", "reason": "本人の申出"},
    ),
    "password-init": lambda clerk: Case(
        "password-init",
        _with_certificates(clerk),
        {"signing": "on", "user": "on", "applicant_type": "self", "document_kind": "mynumber_card", "reason": "ロック"},
    ),
    "reissue": lambda clerk: Case(
        "reissue",
        _with_certificates(clerk),
        {
            **ISSUE,
            "document_kind": "driving_licence",  # the lost card is not an ID for its own reissue
            "issued_on": "2026-11-25",
            "old_card_status": "lost",
            "fee_paid": "on",
            "fee_receipt_number": "R-1",
            "reason": "紛失による再交付",
        },
    ),
    "card-issue": lambda clerk: Case("card-issue", ResidentFactory(), {"issued_on": "2026-11-25", "reason": "交付"}),
    "card-lost": lambda clerk: Case("card-lost", _with_certificates(clerk), {"reason": "紛失届"}),
    "card-found": _card_found,
    "basic-info": _basic_info,
    "departure": lambda clerk: Case(
        "departure", _with_certificates(clerk), {"status": "deceased", "on": "2026-11-20", "reason": "死亡届"}
    ),
    "card-validity": lambda clerk: Case("card-validity", _stay_extended(), {"reason": "在留期間の更新"}),
    "proxy-visit1": lambda clerk: Case("proxy-visit1", _proxy_resident(), VISIT1),
    "proxy-letter-sent": _proxy_case(
        "proxy-letter-sent", "visit1", lambda: {"tracking_number": tracking_number(), "reason": "照会書発送"}
    ),
    "proxy-reply": _proxy_case("proxy-reply", "letter_sent", {"reason": "回答書受理"}, _tokyo(2026, 12, 7, 10)),
    "proxy-returned": _proxy_case(
        "proxy-returned", "letter_sent", {"return_reason": "address_unknown", "reason": "返戻"}, _tokyo(2026, 12, 3, 10)
    ),
    "proxy-visit2": _proxy_case("proxy-visit2", "reply_received", VISIT2, _tokyo(2026, 12, 7, 10)),
    "application-withdraw": _proxy_case(
        "application-withdraw", "letter_sent", {"reason": "本人から取下げの申出"}, _tokyo(2026, 12, 3, 10)
    ),
}


# --- helpers (also used by the PostgreSQL test) ---------------------------------------------------------


def effects() -> dict[str, int]:
    """Rows of every domain model and of its history: what a recorded procedure adds."""
    counts = {}
    for label in ("residents", "jpki", "letters"):
        for model in apps.get_app_config(label).get_models():
            history = getattr(model, "history", None)
            if history is None or model._meta.model_name.startswith("historical"):
                continue
            counts[model._meta.label] = model._base_manager.count()
            counts[f"{model._meta.label}.history"] = history.count()
    return counts


def delta(after: dict, before: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def review(client, case: Case, **extra):
    return client.post(case.url, {**case.data, **extra, "_step": "review"})


def review_token(client, case: Case) -> str:
    page = review(client, case)
    assert page.status_code == 200 and page.context["step"] == "confirm", page.context["form"].errors
    token = page.context["submission_token"]
    # the confirm page carries it in the form the browser submits
    assert re.search(rf'name="{FIELD}" value="{re.escape(html.escape(token))}"', page.content.decode())
    return token


def confirm(client, case: Case, token: str | None, **data):
    return client.post(case.url, {**case.data, **data, "_step": "confirm", FIELD: token or ""})


def is_recorded(response) -> bool:
    return response.status_code == 302 and "/done/" in response["Location"]


def is_already_recorded(response, submission: ProcedureSubmission | None = None) -> bool:
    if response.status_code != 200 or ALREADY not in response.content.decode():
        return False
    return submission is None or f'href="{submission.result_url}"' in response.content.decode()


def clerk_client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- every workflow: a replayed confirm records once ----------------------------------------------------


def test_a_case_for_every_workflow():
    assert set(CASES) == set(WORKFLOWS)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(WORKFLOWS))
def test_replayed_confirm_records_once(slug, clerk, clerk_client):
    case = CASES[slug](clerk)
    with frozen(case.moment):
        token = review_token(clerk_client, case)
        before = effects()
        first = confirm(clerk_client, case, token)
        assert is_recorded(first), getattr(first, "context", None) and first.context["form"].errors
        recorded = effects()
        assert delta(recorded, before)  # the procedure did something
        submission = ProcedureSubmission.objects.get()
        assert (submission.user, submission.procedure, submission.resident) == (clerk, slug, case.resident)
        assert submission.result_url.startswith("/admin/")
        assert token.startswith(submission.token)

        again = confirm(clerk_client, case, token)  # double click / back-button resubmit
        assert is_already_recorded(again, submission), again.content.decode()[:2000]
        assert effects() == recorded
        # the link goes to the record (the application, else the resident page)
        app_id = first.wsgi_request.session[f"workflow_result_{case.resident.pk}_{slug}"].get("application_id")
        expected = (
            reverse("admin:jpki_application_change", args=[app_id])
            if app_id
            else reverse("admin:residents_resident_change", args=[case.resident.pk])
        )
        assert submission.result_url == expected
        assert clerk_client.get(submission.result_url).status_code == 200

        # back to the confirm page's "review" or "edit" with that form page's nonce: also recorded already
        assert is_already_recorded(review(clerk_client, case, **{FIELD: token}))
        assert is_already_recorded(clerk_client.post(case.url, {**case.data, "_step": "edit", FIELD: token}))
        assert effects() == recorded
        assert ProcedureSubmission.objects.count() == 1


# --- refusals: another user, other content, a missing token; a refused confirm keeps the token ---------------


@pytest.mark.django_db
def test_a_token_of_clerk_a_is_refused_for_clerk_b(clerk, clerk_client, office):
    case = CASES["issue"](clerk)
    other = UserFactory(username="clerk-b", office=office)
    b_client = clerk_client_for(other)
    with frozen(case.moment):
        token = review_token(clerk_client, case)
        before = effects()
        refused = confirm(b_client, case, token)
        assert refused.status_code == 200 and refused.context["step"] == "form"
        assert str(MSG_STALE) in [str(e) for e in refused.context["form"].non_field_errors()]
        assert refused.context["submission_value"] and refused.context["submission_value"] not in token
        assert effects() == before and not ProcedureSubmission.objects.exists()
        # clerk A's token is still good
        assert is_recorded(confirm(clerk_client, case, token))
        # and clerk B replaying it after A's success is refused, not told about A's record
        late = confirm(b_client, case, token)
        assert late.status_code == 200 and ALREADY not in late.content.decode()
        assert late.context["form"].non_field_errors()
    assert Application.objects.count() == 1 and ProcedureSubmission.objects.get().user == clerk


@pytest.mark.django_db
def test_a_token_for_other_content_or_none_is_refused(clerk, clerk_client):
    case = CASES["revoke"](clerk)
    with frozen(case.moment):
        token = review_token(clerk_client, case)
        before = effects()
        for response in (
            confirm(clerk_client, case, token, user="on"),  # the user certificate added after the review
            confirm(clerk_client, case, token, reason="別の理由"),
            confirm(clerk_client, case, None),
            confirm(clerk_client, case, token[:-3] + "abc"),
            confirm(clerk_client, case, "x" * 500),
        ):
            assert response.status_code == 200 and response.context["step"] == "form"
            errors = [str(e) for e in response.context["form"].non_field_errors()]
            assert str(MSG_STALE) in errors
        assert effects() == before and not ProcedureSubmission.objects.exists()
        assert is_recorded(confirm(clerk_client, case, token))
    assert dict(Certificate.objects.values_list("kind", "status")) == {"signing": "revoked", "user": "valid"}


@pytest.mark.django_db
def test_a_refused_confirm_leaves_the_token_usable(clerk, clerk_client, counter_closed):
    """Outside counter hours the service refuses; the same token records once the counter opens."""
    case = CASES["issue"](clerk)
    page = review(clerk_client, case)
    token = page.context["submission_token"]  # the form is valid; the service refused at the review
    refused = confirm(clerk_client, case, token)
    assert refused.status_code == 200 and refused.context["form"].errors.get("outside_hours_confirmed")
    assert not Application.objects.exists() and not ProcedureSubmission.objects.exists()
    with frozen(OPEN_NOW):
        assert is_recorded(confirm(clerk_client, case, token))
        assert is_already_recorded(confirm(clerk_client, case, token))
    assert Application.objects.count() == 1 and Certificate.objects.count() == 2


@pytest.mark.django_db
def test_a_corrected_confirm_shares_the_form_pages_claim(clerk, clerk_client, counter_open):
    """Reissue without the fee: refused at the fee; corrected, confirmed; the first confirm page is then spent."""
    case = CASES["reissue"](clerk)
    unpaid = {**case.data}
    unpaid.pop("fee_paid")
    page = clerk_client.post(case.url, {**unpaid, "_step": "review"})
    first_token = page.context["submission_token"]
    refused = clerk_client.post(case.url, {**unpaid, "_step": "confirm", FIELD: first_token})
    assert refused.context["form"].errors.get("fee_paid") and refused.context["step"] == "form"
    nonce = refused.context["submission_value"]
    assert first_token.startswith(nonce)  # the form page keeps its nonce
    page = review(clerk_client, case, **{FIELD: nonce})
    second_token = page.context["submission_token"]
    assert second_token != first_token and second_token.startswith(nonce)
    assert is_recorded(confirm(clerk_client, case, second_token))
    # an older confirm page of the same form page (back button twice) cannot record it again
    again = clerk_client.post(case.url, {**unpaid, "_step": "confirm", FIELD: first_token})
    assert is_already_recorded(again)
    assert Application.objects.filter(kind="reissue").count() == 1
    assert Card.objects.filter(resident=case.resident).count() == 2


@pytest.mark.django_db
def test_a_new_form_page_is_a_new_procedure(clerk, clerk_client, counter_open):
    """Opening the form again (not the back button) gives a new nonce: a second card-lost/found cycle records."""
    case = CASES["card-lost"](clerk)
    found = Case("card-found", case.resident, {"reason": "発見届"})
    for _round in range(2):
        for step in (case, found):
            form_page = clerk_client.get(step.url)
            nonce = form_page.context["submission_value"]
            assert re.search(rf'name="{FIELD}" value="{nonce}"', form_page.content.decode())
            page = review(clerk_client, step, **{FIELD: nonce})
            assert is_recorded(confirm(clerk_client, step, page.context["submission_token"]))
    assert ProcedureSubmission.objects.count() == 4
    assert Card.objects.get(resident=case.resident).status == Card.Status.ACTIVE


# --- the letters admin's one-shot forms ----------------------------------------------------------------


@pytest.fixture
def proxy_letter(clerk):
    _resident, app = _proxy(clerk, "visit1")
    return letter_services.letter_create(
        kind="inquiry",
        application=app,
        actor=clerk,
        reason="照会書の作成",
        at=_tokyo(2026, 11, 25, 16),
        render_now=False,
    )


def _form_token(client, url) -> str:
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["submission_token"]
    assert re.search(rf'name="{FIELD}" value="{re.escape(html.escape(token))}"', page.content.decode())
    return token


@pytest.mark.django_db
def test_letter_mailing_replayed_records_once(clerk, clerk_client, proxy_letter, counter_open):
    url = reverse("admin:letters_letter_mailing", args=[proxy_letter.pk])
    token = _form_token(clerk_client, url)
    data = {"reason": "差出", "mail_class": "registered", "tracking_number": "1234-5678-9013", FIELD: token}
    bad = clerk_client.post(url, {**data, "tracking_number": "12-34"})
    assert bad.status_code == 200 and bad.context["submission_token"] == token  # refused: the token is kept
    assert not ProcedureSubmission.objects.exists()
    other = clerk_client_for(UserFactory(username="clerk-b"))
    before = effects()
    assert clerk_client.post(url, data).status_code == 302
    recorded = effects()
    assert delta(recorded, before)
    submission = ProcedureSubmission.objects.get()
    assert submission.result_url == reverse("admin:letters_letter_change", args=[proxy_letter.pk])
    assert submission.resident == proxy_letter.application.resident
    again = clerk_client.post(url, data)
    assert is_already_recorded(again, submission)
    assert effects() == recorded
    # without a token, or with someone else's, nothing is recorded and the form says why
    for client, token_value in ((clerk_client, ""), (other, token)):
        response = client.post(url, {**data, FIELD: token_value})
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        assert ALREADY not in response.content.decode()
    assert effects() == recorded


@pytest.mark.django_db
def test_letter_create_replayed_records_once(clerk, clerk_client, counter_open):
    _resident, app = _proxy(clerk, "visit1")
    url = reverse("admin:letters_letter_create", args=[app.pk])
    data = {"kind": "inquiry", "reason": "帳票の作成", FIELD: _form_token(clerk_client, url)}
    assert clerk_client.post(url, data).status_code == 302
    assert is_already_recorded(clerk_client.post(url, data), ProcedureSubmission.objects.get())
    assert Letter.objects.filter(application=app).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data",
    [
        ("admin:letters_letter_reply", {"reason": "回答書受理"}),
        ("admin:letters_letter_return", {"reason": "返戻", "return_reason": "forward_unknown"}),
        ("admin:letters_letter_reprint", {"reason": "印刷不良のため", "mailed_confirmed": "1"}),  # mailed: confirmed
    ],
)
def test_letter_steps_replayed_record_once(name, data, clerk, clerk_client):
    _resident, app = _proxy(clerk, "letter_sent")
    letter = Letter.objects.get(application=app)
    url = reverse(name, args=[letter.pk])
    with frozen(_tokyo(2026, 12, 3, 10)):
        posted = {**data, FIELD: _form_token(clerk_client, url)}
        assert clerk_client.post(url, posted).status_code == 302
        recorded = effects()
        assert is_already_recorded(clerk_client.post(url, posted), ProcedureSubmission.objects.get())
    assert effects() == recorded


def test_a_resident_changed_between_confirm_and_submit_is_refused_with_the_reason(clerk_client, clerk):
    """The register feed (or another counter) changed the record after the confirm page was shown:
    the procedure is refused with the reason, nothing recorded (INTAKE.md, "Safe beside the counter")."""
    from jpki.services.base import MSG_RESIDENT_CHANGED
    from residents import services as register

    resident = _with_card()
    url = reverse("admin:residents_resident_workflow", args=[resident.pk, "issue"])
    with frozen(OPEN_NOW):
        review = clerk_client.post(url, {**ISSUE, "_step": "review"})
        assert review.context["step"] == "confirm"
        shown = review.context["resident_version"]
        assert f'name="_resident_version" value="{shown}"' in review.content.decode()
        register.register_change(
            resident=Resident.objects.get(pk=resident.pk),
            actor=clerk,
            reason="住民記録システムからの異動連携（転居）",
            address_block="3丁目1番1号",
        )
        token = review.context["submission_token"]
        done = clerk_client.post(url, {**ISSUE, "_step": "confirm", FIELD: token, "_resident_version": shown})
        assert done.status_code == 200 and done.context["step"] == "form"
        assert MSG_RESIDENT_CHANGED in done.content.decode()
        # without the field the token alone refuses it (signed with the version shown)
        again = clerk_client.post(url, {**ISSUE, "_step": "confirm", FIELD: token})
        assert again.context["step"] == "form"
    assert not Application.objects.filter(resident=resident).exists()
