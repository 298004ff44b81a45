"""What this admin uses from the letters app, when it is there (degrades gracefully when not).

The letters app is built by another teammate; everything here is looked up at call time so the
counter screens keep working while it is missing or half-built.
"""

from __future__ import annotations

import importlib
import logging

from django.apps import apps
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse

log = logging.getLogger(__name__)


def _services():
    if not apps.is_installed("letters"):
        return None
    try:
        return importlib.import_module("letters.services")
    except ImportError:
        return None


def letter_model():
    try:
        return apps.get_model("letters", "Letter")
    except LookupError:
        return None


def find_by_reference(text: str):
    """The application a scanned/typed letter reference points to, or None."""
    services = _services()
    finder = getattr(services, "find_by_reference", None) if services else None
    if finder is None:
        return None
    try:
        found = finder(text)
    except Exception:  # noqa: BLE001 - a lookup must never break the search box
        log.exception("letters.services.find_by_reference failed")
        return None
    if found is None:
        return None
    from jpki.models import Application

    if isinstance(found, Application):
        return found
    return getattr(found, "application", None)


def letters_for_resident(resident, limit: int = 20):
    model = letter_model()
    if model is None:
        return None
    try:
        return list(
            model.objects.filter(application__resident=resident)
            .select_related("application")
            .order_by("-rendered_at", "-id")[:limit]
        )
    except DatabaseError:
        return None


def url_or_none(name: str, *args, query: str = "") -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def lookup_url() -> str | None:
    return url_or_none("letters:lookup")


def letter_url(letter) -> str | None:
    return url_or_none("admin:letters_letter_change", letter.pk)


def current_inquiry(application):
    """The current inquiry letter (照会書兼回答書) of an application, or None (also without the app)."""
    model = letter_model()
    if model is None or _services() is None:
        return None
    try:
        return (
            model.objects.filter(application=application, kind="inquiry", is_current=True)
            .order_by("-version", "-id")
            .first()
        )
    except DatabaseError:
        return None


def letters_enabled() -> bool:
    return _services() is not None and letter_model() is not None


def create_inquiry_url(application) -> str | None:
    return url_or_none("admin:letters_letter_create", application.pk)


def record_mailing(*, application, tracking_number: str, actor, reason: str, render: bool = True):
    """Mailing through the letters app (which calls jpki.services.proxy_letter_sent itself).

    Creates the inquiry letter first when none was made yet. Returns the letter, or None when the
    letters app is not there (the caller then calls the jpki service directly).
    """
    services = _services()
    if services is None or not hasattr(services, "letter_record_mailing"):
        return None
    letter = current_inquiry(application)
    if letter is None:
        letter = services.letter_create(
            kind="inquiry", application=application, actor=actor, reason="照会書兼回答書の作成", render_now=render
        )
    return services.letter_record_mailing(letter=letter, actor=actor, reason=reason, tracking_number=tracking_number)


def record_reply(*, application, actor, reason: str):
    services = _services()
    letter = current_inquiry(application)
    if services is None or letter is None or letter.posted_at is None:
        return None
    return services.letter_record_reply(letter=letter, actor=actor, reason=reason)


def record_return(*, application, actor, reason: str, return_reason: str, note: str):
    services = _services()
    letter = current_inquiry(application)
    if services is None or letter is None or letter.posted_at is None:
        return None
    return services.letter_record_return(
        letter=letter, actor=actor, reason=reason, return_reason=return_reason, note=note
    )
