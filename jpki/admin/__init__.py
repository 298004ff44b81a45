"""The counter's screens, the top layer: Django's admin, customized (``admin.autodiscover`` imports
this package, which registers every screen). Nothing below imports from here; entry points
(``jpki.urls``, management commands, the bench) may.

- ``site``: the site's titles and the staff-account admin; ``dashboard`` + ``templatetags``: the index page;
- ``residents``: the resident page with its search and the workflow URLs, the substitution table;
- ``workflow_base`` / ``workflows`` / ``workflow_views`` / ``forms``: the counter procedures;
- ``records``: read-only record admins; ``letters``: letters and mailing batches; ``audit``: the
  supervisors' cross-record audit; ``badges``: status badges; ``base``: what they share.
"""
from . import audit, letters, records, residents, site  # noqa: F401  (registers the screens)
