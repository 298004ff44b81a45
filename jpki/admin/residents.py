"""The resident register in the admin: the clerk's search and the resident's page (住民画面).

Register data is read-only here: every write goes through a workflow (``jpki.admin.workflows``), which
calls the services. The change page logs every view into ``jpki.models.RecordView``; every page (search
results, the resident page, history) is in the read log too (``ReadLogMixin``, via ``SafeHistoryIdsMixin``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch
from django.db.models.functions import Collate
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from jpki import rules
from jpki.models import Application, Card, Certificate, RecordView
from jpki.readlog import record_read
from residents import charset
from residents.models import CharacterSubstitution, Resident
from residents.query import parse_query
from residents.search import resident_search_q

from . import badges, letters_bridge, slips, workflow_views, workflows
from .base import SafeChangeListMixin, SafeHistoryIdsMixin
from .forms import CharacterSubstitutionForm

CURRENT_CARD_STATUSES = (Card.Status.ACTIVE, Card.Status.SUSPENDED)


def resident_search(queryset, term: str):
    """One search box: name / kana (any script or width) / date of birth / address.

    Dates are taken out of the query first (so "やまだ S60.6.1" narrows by both); the rest goes
    through ``residents.search.resident_search_q`` (indexed prefix ranges, no ``icontains`` scan).
    """
    parsed = parse_query(term)
    if parsed.dates:
        queryset = queryset.filter(birth_date__in=parsed.dates)
    if parsed.text:
        text = parsed.text
        if text.startswith(
            getattr(settings, "CITY_NAME", "吹田市")
        ):  # resident_search_q adds 大阪府吹田市 to a bare town only
            text = "大阪府" + text
        # Names first: a kanji term that names people (山田) lists those people, not every
        # resident of the towns it is also a prefix of (山田東/西/南/北: ~50,000 rows to sort).
        # A term that names nobody (千里山西, 泉町) falls back to the town. One EXISTS query more.
        by_name = resident_search_q(text, towns=False)
        if by_name is not None and queryset.filter(by_name).exists():
            return queryset.filter(by_name)
        condition = resident_search_q(text)
        if condition is not None:
            queryset = queryset.filter(condition)
    return queryset


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: SELECT COUNT(*) FROM (SELECT ... LIMIT CAP+1).

    The unfiltered changelist otherwise counts all 400,000 residents on every page view (a
    sequential scan on PostgreSQL); a count beyond 10,000 helps no clerk. Pages past the cap are
    reachable by narrowing the search.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.CAP + 1].count()


@admin.register(Resident)
class ResidentAdmin(SafeChangeListMixin, SafeHistoryIdsMixin, SimpleHistoryAdmin):
    list_display = (
        "name_display",
        "birth_date_display",
        "address_display",
        "status",
        "card_display",
        "signing_display",
        "user_display",
    )
    list_display_links = ("name_display",)
    list_filter = ("status",)
    search_fields = ("kana_search",)  # shows the box; the search itself is get_search_results
    search_help_text = _(
        "氏名・カナ（ひらがな/カタカナ・全角/半角）、生年月日（1985-06-01、S60.6.1、昭和60年6月1日）、"
        "住所（泉町2丁目、吹田市千里山西…）。照会番号を読み取ると申請を開きます。"
    )
    show_full_result_count = False
    list_per_page = 50
    paginator = CappedCountPaginator
    ordering = ("kana_search", "id")
    change_form_template = "admin/residents/resident/change_form.html"
    change_list_template = "admin/residents/resident/change_list.html"
    read_log_list_screen = "resident_search"  # one read-log row per result page: the query and the ids shown
    readonly_fields = (
        "name",
        "name_kana",
        "alias_name",
        "birth_date",
        "sex",
        "postal_code",
        "address_town",
        "address_block",
        "address_building",
        "status",
        "status_changed_on",
        "residence_status",
        "period_of_stay_ends_on",
        "is_adult_ward",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (_("基本4情報"), {"fields": ("name", "name_kana", "alias_name", "birth_date", "sex")}),
        (_("住所"), {"fields": ("postal_code", "address_town", "address_block", "address_building")}),
        (
            _("住民登録"),
            {
                "fields": (
                    "status",
                    "status_changed_on",
                    "residence_status",
                    "period_of_stay_ends_on",
                    "is_adult_ward",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    actions = None

    # -- permissions: the register is read-only here, procedures are workflows -------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # -- changelist --------------------------------------------------------------------------------
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        current_certs = Certificate.objects.order_by("kind", "-issued_on", "-id")
        # No status filter in SQL: with "status IN (...)" bound as parameters SQLite picks the
        # (status, expires_on) index over resident_id and reads every active card (1 s at
        # 400,000 residents). A resident has a handful of cards: keep the current one in Python.
        current_cards = Card.objects.order_by("-issued_on", "-id").prefetch_related(
            Prefetch("certificates", queryset=current_certs, to_attr="all_certificates")
        )
        return qs.prefetch_related(Prefetch("cards", queryset=current_cards, to_attr="all_cards"))

    def get_ordering(self, request):
        if request.GET.get("q") and connection.vendor == "postgresql":
            # With a search, sort the matches (a bitmap scan of the prefix indexes, then top-N)
            # instead of letting PostgreSQL walk the whole kana_search index in order, filtering
            # row by row: ヤマダ sits late in kana order, 354,000 rows read, 1.5 s at 400,000
            # residents. COLLATE "C" orders exactly like the column (code points) but no index has it.
            return (Collate("kana_search", "C").asc(), "id")
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        return resident_search(queryset, term), False

    def changelist_view(self, request, extra_context=None):
        term = (request.GET.get("q") or "").strip()
        if term and " " not in term:
            application = letters_bridge.find_by_reference(term)
            if application is not None:
                return HttpResponseRedirect(reverse("admin:jpki_application_change", args=[application.pk]))
        return super().changelist_view(request, extra_context)

    def _today(self):
        return timezone.localdate()

    @staticmethod
    def _card(obj):
        cards = getattr(obj, "all_cards", None) or ()
        return next((c for c in cards if c.status in CURRENT_CARD_STATUSES), None)

    def _cert(self, obj, kind):
        card = self._card(obj)
        if card is None:
            return None
        return badges.latest_by_kind(getattr(card, "all_certificates", [])).get(kind)

    @staticmethod
    def _badge_html(badge, extra=""):
        return format_html('<span class="{}" title="{}">{}</span>{}', badge.css, badge.title, badge.label, extra)

    @admin.display(description=_("氏名"), ordering="kana_search")
    def name_display(self, obj):
        return format_html(
            '<strong class="jpki-name">{}</strong><br><small class="jpki-kana">{}</small>', obj.name, obj.name_kana
        )

    @admin.display(description=_("生年月日"), ordering="birth_date")
    def birth_date_display(self, obj):
        return format_html(
            "{}<br><small>{}歳</small>",
            f"{obj.birth_date:%Y-%m-%d}",
            rules.age_on(obj.birth_date, max(obj.birth_date, self._today())),
        )

    @admin.display(description=_("住所"))
    def address_display(self, obj):
        return obj.address

    @admin.display(description=_("カード"))
    def card_display(self, obj):
        card = self._card(obj)
        badge = badges.card_badge(card, self._today())
        extra = format_html("<br><small>〜{}</small>", f"{card.expires_on:%Y-%m-%d}") if card else ""
        return self._badge_html(badge, extra)

    def _cert_display(self, obj, kind):
        cert = self._cert(obj, kind)
        badge = badges.certificate_badge(cert, self._today())
        extra = ""
        if cert is not None and cert.status == Certificate.Status.VALID:
            extra = format_html("<br><small>〜{}</small>", f"{cert.expires_on:%Y-%m-%d}")
        return self._badge_html(badge, extra)

    @admin.display(description=_("署名用"))
    def signing_display(self, obj):
        return self._cert_display(obj, Certificate.Kind.SIGNING)

    @admin.display(description=_("利用者証明用"))
    def user_display(self, obj):
        return self._cert_display(obj, Certificate.Kind.USER)

    # -- workflows ---------------------------------------------------------------------------------
    def get_urls(self):
        site = self.admin_site

        def wrap(view):
            def inner(request, *args, **kwargs):
                response = view(request, *args, admin_site=site, model_admin=self, **kwargs)
                self.log_workflow_read(request, response, kwargs.get("slug", ""))
                return response

            return site.admin_view(inner)

        return [
            path(
                "<path:object_id>/procedure/<slug:slug>/",
                wrap(workflow_views.workflow_view),
                name="residents_resident_workflow",
            ),
            path(
                "<path:object_id>/procedure/<slug:slug>/done/",
                wrap(workflow_views.workflow_done_view),
                name="residents_resident_workflow_done",
            ),
        ] + super().get_urls()

    @staticmethod
    def log_workflow_read(request, response, slug: str) -> None:
        """A procedure's page that was shown (form, confirm, result or "already recorded") is in the read
        log as ``workflow_<step>``, with the resident it is for and the procedure as the query."""
        context = getattr(response, "context_data", None) or {}
        resident = context.get("resident")
        if response.status_code != 200 or not isinstance(resident, Resident):
            return
        record_read(request, screen=f"workflow_{context.get('step') or 'done'}", residents=[resident], query=slug)

    # -- the resident's page -----------------------------------------------------------------------
    def resident_page_context(self, request, resident: Resident) -> dict:
        today = self._today()
        cards = list(
            Card.objects.filter(resident=resident)
            .select_related("office")
            .prefetch_related(
                Prefetch(
                    "certificates",
                    queryset=Certificate.objects.order_by("kind", "-issued_on", "-id"),
                    to_attr="all_certificates",
                )
            )
            .order_by("-issued_on", "-id")
        )
        current = next((c for c in cards if c.status in CURRENT_CARD_STATUSES), None)
        cert_rows = []
        valid = {}
        if current is not None:
            chosen = badges.latest_by_kind(current.all_certificates)
            for kind, label in Certificate.Kind.choices:
                cert = chosen.get(kind)
                window = rules.renewal_window(cert.expires_on) if cert else None
                cert_rows.append(
                    {
                        "kind": kind,
                        "label": label,
                        "cert": cert,
                        "badge": badges.certificate_badge(cert, today),
                        "window": window,
                    }
                )
                if cert is not None and cert.status == Certificate.Status.VALID:
                    valid[kind] = cert
        past_cards = [
            {"card": c, "badge": badges.card_badge(c, today), "certificates": c.all_certificates}
            for c in cards
            if c is not current
        ]
        applications = list(
            Application.objects.filter(resident=resident)
            .select_related("office", "received_by", "proxy")
            .order_by("-received_at", "-id")[:15]
        )
        letters = letters_bridge.letters_for_resident(resident)
        inquiry_by_app = {}
        for letter in letters or ():
            if letter.kind == "inquiry" and letter.is_current:
                inquiry_by_app.setdefault(letter.application_id, letter)
        open_apps = []
        for a in applications:
            if not a.is_open:
                continue
            letter = inquiry_by_app.get(a.pk)
            create_url = None
            if (
                letters is not None
                and letter is None
                and getattr(a, "proxy", None) is not None
                and a.proxy.stage == "visit1"
                and request.user.has_perm("letters.add_letter")
            ):
                create_url = letters_bridge.create_inquiry_url(a)
            open_apps.append(
                {
                    "app": a,
                    "letter": letter,
                    "letter_url": letters_bridge.letter_url(letter) if letter else None,
                    "create_letter_url": create_url,
                    "steps": workflows.application_steps(a, request.user),
                }
            )
        buttons = []
        for slug in workflows.RESIDENT_BUTTONS:
            wf = workflows.WORKFLOWS[slug]
            if not request.user.has_perm(wf.permission):
                continue
            availability = wf.available(resident, current, valid)
            buttons.append(
                {
                    "slug": slug,
                    "title": wf.title,
                    "url": workflows.workflow_url(resident.pk, slug),
                    "enabled": bool(availability),
                    "reason": availability.reason,
                }
            )
        slip_buttons = []
        slip_apps = {c.application_id for c in valid.values() if c.application_id}
        for app in Application.objects.filter(pk__in=slip_apps).order_by("-received_at") if slip_apps else ():
            slip = slips.slip_button(request, app, has_certificates=True)
            if slip is not None:
                slip_buttons.append({"slip": slip, "label": f"#{app.pk} {app.get_kind_display()}"})
        checks = []
        for label, text in ((_("氏名"), resident.name), (_("住所"), resident.address)):
            checks.append({"label": label, "text": text, "issues": charset.check_text(text)})
        return {
            "today": today,
            "age": rules.age_on(resident.birth_date, max(today, resident.birth_date)),
            "current_card": current,
            "current_card_badge": badges.card_badge(current, today),
            "cert_rows": cert_rows,
            "past_cards": past_cards,
            "open_applications": open_apps,
            "recent_applications": applications,
            "procedure_buttons": buttons,
            "slip_buttons": slip_buttons,
            "letters": letters,
            "letters_installed": letters is not None,
            "letters_lookup_url": letters_bridge.lookup_url(),
            "charset_checks": checks,
            "counter": workflow_views.counter_status(),
            "applications_url": reverse("admin:jpki_application_changelist") + f"?resident__id__exact={resident.pk}",
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        resident = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if resident is not None and self.has_view_permission(request, resident):
            profile = getattr(request.user, "staff_profile", None)
            RecordView.objects.create(
                user=request.user,
                resident=resident,
                office_id=profile.office_id if profile else None,
                path=request.path[:200],
            )  # no query string: it may hold a search term
            extra_context.update(self.resident_page_context(request, resident))
        return super().change_view(request, object_id, form_url, extra_context)


class CharacterSubstitutionAdminForm(CharacterSubstitutionForm):
    """The service's own checks (``residents.services.substitution_check`` and the reason's,
    ``residents.recording.require_reason``) in ``clean``, each message at its field: ``save_model``
    only records, it never refuses (a refusal there would be a 500)."""

    def clean(self):
        from django.core.exceptions import ValidationError

        from residents.recording import require_reason
        from residents.services import substitution_check

        cleaned = super().clean()
        values = {name: cleaned.get(name) or "" for name in ("original", "substitute", "note")}
        checks = [lambda: substitution_check(**values)]
        if "change_reason" in cleaned:
            checks.append(lambda: require_reason(cleaned["change_reason"]))
        for check in checks:
            try:
                check()
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    field = "change_reason" if key == "reason" else key
                    if field in self.errors:  # the field's own validation already said what is wrong
                        continue
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(CharacterSubstitution)
class CharacterSubstitutionAdmin(SafeChangeListMixin, SafeHistoryIdsMixin, SimpleHistoryAdmin):
    """The substitution table (代替文字): staff may extend it; every change records who and why."""

    form = CharacterSubstitutionAdminForm
    list_display = ("original", "codepoint", "substitute", "note")
    search_fields = ("=original", "=substitute")
    fields = ("original", "substitute", "note", "change_reason")
    actions = None

    @admin.display(description=_("コードポイント"))
    def codepoint(self, obj):
        return format_html_join(" ", "{}", ((charset.codepoint(c),) for c in obj.original))

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from residents.services import substitution_save

        substitution_save(
            actor=request.user,
            reason=form.cleaned_data["change_reason"],
            original=obj.original,
            substitute=obj.substitute,
            note=obj.note,
            instance=obj,
        )
