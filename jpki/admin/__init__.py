"""The counter's screens, the top layer: Django's admin, customized (``admin.autodiscover`` imports
this package, which registers every screen). Nothing below imports from here; entry points
(``jpki.urls``, management commands, the bench) may.

- ``site``: the site's titles and the staff-account admin; ``dashboard`` + ``templatetags``: the index page;
- ``logins``: failed logins and lifting a lockout (supervisors);
- ``residents``: the resident page with its search and the workflow URLs, the substitution table;
- ``workflow_base`` / ``workflows`` / ``workflow_views`` / ``forms``: the counter procedures;
- ``records``: read-only record admins; ``letters``: letters; ``batches``: mailing batches; ``audit``: the
  supervisors' cross-record audit; ``readlog``: the read log of every screen and its admin;
  ``badges``: status badges; ``base``: what they share.
"""

from . import (  # noqa: F401  (registers the screens)
    audit,
    batches,
    feed,
    letters,
    logins,
    readlog,
    records,
    residents,
    review,
    site,
)
from .changelists import protect_every_list  # noqa: E402

protect_every_list()  # last: every list page registered by now answers a filter it cannot use with a message
