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


def review_sign_off(*, kind: str, key: str, actor, comment: str, at: datetime | None = None) -> ReviewSignOff:
    """Mark the review item ``kind``/``key`` 確認済み by ``actor`` with ``comment``; the new record."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": MSG_COMMENT})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _t("コメントは%(max)s文字以内で入力してください。") % {"max": COMMENT_MAX}})
    safety.check_text(comment, "comment")
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
