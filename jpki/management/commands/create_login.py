"""Create (or reset) the demo logins: one supervisor (監督者) and one counter clerk (窓口職員).

    manage.py create_login                      new random passwords, printed once
    manage.py create_login --password 'secret'  both accounts get this password
    manage.py create_login --url http://host:8000/admin/

Running it again resets the passwords (only hashes are stored, so a printed password cannot be
shown twice), reactivates the accounts and clears their login lockouts. The accounts join the
groups 窓口職員 / 監督者 when those groups exist (they come from a data migration) and get a staff
profile at the main office when an office exists.
"""

import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

CLERK_GROUP = "窓口職員"
SUPERVISOR_GROUP = "監督者"

# No look-alikes (0/O, 1/l/I), so a password read off a screen can be typed.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_password(length: int = 16) -> str:
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


class Command(BaseCommand):
    help = "デモ用のログイン（監督者と窓口職員）を作成し、パスワードを再設定して表示します。"

    def add_arguments(self, parser):
        parser.add_argument("--supervisor", default="supervisor", help="監督者のユーザー名 (default: supervisor)")
        parser.add_argument("--clerk", default="clerk", help="窓口職員のユーザー名 (default: clerk)")
        parser.add_argument("--password", help="両方のアカウントに設定するパスワード（省略時はランダム）")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="表示するログイン先 URL")

    def handle(self, *args, **options):
        accounts = [
            # username, group, last name, first name, supervisor?
            (options["supervisor"], SUPERVISOR_GROUP, "吹田", "監督者（デモ）", True),
            (options["clerk"], CLERK_GROUP, "吹田", "窓口職員（デモ）", False),
        ]
        if accounts[0][0] == accounts[1][0]:
            raise CommandError("監督者と窓口職員には別のユーザー名を指定してください。")

        results = []
        with transaction.atomic():
            for username, group_name, last_name, first_name, _is_supervisor in accounts:
                password = options["password"] or generate_password()
                user, group_found, office = self._create_or_reset(
                    username=username,
                    password=password,
                    group_name=group_name,
                    last_name=last_name,
                    first_name=first_name,
                )
                results.append((user, password, group_name, group_found, office))

        self._clear_lockouts([user.get_username() for user, *_ in results])

        self.stdout.write(f"URL: {options['url']}")
        for user, password, group_name, group_found, office in results:
            self.stdout.write(
                f"{group_name}: ユーザー名 {user.get_username()} / パスワード {password}"
                + (f"（{office}）" if office else "")
            )
            if not group_found:
                self.stderr.write(
                    f"  注意: グループ「{group_name}」がまだありません。権限のないログインです"
                    "（グループはデータ移行で作成されます）。"
                )

    def _create_or_reset(self, *, username, password, group_name, last_name, first_name):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        created = user is None
        if created:
            user = User(**{User.USERNAME_FIELD: username})
        user.last_name = last_name
        user.first_name = first_name
        user.is_staff = True
        user.is_active = True
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(f"{username}: " + " ".join(exc.messages)) from exc
        user.set_password(password)
        user._change_reason = "create_login: デモ用ログインの作成" if created else "create_login: パスワード再設定"
        user.save()

        group = Group.objects.filter(name=group_name).first()
        if group is not None:
            user.groups.add(group)

        return user, group is not None, self._ensure_staff_profile(user)

    def _ensure_staff_profile(self, user):
        """Attach the account to the main office (services default to actor.staff_profile.office)."""
        from jpki.models import Office, StaffProfile

        existing = StaffProfile.objects.filter(user=user).select_related("office").first()
        if existing is not None:
            return existing.office
        office = (
            Office.objects.filter(is_active=True, kind=Office.Kind.MAIN).order_by("code").first()
            or Office.objects.filter(is_active=True).order_by("code").first()
        )
        if office is None:
            return None
        profile = StaffProfile(user=user, office=office)
        profile._change_reason = "create_login: デモ用ログインの所属"
        profile.save()
        return office

    def _clear_lockouts(self, usernames):
        try:
            from axes.utils import reset
        except ImportError:  # pragma: no cover - axes is a dependency
            return
        for username in usernames:
            reset(username=username)
