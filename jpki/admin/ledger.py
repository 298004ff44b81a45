"""The 交付記録簿 screen: supervisors choose the office and a day or a month, then open the ledger as
PDF or CSV (``letters.views.ledger`` renders it; this page only chooses). Who may open the ledger
(:func:`can_view_ledger`) is the one rule the links everywhere use, so that no clerk meets a link
that ends in a refusal. Mounted by ``LetterAdmin.get_urls`` (``admin:letters_letter_ledger``).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jpki.models import Office

EARLIEST = date(2000, 1, 1)


def can_view_ledger(user) -> bool:
    """The roles that may open the ledger (the same test as ``letters.views.ledger``)."""
    return user.has_perm("letters.view_ledger") or user.has_perm("letters.view_letteraccess")


class LedgerChoiceForm(forms.Form):
    office = forms.ModelChoiceField(label=_("窓口"), queryset=Office.objects.all())
    period = forms.ChoiceField(
        label=_("期間"),
        choices=[("day", _("1日")), ("month", _("1か月"))],
        initial="day",
        widget=forms.RadioSelect,
    )
    day = forms.DateField(label=_("日"), required=False, help_text=_("例: 2026-11-25"))
    month = forms.CharField(label=_("月"), required=False, max_length=7, help_text=_("例: 2026-11"))
    format = forms.ChoiceField(label=_("形式"), choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf")

    def clean_month(self):
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        parts = text.replace("/", "-").split("-")
        try:
            year, month = int(parts[0]), int(parts[1])
            first = date(year, month, 1)
        except (ValueError, IndexError):
            raise forms.ValidationError(_("月は「2026-11」の形で入力してください。")) from None
        if not EARLIEST <= first <= timezone.localdate():
            raise forms.ValidationError(_("月は2000-01から今月までで入力してください。"))
        return first

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day is not None and not EARLIEST <= day <= timezone.localdate():
            raise forms.ValidationError(_("日は2000-01-01から今日までで入力してください。"))
        return day

    def clean(self):
        data = super().clean()
        if data.get("period") == "month" and not data.get("month") and "month" not in self.errors:
            self.add_error("month", _("月を入力してください。"))
        if data.get("period") == "day" and not data.get("day") and "day" not in self.errors:
            self.add_error("day", _("日を入力してください。"))
        return data

    def query(self) -> dict:
        data = self.cleaned_data
        params = {"office": data["office"].pk, "format": data["format"]}
        if data["period"] == "month":
            params["month"] = f"{data['month']:%Y-%m}"
        else:
            params["date"] = f"{data['day']:%Y-%m-%d}"
        return params


def ledger_screen(model_admin, request):
    """Choose office and day or month (GET), then open the PDF or CSV."""
    if not can_view_ledger(request.user):
        raise PermissionDenied
    own = getattr(getattr(request.user, "staff_profile", None), "office", None)
    today = timezone.localdate()
    initial = {"office": own, "period": "day", "day": today, "month": f"{today:%Y-%m}", "format": "pdf"}
    form = LedgerChoiceForm(request.GET if "office" in request.GET else None, initial=initial)
    if form.is_bound and form.is_valid():
        return redirect(f"{reverse('letters:ledger')}?{urlencode(form.query())}")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("電子証明書交付記録簿"),
        "form": form,
        "opts": model_admin.model._meta,
        "today_pdf": f"{reverse('letters:ledger')}?{urlencode({'format': 'pdf'})}" if own else None,
        "today_csv": f"{reverse('letters:ledger')}?{urlencode({'format': 'csv'})}" if own else None,
    }
    return TemplateResponse(request, "admin/letters/ledger_screen.html", context)
