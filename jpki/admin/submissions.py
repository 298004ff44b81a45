"""Each procedure exactly once: the single-use token of a confirm step (受付トークン).

A procedure's form page gets a random *nonce* when it is first shown; the nonce travels with the
form through review and "入力に戻る", so every confirm page that comes from one form page shares
it. The confirm page carries the nonce signed (``django.core.signing``) over the acting user, the
procedure, the resident and application (or letter), and a digest of the form's cleaned content:
a token for other content or another user does not verify and is refused as stale.

Confirming claims the nonce by inserting a :class:`~jpki.models.ProcedureSubmission` row in the
same transaction as the service call, before it. The unique constraint on the token decides every
race: a second, back-button or concurrent submit of the same nonce fails on the insert (on
PostgreSQL it waits for the first transaction and then fails) and is shown
「この手続は既に記録されています」 with a link to the record. When the service refuses, the
transaction rolls back with the row, so the nonce stays usable and the clerk can correct and
confirm again.

A one-shot form (no confirm step, e.g. recording a mailing) signs the nonce without content when
the form is shown (:class:`OneShot`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from jpki.models import ProcedureSubmission

T = TypeVar("T")

FIELD = "_submission"
"""The name of the hidden form field that carries the nonce (form step) or the signed token."""

MSG_ALREADY_RECORDED = _("この手続は既に記録されています。")
MSG_STALE = _(
    "この確認画面の内容では記録できません（入力内容が変わったか、別の職員の画面か、古い画面です）。"
    "内容を確かめて、もう一度「確認へ進む」から記録してください。"
)
MSG_STALE_ONE_SHOT = _("この画面は古いか無効です。内容を確かめて、もう一度記録してください。")

_NONCE = re.compile(r"[0-9a-f]{32}")
_SALT = "jpki.admin.submissions"


class StaleToken(ValidationError):
    """The token is missing, malformed, signed for other content or another user, or its nonce
    was used by another user or procedure. Nothing was recorded; back to the form."""

    def __init__(self, message=MSG_STALE):
        super().__init__(message, code="stale_submission")


class AlreadyRecorded(Exception):
    """The nonce was claimed already: the procedure is recorded (``submission`` links to it)."""

    def __init__(self, submission: ProcedureSubmission):
        super().__init__(str(MSG_ALREADY_RECORDED))
        self.submission = submission


@dataclass(frozen=True)
class Scope:
    """What a token is bound to besides its content: who, which procedure, for whom, on what."""

    user_id: int
    procedure: str
    resident_id: int | None = None
    object_id: int | None = None

    @classmethod
    def of(cls, user, procedure: str, *, resident=None, obj=None) -> Scope:
        return cls(
            user_id=user.pk,
            procedure=procedure,
            resident_id=getattr(resident, "pk", resident),
            object_id=getattr(obj, "pk", obj),
        )

    def matches(self, submission: ProcedureSubmission) -> bool:
        return (
            submission.user_id == self.user_id
            and submission.procedure == self.procedure
            and submission.resident_id == self.resident_id
        )


# --- tokens --------------------------------------------------------------------------------------------


def new_nonce() -> str:
    return secrets.token_hex(16)


def nonce_of(value: str | None) -> str | None:
    """The nonce at the start of a posted nonce or token, or None when it is not one (no verification)."""
    if not value or not isinstance(value, str):
        return None
    head = value.split(":", 1)[0]
    return head if _NONCE.fullmatch(head) else None


def _plain(value: Any) -> Any:
    """A JSON-able, stable form of a cleaned value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta, decimal.Decimal)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (models.QuerySet, set, frozenset)):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def content_digest(content: Mapping[str, Any] | None) -> str:
    """A digest of a form's cleaned content (only ever part of a signature's salt, never shown)."""
    if content is None:
        return "-"
    canonical = json.dumps({str(k): _plain(v) for k, v in content.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def form_content(form) -> dict[str, Any]:
    """The cleaned values of a valid form's own fields (what the confirm page shows and submits)."""
    return {name: form.cleaned_data.get(name) for name in form.fields}


def _signer(scope: Scope, content: Mapping[str, Any] | None) -> signing.Signer:
    salt = ":".join(
        (
            _SALT,
            str(scope.user_id),
            scope.procedure,
            str(scope.resident_id or "-"),
            str(scope.object_id or "-"),
            content_digest(content),
        )
    )
    return signing.Signer(salt=salt)


def issue(scope: Scope, content: Mapping[str, Any] | None = None, *, nonce: str | None = None) -> str:
    """A token for this scope and content, on the given nonce (a new one when None)."""
    return _signer(scope, content).sign(nonce or new_nonce())


def verify(token: str | None, scope: Scope, content: Mapping[str, Any] | None = None) -> str:
    """The nonce of a token issued for exactly this scope and content; else :class:`StaleToken`."""
    if not token or not isinstance(token, str) or nonce_of(token) is None:
        raise StaleToken
    try:
        nonce = _signer(scope, content).unsign(token)
    except signing.BadSignature:
        raise StaleToken from None
    if not _NONCE.fullmatch(nonce):
        raise StaleToken
    return nonce


def claimed(value: str | None, scope: Scope) -> ProcedureSubmission | None:
    """The submission that already claimed the nonce of a posted value, or None.

    A nonce claimed by another user, procedure or resident raises :class:`StaleToken`.
    """
    nonce = nonce_of(value)
    if nonce is None:
        return None
    submission = ProcedureSubmission.objects.filter(token=nonce).first()
    if submission is not None and not scope.matches(submission):
        raise StaleToken
    return submission


def submit_once(
    token: str | None,
    scope: Scope,
    perform: Callable[[], T],
    *,
    content: Mapping[str, Any] | None = None,
    result_url: Callable[[T], str | None] | None = None,
) -> T:
    """Claim the token and run ``perform`` (the service call) in one transaction; its value.

    Raises :class:`StaleToken` (nothing done), :class:`AlreadyRecorded` (the token was claimed
    before or concurrently; nothing done) or whatever ``perform`` raises, e.g. the service's
    ``ValidationError`` (rolled back: the token stays usable).
    """
    nonce = verify(token, scope, content)
    try:
        with transaction.atomic():
            # The claim comes first: a concurrent submit of the same token waits here (PostgreSQL
            # blocks on the unique index until this transaction ends) and never calls the service.
            submission = ProcedureSubmission.objects.create(
                token=nonce, user_id=scope.user_id, procedure=scope.procedure, resident_id=scope.resident_id
            )
            value = perform()
            url = result_url(value) if result_url is not None else None
            if url:
                submission.result_url = url[: ProcedureSubmission._meta.get_field("result_url").max_length]
                submission.save(update_fields=["result_url"])
    except IntegrityError:
        existing = ProcedureSubmission.objects.filter(token=nonce).first()
        if existing is None:
            raise  # not our claim: an integrity error of the service itself
        if not scope.matches(existing):
            raise StaleToken from None
        raise AlreadyRecorded(existing) from None
    return value


def already_recorded_context(submission: ProcedureSubmission, fallback_url: str | None = None) -> dict:
    """What a page needs to say that the procedure is recorded, with a link to the record."""
    return {
        "already_recorded": True,
        "already_recorded_message": MSG_ALREADY_RECORDED,
        "already_recorded_url": submission.result_url or fallback_url,
        "already_recorded_at": submission.submitted_at,
    }


# --- one-shot forms ------------------------------------------------------------------------------------


class OneShot:
    """The token of a form whose one POST records the procedure (no confirm step).

    The token (bound to user, procedure, resident and object, not to content, which is typed after
    the page is shown) is issued with the form on GET; a POST that verifies keeps its token when
    the form comes back with errors, so a back-button resubmit of any earlier rendering of the
    same form is recognised.

    In a view::

        once = submissions.OneShot(request, scope)
        if request.method == "POST":
            done = once.recorded()            # a replay: show already_recorded_context(done)
            ... if form.is_valid():
                try: value = once.submit(lambda: service(...), result_url=...)
                except AlreadyRecorded as exc: ...  # a concurrent submit won
                except ValidationError as exc: ...  # at the form; StaleToken is one
        context[...] = once.context()       # {"submission_field", "submission_token"}
    """

    def __init__(self, request, scope: Scope):
        self.scope = scope
        self.posted = request.POST.get(FIELD) if request.method == "POST" else None
        try:
            verify(self.posted, scope)
            self.token = self.posted
        except StaleToken:
            self.token = issue(scope)

    def recorded(self) -> ProcedureSubmission | None:
        """The submission of a replayed POST; a nonce of someone else's raises :class:`StaleToken`."""
        return claimed(self.posted, self.scope)

    def submit(self, perform: Callable[[], T], *, result_url: Callable[[T], str | None] | None = None) -> T:
        try:
            return submit_once(self.posted, self.scope, perform, result_url=result_url)
        except StaleToken:
            raise StaleToken(MSG_STALE_ONE_SHOT) from None

    def context(self) -> dict:
        return {"submission_field": FIELD, "submission_token": self.token}
