"""The tracking numbers of a printed batch and the mailing list the post office takes (差出票).

After a batch is printed, the clerk scans (or types) the tracking number (お問い合わせ番号) of each
letter in the order of the list: :func:`batch_record_tracking` checks every number (format and
Japan Post's check digit), refuses duplicates and records them all, each letter's posting (差出)
with it, in one transaction. Only then is the mailing list printed (:func:`mailing_list_print`):
Japan Post's 書留・特定記録郵便物等差出票 columns (番号, 受取人, 料金, 備考) and a total, each print
(the first and every re-print) stored as its own :class:`~letters.models.MailingListPrint`.

Japan Post's tracking numbers (11, 12 or 13 digits) end in a check digit: the number formed by the
digits before it, modulo 7 (``tracking_check_digit``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from residents import recording

from . import render
from .models import TRACKED_MAIL_CLASSES, Letter, LetterAccess, MailClass, MailingBatch, MailingListPrint

MSG_CHECK_DIGIT = _lazy(
    "お問い合わせ番号の末尾の数字（チェックデジット）が合いません。読み取り違い・入力違いがないか確かめてください。"
)
MSG_DUPLICATE_IN_FORM = _lazy("同じお問い合わせ番号が %(other)s にも入力されています。")
MSG_DUPLICATE_IN_DB = _lazy("このお問い合わせ番号は既に別の郵便物（%(reference)s）に使われています。")
MSG_NOT_PRINTED = _lazy("この差出はまだ印刷されていません。印刷が終わってからお問い合わせ番号を入力してください。")


def tracking_check_digit(body: str) -> int:
    """Japan Post's check digit of a tracking number's leading digits: their value modulo 7."""
    return int(body) % 7


def check_tracking_number(value: str) -> str:
    """A scanned or typed tracking number → its digits; ``ValidationError`` (field ``tracking_number``)
    when it is not 11–13 digits or its check digit does not match."""
    from .services import normalize_tracking_number

    digits = normalize_tracking_number(value)
    if tracking_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValidationError({"tracking_number": MSG_CHECK_DIGIT})
    return digits


# --- times of the mailing record: never in the future -------------------------------------------

# A posting, a return or a reply is a fact of the past. A time a little ahead of the server's clock is
# accepted: the clerk reads the time off a wall clock or a terminal whose clock may run a few minutes
# ahead of the (NTP-synchronised) server, and types 17:00 for an envelope handed over at 16:58. Five
# minutes covers that; anything later is a slip of the day, month or year and is refused.
CLOCK_SKEW = timedelta(minutes=5)


class MailingWhen:
    """What a recorded time is, as the refusal names it."""

    POSTED = _lazy("差出日時")
    RETURNED = _lazy("返戻日時")
    REPLIED = _lazy("受理日時")


def not_in_future(at: datetime, *, what, now: datetime | None = None, field: str = "at") -> datetime:
    """``at`` unchanged, or ``ValidationError`` at ``field`` when it is later than now (``CLOCK_SKEW`` allowed)."""
    now = now or timezone.now()
    if at > now + CLOCK_SKEW:
        message = _t("%(what)sが未来になっています（%(at)s）。現在（%(now)s）より後の日時は記録できません。") % {
            "what": what,
            "at": f"{timezone.localtime(at):%Y-%m-%d %H:%M}",
            "now": f"{timezone.localtime(now):%Y-%m-%d %H:%M}",
        }
        raise ValidationError({field: message})
    return at


def batch_letters(batch: MailingBatch) -> list[Letter]:
    """The batch's letters in the order of its mailing list (the order they were printed in), without
    a letter replaced by a reprint before it was posted (the reprint, not it, goes in the post)."""
    letters = (
        batch.letters.filter(print_refusal="")
        .select_related("application", "application__resident")
        .order_by("reference_root", "version")
    )
    return [lt for lt in letters if lt.is_current or lt.posted_at is not None]


def field_name(letter: Letter) -> str:
    return f"tracking_{letter.pk}"


def needs_tracking(letter: Letter) -> bool:
    return letter.mail_class in TRACKED_MAIL_CLASSES


def missing_tracking(letters: list[Letter]) -> list[Letter]:
    """The registered/recorded letters whose tracking number is still missing: no 差出票 yet."""
    return [lt for lt in letters if needs_tracking(lt) and not lt.tracking_number]


@transaction.atomic
def batch_record_tracking(
    *, batch: MailingBatch, actor, reason: str, numbers: dict[int, str], at: datetime | None = None
) -> list[Letter]:
    """Record the tracking numbers of a printed batch's letters and their posting (差出), all or nothing.

    ``numbers`` maps a letter's id to what was scanned or typed; a blank entry leaves that letter as it
    is (it can be scanned later). A letter already posted keeps its number. Errors are one
    ``ValidationError`` keyed by the letter's field (``tracking_<id>``), so that each shows at its field.
    """
    from .services import letter_record_mailing

    reason = recording.require_reason(reason)
    at = not_in_future(recording.now(at), what=MailingWhen.POSTED)
    batch = MailingBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.render_state != MailingBatch.RenderState.DONE:
        raise ValidationError({"__all__": MSG_NOT_PRINTED})
    letters = {lt.pk: lt for lt in batch_letters(batch)}
    unknown = set(numbers) - set(letters)
    if unknown:
        raise ValidationError({"__all__": _t("この差出にない照会書のお問い合わせ番号が含まれています。")})
    errors: dict[str, list[str]] = {}
    checked: dict[int, str] = {}
    seen: dict[str, Letter] = {}
    for pk, letter in letters.items():
        text = (numbers.get(pk) or "").strip()
        if not text or letter.posted_at is not None:
            continue
        try:
            digits = check_tracking_number(text)
        except ValidationError as exc:
            errors[field_name(letter)] = exc.messages
            continue
        if digits in seen:
            errors[field_name(letter)] = [MSG_DUPLICATE_IN_FORM % {"other": seen[digits].reference}]
            continue
        seen[digits] = letter
        checked[pk] = digits
    used = dict(
        Letter.objects.filter(tracking_number__in=list(checked.values()))
        .exclude(pk__in=list(checked))
        .values_list("tracking_number", "reference")
    )
    for pk, digits in checked.items():
        if digits in used:
            errors[field_name(letters[pk])] = [MSG_DUPLICATE_IN_DB % {"reference": used[digits]}]
    if errors:
        raise ValidationError(errors)
    recorded = []
    for pk, digits in checked.items():
        letter = letters[pk]
        mail_class = letter.mail_class if letter.mail_class in TRACKED_MAIL_CLASSES else MailClass.REGISTERED
        try:  # each in its own savepoint; any refusal (an application withdrawn meanwhile ...) undoes all
            recorded.append(
                letter_record_mailing(
                    letter=letter, actor=actor, reason=reason, tracking_number=digits, mail_class=mail_class, at=at
                )
            )
        except ValidationError as exc:
            errors[field_name(letter)] = [f"{letter.reference}: {message}" for message in exc.messages]
    if errors:
        raise ValidationError(errors)
    return recorded


# --- the mailing list (差出票) -------------------------------------------------------------------


def mail_fee(mail_class: str) -> int:
    """What one letter of this mail class costs, in yen: the base postage plus the class's fee."""
    base = settings.MAIL_POSTAGE_BASE
    extra = {
        MailClass.REGISTERED: settings.MAIL_FEE_SIMPLE_REGISTERED,
        MailClass.RECORDED: settings.MAIL_FEE_RECORDED,
    }.get(mail_class, 0)
    return base + extra


@dataclass(frozen=True)
class ListMissing:
    """Why the mailing list cannot be printed yet: the letters whose tracking number is missing."""

    letters: list[Letter]

    @property
    def message(self) -> str:
        refs = _t("、").join(lt.reference for lt in self.letters[:5])
        more = _t(" ほか%(count)s通") % {"count": len(self.letters) - 5} if len(self.letters) > 5 else ""
        return _t(
            "お問い合わせ番号が未入力の照会書が%(count)s通あります（%(references)s%(more)s）。"
            "「お問い合わせ番号を入力」で全通の番号を入力してから差出票を印刷してください。"
        ) % {"count": len(self.letters), "references": refs, "more": more}


def list_missing(batch: MailingBatch) -> ListMissing | None:
    """``None`` when the batch's mailing list can be printed, else what is missing."""
    if batch.render_state != MailingBatch.RenderState.DONE:
        return ListMissing(letters=[])
    missing = missing_tracking(batch_letters(batch))
    return ListMissing(letters=missing) if missing else None


@transaction.atomic
def mailing_list_print(*, batch: MailingBatch, actor, reason: str, at: datetime | None = None) -> MailingListPrint:
    """Print the batch's mailing list (差出票) now that its tracking numbers are in, and store it as a
    new version (the first print and every re-print alike): who, when, why, the PDF."""
    reason = recording.require_reason(reason)
    at = recording.now(at)
    batch = MailingBatch.objects.select_for_update().select_related("office").get(pk=batch.pk)
    if batch.render_state != MailingBatch.RenderState.DONE:
        raise ValidationError({"__all__": MSG_NOT_PRINTED})
    letters = batch_letters(batch)
    missing = missing_tracking(letters)
    if missing:
        raise ValidationError({"__all__": ListMissing(letters=missing).message})
    version = (batch.list_prints.aggregate(m=Max("version"))["m"] or 0) + 1
    pdf = render.render_mailing_list(
        office=batch.office, on=batch.date, number=batch.number, letters=letters, printed_at=at, version=version
    )
    sha = hashlib.sha256(pdf).hexdigest()
    printed = MailingListPrint(
        batch=batch,
        version=version,
        printed_at=at,
        printed_by=actor,
        reason=reason,
        sha256=sha,
        page_count=render_page_count(pdf),
        letter_count=len(letters),
        total_fee=sum(mail_fee(lt.mail_class) for lt in letters),
    )
    name = f"sashidashi-{batch.office.code}-{batch.date:%Y%m%d}-{batch.number}-v{version}-{sha[:12]}.pdf"
    printed.pdf.save(name, ContentFile(pdf), save=False)
    recording.save(printed, actor, reason)
    LetterAccess.objects.create(batch=batch, user=actor, action=LetterAccess.Action.PRINT, path="mailing-list")
    return printed


def render_page_count(pdf: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def mailing_list_open(*, printed: MailingListPrint, actor, path: str = "") -> bytes:
    """A stored mailing list's PDF, the read recorded."""
    with printed.pdf.open("rb") as fh:
        data = fh.read()
    LetterAccess.objects.create(
        batch=printed.batch, user=actor, action=LetterAccess.Action.DOWNLOAD, path=(path or "mailing-list")[:200]
    )
    return data


def scan_rows(batch: MailingBatch) -> list[dict]:
    """The scan screen's rows: every letter of the batch in list order, with what it still needs."""
    return [
        {
            "no": i,
            "letter": letter,
            "field": field_name(letter),
            "done": letter.posted_at is not None,
            "needs_number": needs_tracking(letter),
        }
        for i, letter in enumerate(batch_letters(batch), start=1)
    ]


def local(at: datetime) -> datetime:
    return timezone.localtime(at)


# --- correcting a tracking number (お問い合わせ番号の訂正) ----------------------------------------
#
# Who: before the batch's 差出票 is printed, the number exists only in these records, so the clerk who
# scanned the wrong envelope corrects it (as on the scan screen before saving). Once the 差出票 is
# printed it has gone, or is going, to the post office with the old number and the post office's
# receipt carries it: changing it then alters a document handed out, so a supervisor (監督者) decides,
# and the printed 差出票 is marked stale and is to be re-printed (each print stays a stored version).


def is_supervisor(user) -> bool:
    from jpki.roles import SUPERVISOR

    return bool(user.is_active and (user.is_superuser or user.groups.filter(name=SUPERVISOR).exists()))


def latest_list_print(batch_id: int | None) -> MailingListPrint | None:
    """The batch's latest 差出票 print (the one on paper), or ``None`` (no batch, or not printed yet)."""
    if batch_id is None:
        return None
    return MailingListPrint.objects.filter(batch_id=batch_id).order_by("-version").first()


def correction_refusal(letter: Letter) -> str:
    """Why this letter's tracking number cannot be corrected at all (empty when it can)."""
    if letter.posted_at is None or not letter.tracking_number:
        return _t("差出が記録され、お問い合わせ番号のある郵便物だけが訂正できます。")
    return ""


def can_correct_tracking(user, letter: Letter) -> bool:
    """A clerk until the 差出票 is printed, a supervisor always (see the note above)."""
    if is_supervisor(user):
        return True
    return user.has_perm("letters.change_letter") and latest_list_print(letter.batch_id) is None


@transaction.atomic
def letter_correct_tracking(
    *, letter: Letter, actor, reason: str, tracking_number: str, at: datetime | None = None
) -> Letter:
    """Correct a posted letter's tracking number: the new number checked like a scanned one (format,
    check digit, not another letter's), one history row on the letter (the old number stays in its
    history), and the batch's printed 差出票, if any, marked stale so that it is re-printed."""
    reason = recording.require_reason(reason)
    at = recording.now(at)
    letter = Letter.objects.get(pk=letter.pk)
    if letter.batch_id is not None:  # the lock mailing_list_print takes: a print is before or after, never during
        MailingBatch.objects.select_for_update().get(pk=letter.batch_id)
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    refusal = correction_refusal(letter)
    if refusal:
        raise ValidationError({"__all__": refusal})
    printed = latest_list_print(letter.batch_id)
    if printed is not None and not is_supervisor(actor):
        raise ValidationError(
            {
                "__all__": _t(
                    "この差出の差出票は印刷済みです（第%(version)d版）。印刷後のお問い合わせ番号の訂正は監督者が行います。"
                )
                % {"version": printed.version}
            }
        )
    if printed is None and not (is_supervisor(actor) or actor.has_perm("letters.change_letter")):
        raise ValidationError({"__all__": _t("お問い合わせ番号を訂正する権限がありません。")})
    digits = check_tracking_number(tracking_number)
    if digits == letter.tracking_number:
        raise ValidationError(
            {"tracking_number": _t("今のお問い合わせ番号と同じです。訂正後の番号を入力してください。")}
        )
    other = Letter.objects.filter(tracking_number=digits).exclude(pk=letter.pk).values_list("reference", flat=True)
    if other:
        raise ValidationError({"tracking_number": MSG_DUPLICATE_IN_DB.format(reference=other[0])})
    letter.tracking_number = digits
    # stored texts stay Japanese whatever the screen's language (no gettext for the history)
    recording.save(letter, actor, f"お問い合わせ番号の訂正: {reason}")
    if printed is not None and printed.stale_at is None:
        printed = MailingListPrint.objects.select_for_update().get(pk=printed.pk)
        printed.stale_at = at
        printed.stale_reason = f"{letter.reference} のお問い合わせ番号を訂正（{reason}）"[:300]
        recording.save(printed, actor, f"{letter.reference} のお問い合わせ番号の訂正により差出票が古くなった")
    return letter


def stale_message(printed: MailingListPrint | None) -> str:
    """The notice that the printed 差出票 no longer matches the records (empty when it does)."""
    if printed is None or printed.stale_at is None:
        return ""
    return _t(
        "差出票（第%(version)d版）の印刷後にお問い合わせ番号が訂正されました（%(why)s）。"
        "郵便局に出した差出票と記録が合わないため、差出票を再印刷してください。"
    ) % {"version": printed.version, "why": printed.stale_reason}
