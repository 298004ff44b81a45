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
    from .models import Application

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


def record_mailing(*, application, tracking_number: str, actor, reason: str):
    """Record the tracking number on the current inquiry letter when the letters app offers it.

    Returns True when the letters app recorded it, False when it is only kept in the history reason.
    """
    services = _services()
    if services is None or not tracking_number:
        return False
    for name in ("letter_record_mailing", "record_mailing", "letter_mark_posted"):
        fn = getattr(services, name, None)
        if fn is None:
            continue
        model = letter_model()
        letter = None
        if model is not None:
            letter = (model.objects.filter(application=application, kind="inquiry", is_current=True)
                      .order_by("-id").first())
        if letter is None:
            return False
        fn(letter=letter, tracking_number=tracking_number, actor=actor, reason=reason)
        return True
    return False
