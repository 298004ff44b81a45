"""django-axes' admin (the login-failure records a supervisor opens) in Japanese.

axes ships no Japanese catalogue and its app has no verbose name: the sidebar said "Axes" /
"Access attempts" inside the Japanese UI. The project names the app (``jpki.apps.AxesConfig``) and
its ``locale/ja`` carries axes' msgids; English keeps axes' own words.
"""

from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone


def test_the_admin_names_axes_in_japanese(supervisor_client):
    index = supervisor_client.get(reverse("admin:index")).content.decode()
    assert "ログイン試行の記録" in index
    assert "Access attempts" not in index and ">Axes<" not in index and ">AXES<" not in index


def test_the_login_failure_list_is_japanese(supervisor_client):
    AccessAttempt.objects.create(
        username="someone",
        ip_address="192.0.2.7",
        user_agent="test",
        failures_since_start=2,
        attempt_time=timezone.now(),
    )
    page = supervisor_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "ログイン失敗の記録" in html
    for english in ("Access attempts", "access attempt", "Axes"):
        assert english not in html, english
