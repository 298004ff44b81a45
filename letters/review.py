"""The letters' sources of the review queue (確認待ち, ``jpki.review``): reprints of letters.

The certificate domain cannot import ``letters``; the letters app registers these when Django starts
(``letters.apps.LettersConfig.ready``). Returned letters are a source of the domain itself
(``letter_return``: every return is recorded on the proxy application by the domain's service).
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jpki import review

from .models import Letter


@review.source("letter_reprint", _("帳票の再印刷"))
def letter_reprints() -> review.Selection:
    return review.Selection(
        Letter.objects.filter(version__gt=1),
        at="rendered_at",
        actor="rendered_by_id",
        office="application__office_id",
        resident="application__resident_id",
        fields=("kind", "reference", "reason"),
        summary=lambda r: (
            gettext("%(kind)s %(ref)s（理由: %(reason)s）")
            % {
                "kind": dict(Letter.Kind.choices).get(r["kind"], r["kind"]),
                "ref": r["reference"],
                "reason": r["reason"] or "—",
            }
        ),
        record="letters.letter",
    )
