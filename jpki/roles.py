"""Staff roles: counter staff (窓口職員) and supervisors (監督者), as Django groups.

Permissions are derived from the installed models, so a model added later is covered the next
time migrations run (``post_migrate`` calls :func:`sync_roles`; the data migration calls it too).
Nobody gets a delete permission on a domain model, and nobody can change a history row.
Field-level history (``view_historical*``, which django-simple-history's history pages require) and
the logs of who read what are the supervisors'; counter staff see the records themselves.
"""

from django.apps import apps as global_apps

COUNTER_STAFF = "窓口職員"
SUPERVISOR = "監督者"
DOMAIN_APPS = ("jpki", "residents", "letters")

# What counter staff may add/change (through the workflows; the admin forms are read-only for most).
STAFF_WRITABLE = {
    "residents": {"resident", "charactersubstitution"},
    "jpki": {"card", "certificate", "application", "proxyauthorization", "identitydocument"},
    "letters": {"letter", "mailingbatch"},
}
# Logs of who viewed what are for supervisors only.
SUPERVISOR_ONLY = {
    "jpki": {"recordview", "staffprofile", "readlog", "readlogresident", "reviewsignoff"},
    "letters": {"letteraccess"},
}


def role_permission_codenames(apps=global_apps):
    """(app_label, codename) pairs for each role, computed from the models that exist now."""
    staff, supervisor = set(), set()
    for label in DOMAIN_APPS:
        try:
            models = list(global_apps.get_app_config(label).get_models())
        except LookupError:
            continue
        for model in models:
            name = model._meta.model_name
            historical = name.startswith("historical")
            supervisor.add((label, f"view_{name}"))
            if historical or name in SUPERVISOR_ONLY.get(label, set()):
                continue  # history pages and the read logs are the supervisors'
            staff.add((label, f"view_{name}"))
            if name in STAFF_WRITABLE.get(label, set()):
                staff.add((label, f"add_{name}"))
                staff.add((label, f"change_{name}"))
    # Supervisors may extend the substitution table and manage office assignments.
    supervisor |= {("residents", "add_charactersubstitution"), ("residents", "change_charactersubstitution")}
    supervisor |= {("jpki", "add_staffprofile"), ("jpki", "change_staffprofile")}
    supervisor |= {("auth", "view_user"), ("letters", "view_ledger")}
    # Supervisors sign off the items of the review queue (jpki/review.py, jpki/admin/review.py).
    supervisor |= {("jpki", "add_reviewsignoff")}
    # Supervisors see failed logins and lift a lockout (jpki/admin/logins.py; "change" = unlock).
    supervisor |= {("axes", "view_accessattempt"), ("axes", "change_accessattempt")}
    return {COUNTER_STAFF: staff, SUPERVISOR: supervisor}


def sync_roles(apps=global_apps, using="default", **kwargs):
    """Create the two groups and give them exactly their permissions (idempotent)."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for label in DOMAIN_APPS + ("auth", "axes"):
        try:
            create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
        except LookupError:
            continue
    for group_name, codes in role_permission_codenames(apps).items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        wanted = []
        for app_label, codename in sorted(codes):
            perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
