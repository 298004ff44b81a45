"""``manage.py check --deploy`` warns when production runs with TRUSTED_PROXY_COUNT=0 (the client
address in the read log and the access log would be the TLS proxy's), and is quiet otherwise."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jpki.checks import W001


def _deploy_ids():
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_production_without_a_trusted_proxy_warns_on_deploy(settings):
    settings.PRODUCTION = True
    settings.TRUSTED_PROXY_COUNT = 0
    assert W001 in _deploy_ids()
    assert W001 not in {message.id for message in run_checks()}  # only with --deploy
    with pytest.raises(SystemCheckError, match="TRUSTED_PROXY_COUNT"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


@pytest.mark.parametrize("production, count", [(True, 1), (True, 2), (False, 0)])
def test_no_warning_behind_a_counted_proxy_or_in_development(settings, production, count):
    settings.PRODUCTION = production
    settings.TRUSTED_PROXY_COUNT = count
    assert W001 not in _deploy_ids()
