"""Every write about letters (帳票・郵送の記録) goes through here.

Keyword-only, the acting user and a reason, one transaction, ``_history_user``/``_change_reason``
set before each save, :class:`~django.core.exceptions.ValidationError` with messages staff can act
on. A stored PDF is never overwritten: a re-print is a new :class:`~letters.models.Letter` version.
A batch's rendering (by a worker, or here and now) and its PDF are in :mod:`letters.batches`; the
print and the download are offered here too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_noop

from jpki.models import Application, Office
from residents import recording

from . import render
from .batches import PrintResult, batch_open, enqueue_render, mailing_batch_print, print_day
from .mailing import MailingWhen, check_tracking_number, not_in_future
from .models import (
    TRACKED_MAIL_CLASSES,
    Letter,
    LetterAccess,
    MailClass,
    MailingBatch,
    ReturnReason,
)

REFERENCE_RE = re.compile(r"^([A-Z]{1,4})-?(\d{4})-?(\d{6})(?:-?(\d{1,3}))?$")


def _prefix() -> str:
    return getattr(settings, "LETTER_REFERENCE_PREFIX", "SU")


def _save(obj, actor, reason: str, **kwargs):
    return recording.save(obj, actor, reason, **kwargs)  # text checked: no 個人番号, no NUL


def _require_reason(reason: str) -> str:
    return recording.require_reason(reason)


def _now(at: datetime | None) -> datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValidationError({"at": _t("日時にはタイムゾーンが必要です。")})
    return at


def _office_of(actor, office: Office | None) -> Office:
    if office is not None:
        return office
    profile = getattr(actor, "staff_profile", None)
    if profile is None:
        raise ValidationError({"office": _t("窓口を選択してください（職員の所属窓口が登録されていません）。")})
    return profile.office


# --- references ---------------------------------------------------------------------------------


def normalize_reference(text: str) -> str | None:
    """'su2026000123', 'ＳＵ－２０２６－０００１２３' or a scanned QR → 'SU-2026-000123' (or with -N)."""
    if not text:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip().upper()
    value = re.sub(r"[\s‐‑‒–—―ー−]", "-", value).replace(" ", "")
    value = re.sub(r"-+", "-", value).strip("-")
    match = REFERENCE_RE.match(value)
    if not match:
        return None
    prefix, year, seq, version = match.groups()
    root = f"{prefix}-{year}-{seq}"
    if version and int(version) > 1:
        return f"{root}-{int(version)}"
    return root


def reference_for(root: str, version: int) -> str:
    return root if version == 1 else f"{root}-{version}"


def find_by_reference(text: str) -> Letter | None:
    """The letter a typed or scanned reference (照会番号) names, or ``None``.

    An exact version is returned when one is named; a bare root gives the current version.
    """
    ref = normalize_reference(text)
    if ref is None:
        return None
    qs = Letter.objects.select_related("application", "application__resident")
    letter = qs.filter(reference=ref).first()
    if letter is not None:
        return letter
    root = ref.rsplit("-", 1)[0] if ref.count("-") == 3 else ref
    return qs.filter(reference_root=root).order_by("-is_current", "-version").first()


def _next_root(year: int) -> str:
    prefix = f"{_prefix()}-{year}-"
    last = Letter.objects.filter(reference_root__startswith=prefix).aggregate(m=Max("reference_root"))["m"]
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


# --- storing PDFs -------------------------------------------------------------------------------


def _store_letter_pdf(letter: Letter, pdf: bytes, sha: str, pages: int) -> None:
    name = f"{letter.reference}-v{letter.version}-{sha[:12]}.pdf"
    letter.pdf.save(name, ContentFile(pdf), save=False)  # the storage never overwrites (O_EXCL + new name)
    letter.sha256 = sha
    letter.page_count = pages


def _log_access(*, letter=None, batch=None, user, action: str, path: str = "") -> LetterAccess:
    return LetterAccess.objects.create(letter=letter, batch=batch, user=user, action=action, path=path[:200])


def letter_data(letter: Letter, *, guides: bool = False) -> render.LetterData:
    return render.LetterData(
        kind=letter.kind,
        application=letter.application,
        reference=letter.reference,
        rendered_at=letter.rendered_at,
        version=letter.version,
        guides=guides,
    )


def _check_kind(kind: str, application: Application) -> None:
    if kind not in Letter.Kind.values:
        raise ValidationError({"kind": _t("帳票の種類が正しくありません。")})
    is_proxy = application.applicant_type == Application.ApplicantType.PROXY
    if kind in (Letter.Kind.INQUIRY, Letter.Kind.INQUIRY_REQUEST) and not is_proxy:
        raise ValidationError({"kind": _t("照会書・照会書送付依頼書は任意代理人による申請についてのみ作成できます。")})
    if kind == Letter.Kind.INQUIRY:
        if application.status in (
            Application.Status.RETURNED,
            Application.Status.COMPLETED,
            Application.Status.REFUSED,
            Application.Status.CANCELLED,
        ):
            raise ValidationError(
                {
                    "application": _t("この申請は「%(status)s」のため照会書を作成できません。")
                    % {"status": application.get_status_display()}
                }
            )
    if kind == Letter.Kind.APPLICATION_FORM and application.kind not in ("new", "renewal", "reissue"):
        raise ValidationError({"kind": _t("電子証明書新規発行申請書は発行・更新の申請についてのみ作成できます。")})
    if kind == Letter.Kind.VALIDITY_SLIP and (application.pk is None or not application.certificates.exists()):
        raise ValidationError(
            {"kind": _t("この申請で発行された電子証明書がないため、有効期限のお知らせを作成できません。")}
        )


def _new_letter(
    *, kind, application, actor, reason, at, previous: Letter | None = None, mailed_copy: bool = False
) -> Letter:
    for _attempt in range(5):
        if previous is None:
            root, version = _next_root(timezone.localtime(at).year), 1
        else:
            root = previous.reference_root
            version = Letter.objects.filter(reference_root=root).aggregate(m=Max("version"))["m"] + 1
        letter = Letter(
            kind=kind,
            application=application,
            reference_root=root,
            version=version,
            reference=reference_for(root, version),
            previous=previous,
            is_current=not mailed_copy,
            reprint_after_mailing=mailed_copy,
            reason=reason,
            rendered_at=at,
            rendered_by=actor,
            mail_class=previous.mail_class if previous else MailClass.REGISTERED,
        )
        try:
            with transaction.atomic():
                _save(letter, actor, reason)
            return letter
        except IntegrityError:
            if previous is not None:
                raise ValidationError(
                    {"__all__": _t("他の職員が同時に再印刷しました。画面を更新してください。")}
                ) from None
    raise ValidationError({"__all__": _t("照会番号を採番できませんでした。もう一度お試しください。")})


@transaction.atomic
def letter_create(
    *,
    kind: str,
    application: Application,
    actor,
    reason: str,
    at: datetime | None = None,
    render_now: bool = True,
) -> Letter:
    """Create a letter with a new reference (照会番号); render and store its PDF unless it waits for a batch."""
    reason = _require_reason(reason)
    at = _now(at)
    application = Application.objects.select_related("resident", "office").get(pk=application.pk)
    _check_kind(kind, application)
    if (
        kind == Letter.Kind.INQUIRY
        and Letter.objects.filter(
            application=application, kind=kind, is_current=True, returned_at__isnull=True
        ).exists()
    ):
        raise ValidationError(
            {"kind": _t("この申請の照会書は既に作成されています。作り直す場合は再印刷してください。")}
        )
    render.check_letter(kind, application)  # unprintable character, address not fitting the window: refused
    letter = _new_letter(kind=kind, application=application, actor=actor, reason=reason, at=at)
    if render_now:
        _render_and_store(letter, actor=actor, reason=reason)
    return letter


def _render_and_store(letter: Letter, *, actor, reason: str) -> Letter:
    result = render.render_letter(letter_data(letter))
    _store_letter_pdf(letter, result.pdf, result.sha256, result.page_count)
    _save(letter, actor, reason)
    _log_access(letter=letter, user=actor, action=LetterAccess.Action.RENDER)
    return letter


# The default reasons here (帳票の作成, プレビューのための作成) are Japanese by nature: history rows.
@transaction.atomic
def letter_render(*, letter: Letter, actor, reason: str = "帳票の作成") -> Letter:
    """Render and store the PDF of a letter that has none yet. A stored PDF is never replaced."""
    reason = _require_reason(reason)
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.has_pdf:
        raise ValidationError({"letter": _t("この帳票のPDFは既に保存されています。作り直す場合は再印刷してください。")})
    return _render_and_store(letter, actor=actor, reason=reason)


MSG_ALREADY_MAILED = gettext_noop("この通知はすでに発送済みです")


def mailed_warning(letter: Letter) -> str | None:
    """「この通知はすでに発送済みです」 with the date and tracking number, for a letter already mailed."""
    if letter.posted_at is None:
        return None
    posted = timezone.localtime(letter.posted_at)
    number = letter.tracking_number_display or _t("なし")
    return _t(
        "%(mailed)s（差出日 %(day)s、%(mail_class)s、お問い合わせ番号 %(number)s）。"
        "再印刷したものは控えとして保存され、発送済みの版が最新版のままです。"
    ) % {
        "mailed": _t(MSG_ALREADY_MAILED),
        "day": f"{posted:%Y-%m-%d}",
        "mail_class": letter.get_mail_class_display(),
        "number": number,
    }


@transaction.atomic
def letter_reprint(*, letter: Letter, actor, reason: str, at: datetime | None = None) -> Letter:
    """A re-print (再印刷): a new version with the same reference root; the old PDF stays as it was.

    A letter already mailed stays the current version (its mailing record, tracking number and posting
    belong to it): its re-print is a new version marked ``reprint_after_mailing`` and never current.
    """
    reason = _require_reason(reason)
    at = _now(at)
    letter = Letter.objects.select_for_update().select_related("application").get(pk=letter.pk)
    if not letter.is_current:
        raise ValidationError({"letter": _t("最新版ではない帳票は再印刷できません。最新版から再印刷してください。")})
    app = letter.application
    if letter.kind == Letter.Kind.INQUIRY:
        if letter.returned_at is not None or app.status == Application.Status.RETURNED:
            raise ValidationError({"letter": _t("返戻された照会書の申請は終了しています。再印刷できません。")})
        if letter.reply_received_at is not None:
            raise ValidationError({"letter": _t("回答書を受理済みの照会書は再印刷できません。")})
    if letter.posted_at is not None:
        new = _new_letter(
            kind=letter.kind,
            application=app,
            actor=actor,
            reason=f"発送済みの通知の再印刷（控え）: {reason}",
            at=at,
            previous=letter,
            mailed_copy=True,
        )
        _render_and_store(new, actor=actor, reason=reason)
        return new
    letter.is_current = False
    _save(letter, actor, f"再印刷により差替え: {reason}")
    new = _new_letter(kind=letter.kind, application=app, actor=actor, reason=reason, at=at, previous=letter)
    _render_and_store(new, actor=actor, reason=reason)
    return new


def letter_pdf_bytes(letter: Letter) -> bytes:
    """The stored PDF of a letter: its own file, or its pages of the batch it was printed in."""
    if letter.pdf:
        with letter.pdf.open("rb") as fh:
            return fh.read()
    if letter.batch_id and letter.batch_first_page and letter.batch.pdf:
        with letter.batch.pdf.open("rb") as fh:
            batch_pdf = fh.read()
        return render.extract_pages(batch_pdf, letter.batch_first_page, letter.page_count or 1)
    raise ValidationError({"letter": _t("この帳票のPDFはまだ作成されていません。")})


def letter_open(*, letter: Letter, actor, action: str, path: str = "") -> bytes:
    """Read a letter's PDF for preview/download and record who did it. Renders it first if needed."""
    if not letter.has_pdf:
        letter = letter_render(letter=letter, actor=actor, reason="プレビューのための作成")
    data = letter_pdf_bytes(letter)
    _log_access(letter=letter, user=actor, action=action, path=path)
    return data


# --- mailing ------------------------------------------------------------------------------------


def normalize_tracking_number(value: str) -> str:
    """'1234-5678-9013' / '１２３４ ５６７８ ９０１３' → '123456789013'; ValidationError if not 11–13 digits."""
    text = unicodedata.normalize("NFKC", value or "")
    digits = re.sub(r"[\s\-‐‑‒–—―ー−]", "", text)
    if not re.fullmatch(r"[0-9]{11,13}", digits):
        raise ValidationError(
            {"tracking_number": _t("お問い合わせ番号は11〜13桁の数字で入力してください（例: 1234-5678-9013）。")}
        )
    return digits


def _mailed_letter(letter: Letter) -> Letter:
    letter = Letter.objects.select_for_update().select_related("application").get(pk=letter.pk)
    if letter.kind not in Letter.MAILED_KINDS:
        raise ValidationError({"letter": _t("郵送する帳票ではありません。")})
    return letter


@transaction.atomic
def letter_record_mailing(
    *,
    letter: Letter,
    actor,
    reason: str,
    tracking_number: str = "",
    mail_class: str | None = None,
    at: datetime | None = None,
) -> Letter:
    """The inquiry letter was handed to the post office (差出). Calls jpki.services.proxy_letter_sent."""
    from jpki import services as jpki_services

    reason = _require_reason(reason)
    at = not_in_future(_now(at), what=MailingWhen.POSTED)
    letter = _mailed_letter(letter)
    if not letter.is_current:
        raise ValidationError(
            {"letter": _t("この照会書は再印刷により差し替えられています。最新版で記録してください。")}
        )
    if letter.posted_at is not None:
        raise ValidationError({"letter": _t("この照会書の差出は既に記録されています。")})
    mail_class = mail_class or letter.mail_class
    if mail_class not in MailClass.values:
        raise ValidationError({"mail_class": _t("郵便の種類が正しくありません。")})
    if mail_class in TRACKED_MAIL_CLASSES:
        tracking = check_tracking_number(tracking_number)  # format and check digit, as the scan screen
        if Letter.objects.filter(tracking_number=tracking).exclude(pk=letter.pk).exists():
            raise ValidationError({"tracking_number": _t("このお問い合わせ番号は既に別の郵便物に使われています。")})
    else:
        tracking = check_tracking_number(tracking_number) if tracking_number else ""
    letter.mail_class = mail_class
    letter.tracking_number = tracking
    letter.posted_at = at
    _save(letter, actor, reason)
    jpki_services.proxy_letter_sent(application=letter.application, actor=actor, reason=reason, at=at)
    return letter


@transaction.atomic
def letter_record_return(
    *,
    letter: Letter,
    actor,
    reason: str,
    return_reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Letter:
    """The letter came back undeliverable (返戻). The application ends without issuance."""
    from jpki import services as jpki_services

    reason = _require_reason(reason)
    at = not_in_future(_now(at), what=MailingWhen.RETURNED)
    if return_reason not in ReturnReason.values:
        raise ValidationError({"return_reason": _t("返戻理由を選択してください。")})
    if return_reason == ReturnReason.OTHER and not note.strip():
        raise ValidationError({"note": _t("「その他」の場合は返戻の内容を入力してください。")})
    letter = _mailed_letter(letter)
    if letter.posted_at is None:
        raise ValidationError({"letter": _t("差出が記録されていない照会書は返戻を記録できません。")})
    if letter.returned_at is not None:
        raise ValidationError({"letter": _t("この照会書の返戻は既に記録されています。")})
    if letter.reply_received_at is not None:
        raise ValidationError({"letter": _t("回答書を受理済みの照会書です。")})
    if at < letter.posted_at:
        raise ValidationError({"at": _t("返戻日時が差出日時より前になっています。")})
    letter.returned_at = at
    letter.return_reason = return_reason
    letter.return_note = note.strip()[:200]
    _save(letter, actor, reason)
    label = ReturnReason(return_reason).label
    jpki_services.proxy_letter_returned(
        application=letter.application,
        actor=actor,
        reason=reason,
        return_reason=f"{label}（{letter.return_note}）" if letter.return_note else str(label),
        at=at,
    )
    return letter


@transaction.atomic
def letter_record_reply(*, letter: Letter, actor, reason: str, at: datetime | None = None) -> Letter:
    """The completed reply (回答書) came back (usually sealed, brought by the proxy): visit 2 may follow."""
    from jpki import services as jpki_services

    reason = _require_reason(reason)
    at = not_in_future(_now(at), what=MailingWhen.REPLIED)
    letter = _mailed_letter(letter)
    if letter.posted_at is None:
        raise ValidationError({"letter": _t("差出が記録されていない照会書です。先に差出を記録してください。")})
    if letter.returned_at is not None:
        raise ValidationError({"letter": _t("返戻された照会書です。この申請は終了しています。")})
    if letter.reply_received_at is not None:
        raise ValidationError({"letter": _t("この回答書は既に受理されています。")})
    letter.reply_received_at = at
    _save(letter, actor, reason)
    jpki_services.proxy_reply_received(application=letter.application, actor=actor, reason=reason, at=at)
    return letter


# --- batches ------------------------------------------------------------------------------------


def applications_awaiting_letter(*, office: Office):
    """Proxy applications received at ``office`` whose inquiry letter has not been made yet."""
    made = Letter.objects.filter(kind=Letter.Kind.INQUIRY, is_current=True).values("application_id")
    return (
        Application.objects.filter(
            applicant_type=Application.ApplicantType.PROXY,
            status=Application.Status.AWAITING_LETTER,
            office=office,
        )
        .exclude(pk__in=made)
        .select_related("resident", "office", "proxy")
        .order_by("received_at", "pk")
    )


def letters_awaiting_batch(*, office: Office):
    return (
        Letter.objects.filter(
            kind=Letter.Kind.INQUIRY,
            is_current=True,
            batch__isnull=True,
            posted_at__isnull=True,
            application__office=office,
            application__status=Application.Status.AWAITING_LETTER,
        )
        .select_related("application", "application__resident", "application__office", "application__proxy")
        .order_by("reference_root", "version")
    )


@transaction.atomic
def mailing_batch_create(
    *,
    actor,
    reason: str,
    office: Office | None = None,
    on: date | None = None,
    letters=None,
    at: datetime | None = None,
    enqueue: bool = True,
) -> MailingBatch | None:
    """Gather the day's inquiry letters of an office into one batch (差出), making the missing letters.

    ``letters`` restricts the batch to those letters (admin action); by default every application
    awaiting its letter gets one and every unbatched current inquiry letter joins. ``None`` when empty.
    The rendering of its PDF is enqueued in the same transaction (a worker runs it: ``letters.batches``),
    so a batch never exists without the task that renders it. ``enqueue=False`` is for a caller that
    renders it at once itself (:func:`print_day`).
    """
    reason = _require_reason(reason)
    at = _now(at)
    office = _office_of(actor, office)
    on = on or timezone.localdate(at)
    if letters is None:
        for app in applications_awaiting_letter(office=office):
            _new_letter(kind=Letter.Kind.INQUIRY, application=app, actor=actor, reason=reason, at=at)
        chosen = list(letters_awaiting_batch(office=office).select_for_update(of=("self",)))
    else:
        chosen = []
        picked = Letter.objects.select_for_update().filter(pk__in=[lt.pk for lt in letters])
        for letter in picked.select_related("application"):
            if letter.kind != Letter.Kind.INQUIRY or not letter.is_current or letter.batch_id or letter.posted_at:
                raise ValidationError(
                    {
                        "letters": _t(
                            "%(reference)s は一括印刷の対象ではありません"
                            "（照会書の最新版で、未差出・未印刷のものに限ります）。"
                        )
                        % {"reference": letter.reference}
                    }
                )
            if letter.application.office_id != office.pk:
                raise ValidationError(
                    {
                        "letters": _t("%(reference)s は %(office)s の申請ではありません。")
                        % {"reference": letter.reference, "office": office}
                    }
                )
            chosen.append(letter)
        chosen.sort(key=lambda lt: (lt.reference_root, lt.version))
    if not chosen:
        return None
    number = (MailingBatch.objects.filter(office=office, date=on).aggregate(m=Max("number"))["m"] or 0) + 1
    batch = MailingBatch(
        office=office,
        date=on,
        number=number,
        created_at=at,
        created_by=actor,
        render_state=MailingBatch.RenderState.QUEUED,
        render_queued_at=at,
    )
    _save(batch, actor, reason)
    for letter in chosen:
        letter.batch = batch
        _save(letter, actor, reason)
    if enqueue:
        enqueue_render(batch, actor=actor, reason=reason)
        batch.refresh_from_db()
    return batch


# --- ledger: letters.ledger (re-exported for the callers that know it here) ---------------------

from .ledger import LEDGER_CSV_HEADER, LEDGER_CSV_KEYS, ledger_csv, ledger_rows  # noqa: E402

__all__ = [
    "LEDGER_CSV_HEADER",
    "LEDGER_CSV_KEYS",
    "PrintResult",
    "batch_open",
    "find_by_reference",
    "letter_create",
    "letter_open",
    "letter_record_mailing",
    "letter_record_reply",
    "letter_record_return",
    "letter_render",
    "letter_reprint",
    "ledger_csv",
    "ledger_rows",
    "mailing_batch_create",
    "mailing_batch_print",
    "normalize_reference",
    "normalize_tracking_number",
    "print_day",
]
