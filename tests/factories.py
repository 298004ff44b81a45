"""factory_boy factories for tests. They write rows directly (test set-up), stamping history
with a user and reason like the services do; behaviour under test always goes through services."""

import datetime as dt

import factory
from django.contrib.auth.models import Group, User

from jpki.models import Card, Certificate, Office, StaffProfile
from jpki.roles import COUNTER_STAFF, SUPERVISOR
from residents.models import Resident


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = "honcho"
    name = "本庁市民課"
    kind = Office.Kind.MAIN
    postal_code = "564-8550"
    address = "大阪府吹田市泉町1丁目3番40号"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"clerk{n:02d}")
    is_staff = True
    password = factory.django.Password("counter-pass-2026")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if not create:
            return
        group = Group.objects.get(name=extracted or COUNTER_STAFF)
        obj.groups.add(group)

    @factory.post_generation
    def office(obj, create, extracted, **kwargs):
        if create:
            StaffProfile.objects.get_or_create(user=obj, defaults={"office": extracted or OfficeFactory()})


class SupervisorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"supervisor{n:02d}")
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: create and obj.groups.add(Group.objects.get(name=SUPERVISOR))
    )


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    resident_key = factory.Sequence(lambda n: f"F{n:07d}")
    name = "山田　花子"
    name_kana = "ヤマダ　ハナコ"
    birth_date = dt.date(1985, 6, 1)
    sex = Resident.Sex.FEMALE
    postal_code = "564-0041"
    address_town = "大阪府吹田市泉町"
    address_block = "2丁目5番12号"


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    resident = factory.SubFactory(ResidentFactory)
    kind = Card.Kind.MYNUMBER
    issued_on = dt.date(2024, 6, 10)
    expires_on = dt.date(2034, 6, 1)
    status = Card.Status.ACTIVE


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    card = factory.SubFactory(CardFactory)
    kind = Certificate.Kind.USER
    serial = factory.Sequence(lambda n: f"TEST{n:012d}")
    issued_on = dt.date(2022, 8, 1)
    expires_on = dt.date(2027, 8, 17)
    status = Certificate.Status.VALID
