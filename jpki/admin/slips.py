"""The validity slip (電子証明書の有効期限のお知らせ) printed from the counter screens.

One button (a POST form that opens the PDF in a new tab) on the result page of an issuance or a
renewal, on the resident page and on the application page. The first press makes the slip (a
letter of the letters app, with its reference); a later press makes a new version (再発行, with
its own date); a double press of one button opens the same PDF again and makes nothing new (the
button carries a single-use token, ``submissions.OneShot``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from jpki import security
from jpki.models import Application
from jpki.readlog import record_read

from . import letters_bridge, submissions

PROCEDURE = "validity-slip"
SLIP_KIND = "validity_slip"
LETTER_PREVIEW = "preview"  # letters.models.LetterAccess.Action.PREVIEW
PERMISSIONS = ("letters.add_letter", "letters.view_letter")


def current_slip(application: Application):
    """The current version of the application's slip, or None (also without the letters app)."""
    model = letters_bridge.letter_model()
    if model is None:
        return None
    return model.objects.filter(application=application, kind=SLIP_KIND, is_current=True).order_by("-version").first()


def _scope(user, application: Application) -> submissions.Scope:
    return submissions.Scope.of(user, PROCEDURE, resident=application.resident_id, obj=application)


def slip_button(request, application: Application, *, has_certificates: bool) -> dict | None:
    """What a page needs to show the slip's button for ``application``, or None when it cannot be printed
    (no certificate issued by it, no letters app, or the user may not print)."""
    if not has_certificates or not letters_bridge.letters_enabled():
        return None
    if not all(request.user.has_perm(p) for p in PERMISSIONS):
        return None
    last = current_slip(application)
    return {
        "url": reverse("admin:jpki_application_validity_slip", args=[application.pk]),
        "field": submissions.FIELD,
        "token": submissions.issue(_scope(request.user, application)),
        "reprint": last is not None,
        "last_printed_at": timezone.localtime(last.rendered_at) if last is not None and last.rendered_at else None,
    }


def validity_slip_view(request, object_id):
    """POST: make (or re-issue) the slip and answer with its PDF, inline. GET: back to the application."""
    if not security.is_valid_pk(Application, object_id):
        raise Http404
    application = get_object_or_404(Application.objects.select_related("resident"), pk=object_id)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("admin:jpki_application_change", args=[application.pk]))
    if not all(request.user.has_perm(p) for p in PERMISSIONS) or not letters_bridge.letters_enabled():
        raise PermissionDenied
    from letters import services as letter_services
    from letters.views import pdf_response

    once = submissions.OneShot(request, _scope(request.user, application))
    try:
        if once.recorded() is not None:
            letter = current_slip(application)  # a double press: the same PDF again, nothing new
        else:
            letter = once.submit(lambda: _make(application, request.user))
        if letter is None:
            raise ValidationError("有効期限のお知らせが見つかりません。申請の画面から印刷してください。")
        data = letter_services.letter_open(letter=letter, actor=request.user, action=LETTER_PREVIEW, path=request.path)
    except submissions.AlreadyRecorded:
        letter = current_slip(application)
        data = letter_services.letter_open(letter=letter, actor=request.user, action=LETTER_PREVIEW, path=request.path)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages), content_type="text/plain; charset=utf-8")
    record_read(request, screen="letter_preview", residents=[application.resident_id], query=letter.reference)
    return pdf_response(data, f"{letter.reference}.pdf", inline=True)


def _make(application: Application, actor):
    from letters import services as letter_services

    previous = current_slip(application)
    if previous is None:
        return letter_services.letter_create(
            kind=SLIP_KIND, application=application, actor=actor, reason="電子証明書の有効期限のお知らせを印刷"
        )
    return letter_services.letter_reprint(letter=previous, actor=actor, reason="電子証明書の有効期限のお知らせを再発行")
