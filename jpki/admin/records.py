"""The certificate domain's records as read-only admin screens (cards, certificates, applications,
proxies, documents, record views); procedures are workflows (``jpki.admin.workflows``). Offices and
staff assignments are edited here, each save through a service with a reason (``jpki.services.staff``)."""

from __future__ import annotations

import copy
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from jpki import rules, services
from jpki.models import (
    Application,
    Card,
    Certificate,
    IdentityDocument,
    Office,
    ProxyAuthorization,
    RecordView,
    StaffProfile,
)
from jpki.services.proxy import withdrawal_note

from . import audit, badges, timeline, workflows
from .base import ReadOnlyDomainAdmin, SafeChangeListMixin, SafeHistoryIdsMixin, resident_link
from .readlog import ReadLogMixin
from .slips import slip_button, validity_slip_view


class _DryRun(Exception):
    """Raised inside a transaction to roll back a trial run of a service."""


class ServiceForm(forms.ModelForm):
    """An admin change/add form saved by a service: a required reason (into the history row), and
    the service's refusals shown at their fields (a trial run in ``clean`` that is rolled back), so
    that ``save_model`` only records."""

    change_reason = forms.CharField(
        label=_("変更理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("履歴に記録されます。"),
    )
    actor = None  # the acting user, set by ServiceFormAdmin.get_form
    service_fields: tuple[str, ...] = ()
    error_aliases = {"reason": "change_reason"}
    # Each subclass defines ``service(self, **kwargs)``: the one service that records this form.

    def service_kwargs(self, instance) -> dict:
        """The service's arguments: the form's values, the record's own for fields not on the form."""
        values = {
            name: self.cleaned_data[name] if name in self.cleaned_data else getattr(self.instance, name)
            for name in self.service_fields
        }
        return {
            "actor": self.actor,
            "reason": self.cleaned_data.get("change_reason", ""),
            "instance": instance,
            **values,
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                with transaction.atomic():
                    self.service(**self.service_kwargs(copy.copy(self.instance)))
                    raise _DryRun
            except _DryRun:
                pass
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for key, errors in messages.items():
                    field = self.error_aliases.get(key, key)
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def save_through_service(self, instance):
        return self.service(**self.service_kwargs(instance))


class ServiceFormAdmin(SafeHistoryIdsMixin, SimpleHistoryAdmin):
    """Add/change through ``form`` (a :class:`ServiceForm`); never deleted; no bulk actions."""

    actions = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        form.save_through_service(obj)

    def has_delete_permission(self, request, obj=None):
        return False


OFFICE_FIELDS = ("code", "name", "kind", "postal_code", "address", "phone", "is_active")
STAFF_PROFILE_FIELDS = ("user", "office")


class OfficeForm(ServiceForm):
    service_fields = OFFICE_FIELDS

    class Meta:
        model = Office
        fields = OFFICE_FIELDS

    def service(self, **kwargs):
        return services.office_save(**kwargs)


class StaffProfileForm(ServiceForm):
    service_fields = STAFF_PROFILE_FIELDS

    class Meta:
        model = StaffProfile
        fields = STAFF_PROFILE_FIELDS

    def service(self, **kwargs):
        return services.staff_profile_save(**kwargs)


@admin.register(Office)
class OfficeAdmin(SafeChangeListMixin, ServiceFormAdmin):
    form = OfficeForm
    list_display = ("code", "name", "kind", "phone", "is_active")
    search_fields = ("=code", "name")
    fields = (*OFFICE_FIELDS, "change_reason")


@admin.register(StaffProfile)
class StaffProfileAdmin(SafeChangeListMixin, ServiceFormAdmin):
    form = StaffProfileForm
    list_display = ("user", "office")
    list_select_related = ("user", "office")
    list_filter = ("office",)
    raw_id_fields = ("user",)
    search_fields = ("user__username",)
    fields = (*STAFF_PROFILE_FIELDS, "change_reason")

    def get_readonly_fields(self, request, obj=None):
        # An assignment belongs to one staff account: moving it means changing the office.
        return ("user",) if obj is not None else ()


@admin.register(Card)
class CardAdmin(ReadOnlyDomainAdmin):
    list_display = ("resident_col", "kind", "issued_on", "expires_on", "status_badge", "office")
    list_display_links = ("kind", "issued_on")  # the resident column is a link of its own
    list_select_related = ("resident", "office")
    list_filter = ("status", "kind", "office")
    raw_id_fields = ("resident", "office")
    search_fields = ("=resident__id",)

    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        return resident_link(obj.resident)

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj):
        badge = badges.card_badge(obj, timezone.localdate())
        return format_html('<span class="{}" title="{}">{}</span>', badge.css, badge.title, badge.label)


class RenewalWindowFilter(admin.SimpleListFilter):
    """Valid certificates whose renewal window (rules.renewal_window) contains today."""

    title = _("更新可能期間")
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        return [("in_window", _("更新可能期間中"))]

    def queryset(self, request, queryset):
        if self.value() != "in_window":
            return queryset
        today = timezone.localdate()
        hi = rules.add_months(today, rules.RENEWAL_WINDOW_MONTHS) + timedelta(days=5)
        while hi > today and not rules.in_renewal_window(hi, today):
            hi -= timedelta(days=1)
        return queryset.filter(status=Certificate.Status.VALID, expires_on__range=(today, hi))


class RevokedThisWeekFilter(admin.SimpleListFilter):
    """Certificates revoked since Monday of this week: exactly those the dashboard counts."""

    title = _("失効日")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("this_week", _("今週、失効したもの"))]

    def queryset(self, request, queryset):
        if self.value() != "this_week":
            return queryset
        return queryset.filter(revoked_this_week_q(timezone.localdate()))


def revoked_this_week_q(today):
    """The certificates revoked from Monday 00:00 (local time) of ``today``'s week: the dashboard's count."""
    from django.db.models import Q

    from .dashboard import _aware

    week_start = today - timedelta(days=today.weekday())
    return Q(status=Certificate.Status.REVOKED, revoked_at__gte=_aware(week_start))


def _positions(text: str, positions) -> str:
    """Substituted positions as a clerk reads them: 「1文字目（高）」, never ``[0]``."""
    if not positions:
        return "—"
    parts = []
    for pos in positions:
        char = text[pos] if isinstance(pos, int) and 0 <= pos < len(text or "") else ""
        parts.append(f"{pos + 1}文字目（{char}）" if char else f"{pos + 1}文字目")
    return "、".join(parts)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyDomainAdmin):
    list_display = ("serial", "resident_col", "kind", "issued_on", "expires_on", "status_badge", "office")
    list_display_links = ("serial",)  # the resident column is a link of its own (no link inside a link)
    list_select_related = ("card__resident", "office")
    list_filter = (RenewalWindowFilter, RevokedThisWeekFilter, "status", "kind", "office")
    exclude = ("substituted_name_positions", "substituted_address_positions")
    readonly_fields = ("substituted_name_display", "substituted_address_display")

    @admin.display(description=_("氏名の代替文字の位置"))
    def substituted_name_display(self, obj):
        return _positions(obj.name_in_certificate, obj.substituted_name_positions)

    @admin.display(description=_("住所の代替文字の位置"))
    def substituted_address_display(self, obj):
        return _positions(obj.address_in_certificate, obj.substituted_address_positions)

    def get_ordering(self, request):
        # In the renewal window: soonest expiry first, straight off the (status, expires_on)
        # index (LIMIT stops early). The default (-issued_on) sorts all ~20,000 matches: 280 ms.
        if request.GET.get(RenewalWindowFilter.parameter_name):
            return ("expires_on", "id")
        return super().get_ordering(request)

    raw_id_fields = ("card", "application", "office")
    search_fields = ("=serial",)
    date_hierarchy = None

    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        return resident_link(obj.card.resident)

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj):
        badge = badges.certificate_badge(obj, timezone.localdate())
        return format_html('<span class="{}" title="{}">{}</span>', badge.css, badge.title, badge.label)


class IdentityDocumentInline(admin.TabularInline):
    model = IdentityDocument
    fields = ("visit", "holder", "kind", "issuer", "number_last4", "checked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProxyStepFilter(admin.SimpleListFilter):
    title = _("代理人申請の段階")
    parameter_name = "proxy_stage"

    def lookups(self, request, model_admin):
        return ProxyAuthorization.Stage.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(proxy__stage=self.value())
        return queryset


@admin.register(Application)
class ApplicationAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "id",
        "received_at",
        "kind",
        "applicant_type",
        "resident_col",
        "office",
        "received_by",
        "status",
        "outside_flag",
    )
    list_display_links = ("id", "received_at")
    list_select_related = ("resident", "office", "received_by")
    list_filter = ("status", "kind", "applicant_type", "outside_counter_hours", ProxyStepFilter, "office")
    raw_id_fields = ("resident", "card", "received_by", "office")
    search_fields = ("=id",)
    inlines = [IdentityDocumentInline]
    change_form_template = "admin/jpki/application/change_form.html"

    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        return resident_link(obj.resident)

    @admin.display(description=_("時間外"), boolean=True, ordering="outside_counter_hours")
    def outside_flag(self, obj):
        return obj.outside_counter_hours

    def get_urls(self):
        return [
            path(
                "<path:object_id>/validity-slip/",
                self.admin_site.admin_view(validity_slip_view),
                name="jpki_application_validity_slip",
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        app = self.get_object(request, object_id)
        if app is not None:
            proxy = ProxyAuthorization.objects.filter(application=app).first()
            if proxy is not None:
                app.proxy = proxy
            app_steps = workflows.application_steps(app, request.user)
            certificates = list(app.certificates.order_by("kind"))
            extra_context.update(
                {
                    "proxy": proxy,
                    "proxy_steps": app_steps,
                    "certificates": certificates,
                    "withdrawal_note": withdrawal_note(app),
                    "slip": slip_button(request, app, has_certificates=bool(certificates)),
                    "resident_url": reverse("admin:residents_resident_change", args=[app.resident_id]),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ProxyAuthorization)
class ProxyAuthorizationAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "application",
        "resident_col",
        "proxy_name",
        "relation",
        "stage",
        "visit1_at",
        "letter_sent_at",
        "returned_at",
        "visit2_at",
    )
    list_select_related = ("application__resident",)
    list_filter = ("stage", "visit1_office")
    raw_id_fields = ("application", "visit1_office", "visit2_office")
    search_fields = ("=application__id",)

    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        return resident_link(obj.application.resident)


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyDomainAdmin):
    list_display = ("application", "visit", "holder", "kind", "issuer", "number_last4", "checked_at")
    list_select_related = ("application",)
    list_filter = ("holder", "kind")
    raw_id_fields = ("application",)


@admin.register(RecordView)
class RecordViewAdmin(SafeChangeListMixin, ReadLogMixin, admin.ModelAdmin):
    """Who opened which resident's page (閲覧記録): supervisors only (permission view_recordview)."""

    list_display = ("viewed_at", "user", "office", "resident_col", "path")
    list_select_related = ("user", "office", "resident")
    list_filter = ("office",)
    raw_id_fields = ("user", "resident", "office")
    show_full_result_count = False
    actions = None

    @admin.display(description=_("住民"))
    def resident_col(self, obj):
        return resident_link(obj.resident)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        site = self.admin_site
        return [
            path("audit/", site.admin_view(lambda request: audit.audit_view(request, site)), name="jpki_audit"),
            *timeline.urls(site),
        ] + super().get_urls()
