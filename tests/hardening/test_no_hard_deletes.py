"""No hard deletes: no admin (and no role) can delete a domain record or a staff account; a staff
account is deactivated instead, and every history row keeps its author."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client, RequestFactory
from django.urls import reverse

from residents import services as resident_services

from .support import DOMAIN_APPS, known_bug
from .urlwalk import registered_admins

pytestmark = pytest.mark.django_db

User = get_user_model()


def _admins():
    for model, model_admin in registered_admins():
        if model._meta.app_label in DOMAIN_APPS or model is User:
            yield model, model_admin


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_there_are_domain_admins_to_check():
    labels = {m._meta.label for m, _ in _admins()}
    assert {"residents.Resident", "jpki.Certificate", "jpki.Application", "auth.User"} <= labels


def test_no_admin_grants_deletion_to_anyone(world, superuser, clerk, supervisor):
    problems = []
    for model, model_admin in _admins():
        obj = world.instance_for(model)
        for user in (superuser, clerk, supervisor):
            request = _request(user)
            if model_admin.has_delete_permission(request) or (obj and model_admin.has_delete_permission(request, obj)):
                problems.append(f"{model._meta.label}: delete allowed for {user}")
            if "delete_selected" in model_admin.get_actions(request):
                problems.append(f"{model._meta.label}: bulk delete action for {user}")
    assert not problems, "\n".join(problems)


def test_no_role_holds_a_delete_permission():
    for group in Group.objects.all():
        deletes = list(group.permissions.filter(codename__startswith="delete_").values_list("codename", flat=True))
        assert deletes == [], group.name


def test_deleting_through_the_admin_is_refused(world, superuser):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    problems = []
    for model, _model_admin in _admins():
        obj = world.instance_for(model)
        if obj is None:
            continue
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
        get = client.get(url)
        post = client.post(url, {"post": "yes"})
        bulk = client.post(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        if get.status_code != 403 or post.status_code != 403:
            problems.append(f"{meta.label}: GET {get.status_code}, POST {post.status_code} (expected 403)")
        if bulk.status_code >= 500:
            problems.append(f"{meta.label}: bulk delete -> {bulk.status_code}")
        if not model._default_manager.filter(pk=obj.pk).exists():
            problems.append(f"{meta.label}: the row was deleted")
    assert not problems, "\n".join(problems)


def _authors():
    """(model label, history_id) -> history_user_id of every history row."""
    authors = {}
    for model in apps.get_models():
        if model._meta.model_name.startswith("historical") and hasattr(model, "history_user_id"):
            for history_id, user_id in model._default_manager.values_list("history_id", "history_user_id"):
                authors[(model._meta.label, history_id)] = user_id
    return authors


def _user_change_data(form):
    """The admin user form as the browser would post it back (unchanged)."""
    from django import forms as dj_forms

    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(field, dj_forms.SplitDateTimeField):
            if value:
                data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        elif isinstance(field, dj_forms.ModelMultipleChoiceField):
            data[name] = [getattr(v, "pk", v) for v in (value or [])]
        elif isinstance(field, dj_forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_deactivating_a_staff_account_keeps_every_history_author(world, clerk, superuser):
    authored = {key: uid for key, uid in _authors().items() if uid == clerk.pk}
    assert len(authored) >= 10  # the world was written by this clerk
    before = _authors()

    client = Client()
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    form = client.get(url).context["adminform"].form
    data = _user_change_data(form)
    data.pop("is_active", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert clerk.is_active is False

    assert _authors() == before  # nothing re-attributed, nothing blanked
    assert User.objects.filter(pk=clerk.pk).exists()
    # The deactivated clerk can no longer log in.
    response = Client().post(reverse("admin:login"), {"username": clerk.username, "password": "counter-pass-2026"})
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


def test_a_staff_account_with_records_cannot_be_deleted_by_the_orm(world, clerk):
    """Applications point to their clerk with PROTECT: deleting such an account fails."""
    with pytest.raises((ProtectedError, PermissionDenied)), transaction.atomic():
        clerk.delete()


@known_bug("staff-account-orm-delete")
def test_a_staff_account_that_only_wrote_history_cannot_be_deleted():
    """simple-history's history_user is SET_NULL: deleting a clerk who only registered residents would
    blank the author of those history rows. Staff accounts are deactivated, never deleted."""
    import datetime as dt

    from jpki.roles import COUNTER_STAFF

    registrar = User.objects.create_user("registrar", is_staff=True)
    registrar.groups.add(Group.objects.get(name=COUNTER_STAFF))
    resident = resident_services.resident_register(
        actor=registrar,
        reason="住民登録",
        name="吹田　太郎",
        name_kana="スイタ　タロウ",
        birth_date=dt.date(1990, 1, 1),
        sex="male",
        postal_code="564-8550",
        address_town="大阪府吹田市泉町",
    )
    with pytest.raises((PermissionDenied, ProtectedError)), transaction.atomic():
        registrar.delete()
    assert resident.history.first().history_user_id == registrar.pk
