"""The supervisors' review queue (確認待ち) and its sign-off (確認済み).

The items and their sources are defined in ``jpki.review`` (the letters' in ``letters.review``); this
screen filters them by kind, office, clerk (who did it), period and state, shows them newest first
with the resident and a link to the record, and signs one off with a comment: form → confirm →
result, with the single-use token of the workflows (``submissions``), through
``jpki.services.review_sign_off``; several chosen items at once with one comment through
``jpki.services.review_sign_off_many``. The pages are in the read log (they name residents).

The sign-off records are listed read-only under 確認済みの記録 (``ReviewSignOffAdmin``), which also
carries the URLs of the queue and of the statistics (``jpki.admin.stats``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jpki import review, services
from jpki.models import Office, ReviewSignOff
from jpki.readlog import record_read, request_query
from residents.models import Resident

from . import stats, submissions
from .audit import AUDIT_EARLIEST

PERMISSION = "jpki.view_reviewsignoff"
SIGN_PERMISSION = "jpki.add_reviewsignoff"
PER_PAGE = 50
MAX_PAGE = 200
DASHBOARD_DAYS = 30  # the dashboard's count and the queue's default period
STATUS_CHOICES = [(review.OPEN, _("未確認")), (review.SIGNED, _("確認済み")), (review.ALL, _("すべて"))]


class ReviewFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("種類"), required=False)
    office = forms.ModelChoiceField(label=_("窓口"), queryset=Office.objects.none(), required=False)
    clerk = forms.ModelChoiceField(label=_("処理した職員"), queryset=get_user_model().objects.none(), required=False)
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("状態"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("すべて"))] + review.kind_choices()
        self.fields["office"].queryset = Office.objects.order_by("kind", "code")
        self.fields["clerk"].queryset = get_user_model().objects.filter(is_staff=True).order_by("username")

    def _check_date(self, name):
        value = self.cleaned_data.get(name)
        latest = timezone.localdate() + timedelta(days=1)
        if value is not None and not AUDIT_EARLIEST <= value <= latest:
            raise forms.ValidationError(
                _("%(earliest)sから%(latest)sまでの日付を入力してください。")
                % {"earliest": f"{AUDIT_EARLIEST:%Y-%m-%d}", "latest": f"{latest:%Y-%m-%d}"}
            )
        return value

    def clean_date_from(self):
        return self._check_date("date_from")

    def clean_date_to(self):
        return self._check_date("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日が開始日より前になっています。"))
        return cleaned


def _aware(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def review_filter(cd: dict) -> review.ReviewFilter:
    return review.ReviewFilter(
        kinds=(cd["kind"],) if cd.get("kind") else (),
        office_id=cd["office"].pk if cd.get("office") else None,
        actor_id=cd["clerk"].pk if cd.get("clerk") else None,
        start=_aware(cd["date_from"]) if cd.get("date_from") else None,
        end=_aware(cd["date_to"] + timedelta(days=1)) if cd.get("date_to") else None,
        status=cd.get("status") or review.OPEN,
    )


def _record_url(item: review.ReviewItem) -> str | None:
    app_label, model_name = item.record.split(".", 1)
    view = "history" if item.history else "change"
    try:
        return reverse(f"admin:{app_label}_{model_name}_{view}", args=[item.object_id])
    except NoReverseMatch:
        return None


def decorate(items: list[review.ReviewItem]) -> None:
    """Clerk, office, resident and links of the items: a constant 3 queries."""
    User = get_user_model()
    users = {u.pk: u for u in User.objects.filter(pk__in={i.actor_id for i in items if i.actor_id})}
    offices = {o.pk: o for o in Office.objects.filter(pk__in={i.office_id for i in items if i.office_id})}
    residents = {
        r.pk: r
        for r in Resident.objects.filter(pk__in={i.resident_id for i in items if i.resident_id}).only(
            "id", "name", "name_kana"
        )
    }
    for item in items:
        user = users.get(item.actor_id)
        item.extra["actor"] = (user.get_full_name() or user.get_username()) if user else "—"
        item.extra["office"] = offices.get(item.office_id)
        item.extra["resident"] = residents.get(item.resident_id)
        item.extra["resident_url"] = (
            reverse("admin:residents_resident_change", args=[item.resident_id]) if item.resident_id else None
        )
        item.extra["record_url"] = _record_url(item)
        item.extra["local_at"] = timezone.localtime(item.at) if item.at else None
        item.extra["sign_url"] = reverse("admin:jpki_review_sign") + f"?kind={item.kind}&key={item.key}"


def _page(request) -> int:
    try:
        page = int(request.GET.get("p", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def queue_view(request, admin_site):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    data = request.GET.copy()
    if "date_from" not in data:  # the default period (shown in the field): the dashboard's
        data["date_from"] = f"{timezone.localdate() - timedelta(days=DASHBOARD_DAYS):%Y-%m-%d}"
    form = ReviewFilterForm(data)
    valid = not form.is_bound or form.is_valid()
    cd = form.cleaned_data if form.is_bound and valid else {}
    flt = review_filter(cd)
    page = _page(request)
    if valid:
        items, has_next, kind_counts = review.review_page(flt, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    else:
        items, has_next, kind_counts = [], False, {}
    decorate(items)
    record_read(
        request,
        screen="review_queue",
        residents=[i.resident_id for i in items if i.resident_id],
        query=request_query(request),
    )
    query = request.GET.copy()
    query.pop("p", None)
    base = query.urlencode()
    today = timezone.localdate()
    context = {
        **admin_site.each_context(request),
        "title": _("確認待ち（監督者の確認）"),
        "form": form,
        "items": items,
        "kind_counts": [(label, kind_counts.get(kind, 0), kind) for kind, label in review.kind_choices()],
        "total": sum(n for kind, n in kind_counts.items() if not flt.kinds or kind in flt.kinds),
        "page": page,
        "has_next": has_next and page < MAX_PAGE,
        "has_prev": page > 1,
        "next_query": f"{base}&p={page + 1}" if base else f"p={page + 1}",
        "prev_query": f"{base}&p={page - 1}" if base else f"p={page - 1}",
        "today": today,
        "can_sign": request.user.has_perm(SIGN_PERMISSION),
        "sign_page_query": urlencode(
            [("item", f"{i.kind}:{i.key}") for i in items if i.signoff is None and i.actor_id != request.user.pk]
        ),
        "opts": ReviewSignOff._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/review_queue.html", context)


class SignOffForm(forms.Form):
    comment = forms.CharField(
        label=_("確認のコメント"),
        max_length=services.review.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("何を確認したか（例: 申請書と領収書を照合済み）。個人番号は入力しないでください。"),
    )

    def clean_comment(self):
        value = self.cleaned_data["comment"]
        from residents import safety

        safety.check_text(value, "comment")
        return value.strip()


def _scope(request, item: review.ReviewItem):
    return submissions.Scope.of(request.user, f"review:{item.kind}"[:40], resident=item.resident_id, obj=int(item.key))


def sign_view(request, admin_site):
    """Sign off one item: GET form → POST review (confirm) → POST confirm → back to the queue."""
    if not request.user.has_perm(SIGN_PERMISSION):
        raise PermissionDenied
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    key = request.GET.get("key") or request.POST.get("key") or ""
    item = review.find_item(kind, key) if len(key) < 20 else None
    queue_url = reverse("admin:jpki_review")
    if item is None:
        messages.error(request, gettext("この項目は確認待ちの一覧にありません。画面を開き直してください。"))
        return HttpResponseRedirect(queue_url)
    review.attach_signoffs([item])
    decorate([item])
    scope = _scope(request, item)
    step, token = "form", None
    nonce = submissions.new_nonce()
    own = item.actor_id == request.user.pk
    if request.method == "POST" and item.signoff is None:
        posted = request.POST.get(submissions.FIELD)
        try:
            done = submissions.claimed(posted, scope)
            nonce = submissions.nonce_of(posted) or nonce
        except submissions.StaleToken:
            done = None
        if done is not None:
            messages.info(request, submissions.MSG_ALREADY_RECORDED)
            return HttpResponseRedirect(queue_url)
        form = SignOffForm(request.POST)
        action = request.POST.get("_step", "review")
        if action != "edit" and form.is_valid():
            content = {"kind": item.kind, "key": item.key, **submissions.form_content(form)}
            token = submissions.issue(scope, content, nonce=nonce)
            try:
                if own:
                    raise ValidationError({"__all__": services.review.MSG_OWN_ACTION})
                if action == "confirm":
                    submissions.submit_once(
                        posted,
                        scope,
                        lambda: services.review_sign_off(
                            kind=item.kind, key=item.key, actor=request.user, comment=form.cleaned_data["comment"]
                        ),
                        content=content,
                        result_url=lambda _s: queue_url,
                    )
                    messages.success(request, gettext("「%(label)s」を確認済みにしました。") % {"label": item.label})
                    return HttpResponseRedirect(queue_url)
                step = "confirm"
            except submissions.AlreadyRecorded:
                messages.info(request, submissions.MSG_ALREADY_RECORDED)
                return HttpResponseRedirect(queue_url)
            except submissions.StaleToken as exc:
                nonce, token = submissions.new_nonce(), None
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                for field_name, errs in exc.message_dict.items():
                    form.add_error(None if field_name not in form.fields else field_name, errs)
                step = "form"
        elif action == "edit":
            form = SignOffForm(initial={"comment": request.POST.get("comment", "")})
    else:
        form = SignOffForm()
    record_read(request, screen="review_sign", residents=[item.resident_id] if item.resident_id else [])
    context = {
        **admin_site.each_context(request),
        "title": _("確認済みにする"),
        "item": item,
        "own": own,
        "form": form,
        "step": step,
        "submission_field": submissions.FIELD,
        "submission_value": token if step == "confirm" else nonce,
        "queue_url": queue_url,
        "opts": ReviewSignOff._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/review_sign.html", context)


def _selected(request) -> list[review.ReviewItem] | None:
    """The items chosen in the queue (``item=kind:key``, repeated), as the queue shows them; None when
    more than a sign-off may hold."""
    source = request.POST if request.method == "POST" else request.GET
    pairs = []
    for value in source.getlist("item"):
        kind, _sep, key = str(value).partition(":")
        if key.isdigit() and len(key) < 20 and (kind, key) not in pairs:
            pairs.append((kind, key))
    if len(pairs) > services.review.MANY_MAX:
        return None
    items = [item for item in (review.find_item(kind, key) for kind, key in pairs) if item is not None]
    review.attach_signoffs(items)
    decorate(items)
    return items


def sign_many_view(request, admin_site):
    """Sign off the items chosen in the queue with one comment: GET form (the items, each can be
    left out) → POST review (confirm) → POST confirm → back to the queue. One transaction, one
    sign-off record per item (``services.review_sign_off_many``)."""
    if not request.user.has_perm(SIGN_PERMISSION):
        raise PermissionDenied
    queue_url = reverse("admin:jpki_review")
    items = _selected(request)
    if items is None:
        messages.error(request, gettext(services.review.MSG_MANY_TOO_MANY) % {"max": services.review.MANY_MAX})
        return HttpResponseRedirect(queue_url)
    if not items:
        messages.error(request, gettext("確認済みにする項目を選んでください。"))
        return HttpResponseRedirect(queue_url)
    scope = submissions.Scope.of(request.user, "review:many")
    step, token, nonce = "form", None, submissions.new_nonce()
    if request.method == "POST":
        posted = request.POST.get(submissions.FIELD)
        try:
            done = submissions.claimed(posted, scope)
            nonce = submissions.nonce_of(posted) or nonce
        except submissions.StaleToken:
            done = None
        if done is not None:
            messages.info(request, submissions.MSG_ALREADY_RECORDED)
            return HttpResponseRedirect(queue_url)
        form = SignOffForm(request.POST)
        action = request.POST.get("_step", "review")
        if action != "edit" and form.is_valid():
            keys = sorted(f"{i.kind}:{i.key}" for i in items)
            content = {"items": ",".join(keys), **submissions.form_content(form)}
            token = submissions.issue(scope, content, nonce=nonce)
            try:
                problems = [i for i in items if i.signoff is not None or i.actor_id == request.user.pk]
                if problems:
                    raise ValidationError(
                        {"__all__": gettext("ご自身が行った処理または確認済みの項目は選べません。外してください。")}
                    )
                if action == "confirm":
                    signed = submissions.submit_once(
                        posted,
                        scope,
                        lambda: services.review_sign_off_many(
                            items=[(i.kind, i.key) for i in items],
                            actor=request.user,
                            comment=form.cleaned_data["comment"],
                        ),
                        content=content,
                        result_url=lambda _s: queue_url,
                    )
                    messages.success(request, gettext("%(n)s件を確認済みにしました。") % {"n": len(signed)})
                    return HttpResponseRedirect(queue_url)
                step = "confirm"
            except submissions.AlreadyRecorded:
                messages.info(request, submissions.MSG_ALREADY_RECORDED)
                return HttpResponseRedirect(queue_url)
            except submissions.StaleToken as exc:
                nonce, token = submissions.new_nonce(), None
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                for field_name, errs in exc.message_dict.items():
                    form.add_error(None if field_name not in form.fields else field_name, errs)
                step = "form"
        elif action == "edit":
            form = SignOffForm(initial={"comment": request.POST.get("comment", "")})
    else:
        form = SignOffForm()
    record_read(request, screen="review_sign_many", residents=[i.resident_id for i in items if i.resident_id])
    context = {
        **admin_site.each_context(request),
        "title": _("まとめて確認済みにする"),
        "items": items,
        "form": form,
        "step": step,
        "submission_field": submissions.FIELD,
        "submission_value": token if step == "confirm" else nonce,
        "queue_url": queue_url,
        "opts": ReviewSignOff._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/review_sign_many.html", context)


def dashboard_panel(user) -> dict | None:
    """For the dashboard: open items of the last ``DASHBOARD_DAYS`` days per kind (supervisors only)."""
    if not user.has_perm(PERMISSION):
        return None
    start = _aware(timezone.localdate() - timedelta(days=DASHBOARD_DAYS))
    per_kind = review.counts(review.ReviewFilter(start=start, status=review.OPEN))
    labels = dict(review.kind_choices())
    return {
        "days": DASHBOARD_DAYS,
        "total": sum(per_kind.values()),
        "rows": [(labels[k], n, k) for k, n in per_kind.items() if n],
        "url": reverse("admin:jpki_review"),
        "stats_url": reverse("admin:jpki_stats"),
        "start": f"{timezone.localdate() - timedelta(days=DASHBOARD_DAYS):%Y-%m-%d}",
    }


@admin.register(ReviewSignOff)
class ReviewSignOffAdmin(admin.ModelAdmin):
    """The sign-offs (確認済みの記録), read-only; written only by ``services.review_sign_off``."""

    list_display = ("signed_at", "kind_label", "item_key", "reviewer", "comment")
    list_select_related = ("reviewer",)
    list_filter = ("kind",)
    show_full_result_count = False
    actions = None

    @admin.display(description=_("確認の種類"))
    def kind_label(self, obj):
        src = review.REGISTRY.get(obj.kind)
        return src.label if src else obj.kind

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        site = self.admin_site
        return [
            path("queue/", site.admin_view(lambda request: queue_view(request, site)), name="jpki_review"),
            path("queue/sign/", site.admin_view(lambda request: sign_view(request, site)), name="jpki_review_sign"),
            path(
                "queue/sign-many/",
                site.admin_view(lambda request: sign_many_view(request, site)),
                name="jpki_review_sign_many",
            ),
            path("statistics/", site.admin_view(lambda request: stats.stats_view(request, site)), name="jpki_stats"),
        ] + super().get_urls()


__all__ = ["ReviewSignOffAdmin", "dashboard_panel"]
