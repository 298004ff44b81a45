"""The counter's set-up services: offices and staff assignments, each change with who and why."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from jpki import services
from jpki.models import Office, StaffProfile

pytestmark = pytest.mark.django_db

SENRIYAMA = {
    "code": "senriyama",
    "name": "千里山出張所",
    "kind": Office.Kind.BRANCH,
    "postal_code": "565-0851",
    "address": "大阪府吹田市千里山西1丁目",
    "phone": "06-6384-0000",
}


def _user_without_office(username):
    return get_user_model().objects.create_user(username, password=None, is_staff=True)


def _latest(model, pk):
    return model.history.filter(id=pk).order_by("-history_id").first()


# --- offices ---------------------------------------------------------------------------------------


def test_office_added_with_history_user_and_reason(supervisor):
    office = services.office_save(actor=supervisor, reason="出張所の開設", **SENRIYAMA)
    office.refresh_from_db()
    assert (office.code, office.name, office.is_active) == ("senriyama", "千里山出張所", True)
    row = _latest(Office, office.pk)
    assert row.history_type == "+"
    assert row.history_user == supervisor
    assert row.history_change_reason == "出張所の開設"


def test_office_deactivated_with_reason(supervisor, office):
    before = Office.history.filter(id=office.pk).count()
    services.office_save(
        actor=supervisor,
        reason="出張所の閉鎖",
        instance=office,
        code=office.code,
        name=office.name,
        kind=office.kind,
        is_active=False,
    )
    office.refresh_from_db()
    assert office.is_active is False
    assert Office.history.filter(id=office.pk).count() == before + 1
    row = _latest(Office, office.pk)
    assert (row.history_user, row.history_change_reason, row.is_active) == (supervisor, "出張所の閉鎖", False)


@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_office_change_without_reason_is_refused_and_writes_nothing(supervisor, office, reason):
    before = Office.history.count()
    with pytest.raises(ValidationError) as exc:
        services.office_save(
            actor=supervisor, reason=reason, instance=office, code=office.code, name="改名", kind=office.kind
        )
    assert "reason" in exc.value.message_dict
    office.refresh_from_db()
    assert office.name != "改名"
    assert Office.history.count() == before


def test_office_code_must_be_unique_and_name_given(supervisor, office):
    before = Office.history.count()
    with pytest.raises(ValidationError) as exc:
        services.office_save(actor=supervisor, reason="開設", **{**SENRIYAMA, "code": office.code, "name": ""})
    assert {"code", "name"} <= set(exc.value.message_dict)
    assert Office.objects.count() == 1
    assert Office.history.count() == before


def test_office_text_that_cannot_be_stored_is_a_field_message(supervisor):
    with pytest.raises(ValidationError) as exc:
        services.office_save(actor=supervisor, reason="開設", **{**SENRIYAMA, "address": "吹田\x00市"})
    assert "address" in exc.value.message_dict
    assert not Office.objects.filter(code="senriyama").exists()


# --- staff assignments ------------------------------------------------------------------------------


def test_staff_profile_added_with_history_user_and_reason(supervisor, office):
    newcomer = _user_without_office("newcomer")
    profile = services.staff_profile_save(actor=supervisor, reason="4月1日付け配属", user=newcomer, office=office)
    assert StaffProfile.objects.get(user=newcomer).office == office
    row = _latest(StaffProfile, profile.pk)
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", supervisor, "4月1日付け配属")


def test_staff_profile_moved_to_another_office(supervisor, clerk, branch):
    profile = clerk.staff_profile
    services.staff_profile_save(actor=supervisor, reason="異動", user=clerk, office=branch, instance=profile)
    profile.refresh_from_db()
    assert profile.office == branch
    row = _latest(StaffProfile, profile.pk)
    assert (row.history_user, row.history_change_reason, row.office_id) == (supervisor, "異動", branch.pk)


def test_staff_profile_cannot_move_to_an_office_not_in_use(supervisor, clerk, branch):
    services.office_save(
        actor=supervisor,
        reason="閉鎖",
        instance=branch,
        code=branch.code,
        name=branch.name,
        kind=branch.kind,
        is_active=False,
    )
    profile = clerk.staff_profile
    old_office = profile.office_id
    before = StaffProfile.history.count()
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_save(actor=supervisor, reason="異動", user=clerk, office=branch, instance=profile)
    assert exc.value.message_dict["office"] == ["使用中でない窓口には所属させられません。"]
    profile.refresh_from_db()
    assert profile.office_id == old_office
    assert StaffProfile.history.count() == before


def test_staff_profile_keeps_its_user(supervisor, clerk):
    other = _user_without_office("other-clerk")
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_save(
            actor=supervisor,
            reason="付け替え",
            user=other,
            office=clerk.staff_profile.office,
            instance=clerk.staff_profile,
        )
    assert "user" in exc.value.message_dict
    assert StaffProfile.objects.get(pk=clerk.staff_profile.pk).user == clerk


def test_a_user_has_one_assignment(supervisor, clerk, branch):
    before = StaffProfile.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_save(actor=supervisor, reason="二重登録", user=clerk, office=branch)
    assert "user" in exc.value.message_dict
    assert StaffProfile.objects.count() == before


def test_staff_profile_without_reason_is_refused(supervisor, clerk, branch):
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_save(
            actor=supervisor, reason="", user=clerk, office=branch, instance=clerk.staff_profile
        )
    assert "reason" in exc.value.message_dict
    assert StaffProfile.objects.get(pk=clerk.staff_profile.pk).office != branch


def test_the_services_are_keyword_only(supervisor, office):
    with pytest.raises(TypeError):
        services.office_save(supervisor, "理由", "x", "x")
    with pytest.raises(TypeError):
        services.staff_profile_save(supervisor, "理由", supervisor, office)
