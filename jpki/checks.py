"""The project's own system checks (``manage.py check``), beside Django's.

``manage.py check --deploy`` warns when production settings leave ``TRUSTED_PROXY_COUNT`` at 0:
production runs behind a TLS-terminating proxy (``SECURE_PROXY_SSL_HEADER`` trusts its
``X-Forwarded-Proto``), so ``REMOTE_ADDR`` is the proxy's address, and the client address in the read
log, the access log and the login throttle (``jpki.security.client_ip_address``) would be the
proxy's for everyone: the log could not tell terminals apart and 20 failed logins anywhere would
lock out the whole office.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

W001 = "jpki.W001"


@register(Tags.security, deploy=True)
def check_trusted_proxy_count(app_configs=None, **kwargs) -> list[Warning]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    if int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0) > 0:
        return []
    return [
        Warning(
            "PRODUCTION=true with TRUSTED_PROXY_COUNT=0: behind the TLS proxy every request comes from the "
            "proxy's address, so the read log, the access log and the login throttle record the proxy, "
            "not the terminal.",
            hint=(
                "Set TRUSTED_PROXY_COUNT to the number of reverse proxies in front that append to "
                "X-Forwarded-For (1 behind the README's one TLS proxy, which must append the client's "
                "address: nginx proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for)."
            ),
            id=W001,
        )
    ]
