"""Signing off an item of the review queue (確認済み): ``review_sign_off``.

The item is looked up again through its source (``jpki.review``), inside the transaction: an item
that no longer needs a review, or that the supervisor did themselves, is refused with a message;
a second sign-off of the same item is refused by the unique constraint (``MSG_ALREADY_SIGNED``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _lazy

from jpki import review
from jpki.models import ReviewSignOff
from residents import safety
from residents.recording import now as _now
from residents.recording import save as _save

# Japanese by nature: the history reason.
REASON_SIGN_OFF = "確認待ちの項目を確認済みにした"
MSG_OWN_ACTION = _lazy("ご自身が行った処理は確認済みにできません。別の監督者が確認してください。")
MSG_NOT_FOUND = _lazy("この項目は確認待ちの一覧にありません。画面を開き直してください。")
MSG_ALREADY_SIGNED = _lazy("この項目は既に確認済みです。")
MSG_COMMENT = _lazy("確認の内容をコメントに入力してください。")
COMMENT_MAX = 1000


def _clean_comment(comment: str) -> str:
    """The sign-off's comment, stripped: required, at most ``COMMENT_MAX`` characters, no 個人番号."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": MSG_COMMENT})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _t("コメントは%(max)s文字以内で入力してください。") % {"max": COMMENT_MAX}})
    safety.check_text(comment, "comment")
    return comment


def review_sign_off(*, kind: str, key: str, actor, comment: str, at: datetime | None = None) -> ReviewSignOff:
    """Mark the review item ``kind``/``key`` 確認済み by ``actor`` with ``comment``; the new record."""
    comment = _clean_comment(comment)
    at = _now(at)
    try:
        with transaction.atomic():
            item = review.find_item(kind, key)
            if item is None:
                raise ValidationError({"__all__": MSG_NOT_FOUND})
            if item.actor_id is not None and item.actor_id == actor.pk:
                raise ValidationError({"__all__": MSG_OWN_ACTION})
            if ReviewSignOff.objects.filter(kind=kind, item_key=item.key).exists():
                raise ValidationError({"__all__": MSG_ALREADY_SIGNED})
            signoff = ReviewSignOff(kind=kind, item_key=item.key, reviewer=actor, comment=comment, signed_at=at)
            return _save(signoff, actor, f"{REASON_SIGN_OFF}（{item.label}）")
    except IntegrityError as exc:  # a concurrent sign-off of the same item won
        raise ValidationError({"__all__": MSG_ALREADY_SIGNED}) from exc


# --- several items at once --------------------------------------------------------------------------------

MANY_MAX = 200  # items of one sign-off (four pages of the queue)
MSG_MANY_NONE = _lazy("確認済みにする項目を選んでください。")
MSG_MANY_TOO_MANY = _lazy("一度に確認済みにできるのは%(max)d件までです。")
MSG_MANY_OWN = _lazy("ご自身が行った処理が含まれています（%(items)s）。別の監督者が確認してください。")
MSG_MANY_NOT_FOUND = _lazy("確認待ちの一覧にない項目が含まれています（%(items)s）。画面を開き直してください。")
MSG_MANY_ALREADY_SIGNED = _lazy("既に確認済みの項目が含まれています（%(items)s）。画面を開き直してください。")


def _listed(pairs) -> str:
    labels = {kind: str(src.label) for kind, src in review.REGISTRY.items()}
    shown = [f"{labels.get(kind, kind)} #{key}" for kind, key in pairs[:5]]
    more = _t(" ほか%(count)d件") % {"count": len(pairs) - 5} if len(pairs) > 5 else ""
    return _t("、").join(shown) + more


def review_sign_off_many(*, items, actor, comment: str, at: datetime | None = None) -> list[ReviewSignOff]:
    """Mark several review items 確認済み by ``actor`` with one ``comment``: one transaction, one
    ``ReviewSignOff`` (and its history row) per item, all or nothing. ``items`` are ``(kind, key)``
    pairs; each is looked up again through its source. An item that the supervisor did themselves,
    one no longer in the queue or one already signed off refuses the whole sign-off, naming them."""
    comment = _clean_comment(comment)
    pairs = list(dict.fromkeys((str(kind), str(key)) for kind, key in items))
    if not pairs:
        raise ValidationError({"__all__": MSG_MANY_NONE})
    if len(pairs) > MANY_MAX:
        raise ValidationError({"__all__": _t(MSG_MANY_TOO_MANY) % {"max": MANY_MAX}})
    at = _now(at)
    try:
        with transaction.atomic():
            found, missing, own = {}, [], []
            for kind, key in pairs:
                item = review.find_item(kind, key)
                if item is None:
                    missing.append((kind, key))
                elif item.actor_id is not None and item.actor_id == actor.pk:
                    own.append((kind, key))
                else:
                    found[(item.kind, item.key)] = item
            signed = [
                (s.kind, s.item_key)
                for s in ReviewSignOff.objects.filter(
                    kind__in={kind for kind, _key in found}, item_key__in={key for _kind, key in found}
                ).only("kind", "item_key")
                if (s.kind, s.item_key) in found
            ]
            errors = [
                _t(message) % {"items": _listed(bad)}
                for message, bad in (
                    (MSG_MANY_OWN, own),
                    (MSG_MANY_NOT_FOUND, missing),
                    (MSG_MANY_ALREADY_SIGNED, signed),
                )
                if bad
            ]
            if errors:
                raise ValidationError({"__all__": errors})
            return [
                _save(
                    ReviewSignOff(kind=item.kind, item_key=item.key, reviewer=actor, comment=comment, signed_at=at),
                    actor,
                    f"{REASON_SIGN_OFF}（{item.label}、一括 {len(found)}件）",
                )
                for item in found.values()
            ]
    except IntegrityError as exc:  # a concurrent sign-off of one of the items won
        raise ValidationError({"__all__": MSG_ALREADY_SIGNED}) from exc
