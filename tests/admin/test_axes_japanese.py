"""django-axes' admin (the login-failure records a supervisor opens) in Japanese.

axes ships no Japanese catalogue and its app has no verbose name: the sidebar said "Axes" /
"Access attempts" inside the Japanese UI. The project names the app (``jpki.axes_app.AxesConfig``) and
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


def test_the_domain_app_keeps_its_own_config():
    """A second AppConfig in ``jpki.apps`` made Django fall back to a bare config for ``jpki`` (no
    ``ready()``, so no roles synced and supervisors refused everywhere): the axes config lives apart."""
    from django.apps import apps

    from jpki.apps import JpkiConfig

    assert type(apps.get_app_config("jpki")) is JpkiConfig
    assert str(apps.get_app_config("axes").verbose_name) == "ログイン試行の記録"
