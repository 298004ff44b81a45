"""WSGI entry point (gunicorn jpki.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jpki.settings")
application = get_wsgi_application()
