"""Template helpers for the counter admin (dashboard on the index page)."""

from django import template
from django.urls import reverse

from jpki.readlog import record_read

register = template.Library()


@register.simple_tag(takes_context=True)
def counter_dashboard(context):
    """The dashboard data for the index page (see ``jpki.admin.dashboard``); empty for non-staff."""
    request = context.get("request")
    if request is None or not request.user.is_active or not request.user.is_staff:
        return None
    from jpki.admin.dashboard import dashboard
    from jpki.admin.feed import can_run_feed as feed_allowed
    from jpki.admin.ledger import can_view_ledger

    data = dashboard()
    shown = [p.application.resident_id for p in (*data["awaiting"], *data["returned"])]
    shown += [a.resident_id for a in data["outside"]]
    if shown:  # the panels list residents by name: in the read log
        record_read(request, screen="dashboard", residents=shown)
    data["can_audit"] = request.user.has_perm("jpki.view_recordview")
    data["can_feed"] = feed_allowed(request.user)
    data["can_ledger"] = can_view_ledger(request.user)  # the 交付記録簿 link only for who may open it
    from jpki.admin.review import dashboard_panel

    data["review"] = dashboard_panel(request.user)  # supervisors: open items of the review queue
    data["search_url"] = reverse("admin:residents_resident_changelist")
    return data


@register.filter
def get_item(mapping, key):
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""
