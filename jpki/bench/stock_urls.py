"""URLconf used only by ``manage.py bench``: the baseline "stock admin" next to the real one.

It mounts a second :class:`~django.contrib.admin.AdminSite` at ``/bench-admin/`` whose model admins
are plain ``admin.ModelAdmin`` registrations, as an untuned project would have them:

* ``search_fields`` with the default ``icontains`` lookup (a full scan of the table);
* foreign keys shown in ``list_display`` without ``list_select_related`` (one query per row);
* the default paginator with full counts (``show_full_result_count`` left on);
* Django's own templates (the project's overrides of the index, the changelist and the resident
  page are bypassed), so the stock index has no dashboard.

The real site (``jpki.urls``) is included unchanged, so the project's templates can still reverse
``admin:...``, ``set_language`` and the letters' URLs. Never used by the running application.
"""

from pathlib import Path

import django.contrib.admin
from django.contrib import admin
from django.template import engines
from django.urls import path

from jpki.models import Application, Card, Certificate, Office, RecordView
from jpki.urls import urlpatterns as project_urlpatterns
from residents.models import Resident

BENCH_PREFIX = "/bench-admin/"


def _stock_template(name: str):
    """Django's own admin template (not the project's override of the same name)."""
    source = Path(django.contrib.admin.__file__).parent / "templates" / name
    return engines["django"].from_string(source.read_text(encoding="utf-8"))


class StockAdminSite(admin.AdminSite):
    site_header = "stock admin (bench baseline)"


site = StockAdminSite(name="bench_admin")
site.index_template = _stock_template("admin/index.html")


class StockModelAdmin(admin.ModelAdmin):
    # Django's generic templates, not admin/<app>/<model>/... overrides of the project.
    change_list_template = "admin/change_list.html"
    change_form_template = "admin/change_form.html"


@admin.register(Resident, site=site)
class StockResidentAdmin(StockModelAdmin):
    list_display = ("name", "name_kana", "birth_date", "address_town", "address_block", "status")
    list_filter = ("status",)
    search_fields = ("name", "name_kana", "birth_date", "address_town")


@admin.register(Card, site=site)
class StockCardAdmin(StockModelAdmin):
    list_display = ("resident", "kind", "issued_on", "expires_on", "status", "office")
    list_filter = ("status", "kind")


@admin.register(Certificate, site=site)
class StockCertificateAdmin(StockModelAdmin):
    list_display = ("card", "kind", "serial", "issued_on", "expires_on", "status", "office")
    list_filter = ("status", "kind", "office")
    search_fields = ("serial",)


@admin.register(Application, site=site)
class StockApplicationAdmin(StockModelAdmin):
    list_display = ("id", "received_at", "kind", "applicant_type", "resident", "office", "received_by", "status")
    list_filter = ("status", "kind")


@admin.register(RecordView, site=site)
class StockRecordViewAdmin(StockModelAdmin):
    list_display = ("viewed_at", "user", "office", "resident", "path")
    list_filter = ("office",)


@admin.register(Office, site=site)
class StockOfficeAdmin(StockModelAdmin):
    list_display = ("code", "name", "kind")


urlpatterns = [path(BENCH_PREFIX.strip("/") + "/", site.urls)] + list(project_urlpatterns)
