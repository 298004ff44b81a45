"""The supervisors' statistics (統計): charts, their numbers as tables, and a CSV of each.

Four sections, one page each (``?section=``): activity, the renewal forecast, the proxy flow,
operations (outside hours, fees, per clerk). The numbers come from ``jpki.statistics`` (aggregated in
the database). Each chart is drawn in the browser by Chart.js (served from the project's static
files, installed by ``.ci/vendor-js`` from the npm lock), reading its data from a ``json_script``
element (no inline script under the CSP) with ``jpki/static/jpki/stats.js``; the same numbers are
the table beside it and the CSV (``?format=csv&chart=<id>``, cells through ``jpki.csvexport``).
The pages show counts only, no resident: nothing for the read log.
"""

from __future__ import annotations

import csv
import functools
import io
from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jpki import statistics as st
from jpki.csvexport import csv_row
from jpki.models import Application, Office, ProxyAuthorization, ReviewSignOff

PERMISSION = "jpki.view_reviewsignoff"
CHART_JS = "vendor/chartjs/chart.umd.js"
EARLIEST = date(2000, 1, 1)
MAX_DAYS = {st.DAY: 93, st.WEEK: 371, st.MONTH: 5 * 366}  # at most ~60 buckets: one aggregate each
SECTIONS = [
    ("activity", _("発行・更新・失効・初期化")),
    ("forecast", _("更新の見通し（24か月）")),
    ("proxy", _("代理人申請の流れ")),
    ("operations", _("時間外・手数料・職員別")),
]
GRAINS = [(st.MONTH, _("月別")), (st.WEEK, _("週別")), (st.DAY, _("日別"))]


class StatsForm(forms.Form):
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    office = forms.ModelChoiceField(label=_("窓口"), queryset=Office.objects.none(), required=False)
    grain = forms.ChoiceField(label=_("集計単位"), choices=GRAINS, required=False)
    section = forms.ChoiceField(choices=SECTIONS, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.order_by("kind", "code")

    def clean(self):
        cd = super().clean()
        today = timezone.localdate()
        start = cd.get("date_from") or default_start(today)
        end = cd.get("date_to") or today
        grain = cd.get("grain") or st.MONTH
        for name, value in (("date_from", start), ("date_to", end)):
            if not EARLIEST <= value <= today + timedelta(days=366):
                self.add_error(name, _("2000-01-01から1年後までの日付を入力してください。"))
        if start > end:
            self.add_error("date_to", _("終了日が開始日より前になっています。"))
        elif (end - start).days > MAX_DAYS[grain]:
            self.add_error(
                "date_from",
                _("この集計単位で表示できる期間は%(days)s日までです。期間を短くするか、集計単位を大きくしてください。")
                % {"days": MAX_DAYS[grain]},
            )
        cd.update(start=start, end=end, grain=grain, section=cd.get("section") or "activity")
        return cd


def default_start(today: date) -> date:
    """The first day of the month eleven months ago: twelve whole months up to today."""
    first = today.replace(day=1)
    month = first.month - 11
    year = first.year + (month - 1) // 12
    return first.replace(year=year, month=(month - 1) % 12 + 1)


def _label(day: date, grain: str) -> str:
    return f"{day:%Y-%m}" if grain == st.MONTH else f"{day:%Y-%m-%d}"


def chart(cid, title, labels, datasets, *, kind="bar", stacked=True, header=None, rows=None, horizontal=False):
    """A chart and its table: the table is the datasets by label unless ``header``/``rows`` are given."""
    if header is None:
        header = [""] + [d["label"] for d in datasets] + [gettext("計")]
        rows = []
        for i, label in enumerate(labels):
            values = [d["data"][i] for d in datasets]
            rows.append([label, *values, sum(v or 0 for v in values)])
    return {
        "id": cid,
        "data_id": f"chart-data-{cid}",
        "title": str(title),
        "spec": {
            "type": kind,
            "labels": [str(x) for x in labels],
            "datasets": [{"label": str(d["label"]), "data": d["data"]} for d in datasets],
            "stacked": stacked,
            "horizontal": horizontal,
        },
        "header": [str(h) for h in header],
        "rows": rows,
    }


def activity_charts(period: st.Period) -> list[dict]:
    data = st.activity(period)
    labels = [_label(b, period.grain) for b in data.buckets]
    table = data.by_bucket_and_kind()
    kinds = list(Application.Kind.choices)
    per_kind = [
        {"label": label, "data": [table.get(b, {}).get(kind, 0) for b in data.buckets]} for kind, label in kinds
    ]
    charts = [chart("activity", _("完了した申請（種類別）"), labels, per_kind)]
    # office × kind × applicant type for the whole period: a table (and its chart by office)
    offices = st.office_names()
    who = dict(Application.ApplicantType.choices)
    combos: dict[tuple, int] = {}
    for (_b, office_id, kind, applicant), n in data.cells.items():
        combos[(office_id, kind, applicant)] = combos.get((office_id, kind, applicant), 0) + n
    rows = [
        [offices.get(o, "—"), str(dict(kinds).get(k, k)), str(who.get(a, a)), n]
        for (o, k, a), n in sorted(combos.items(), key=lambda kv: (offices.get(kv[0][0], ""), kv[0][1], kv[0][2]))
    ]
    office_ids = sorted({o for o, _k, _a in combos}, key=lambda o: offices.get(o, ""))
    by_office = [
        {
            "label": label,
            "data": [sum(n for (o, k, _a), n in combos.items() if o == oid and k == kind) for oid in office_ids],
        }
        for kind, label in kinds
    ]
    charts.append(
        chart(
            "activity_office",
            _("窓口別・種類別・申請者別（期間計）"),
            [offices.get(o, "—") for o in office_ids],
            by_office,
            header=[gettext("窓口"), gettext("種類"), gettext("申請者"), gettext("件数")],
            rows=rows,
            horizontal=True,
        )
    )
    return charts


def forecast_charts(period: st.Period, today: date) -> list[dict]:
    data = st.renewal_forecast(today=today, office_id=period.office_id)
    labels = [f"{m:%Y-%m}" for m in data.months]
    series = [
        {"label": gettext("マイナンバーカード"), "data": data.per_month("card")},
        {"label": gettext("署名用電子証明書"), "data": data.per_month("signing")},
        {"label": gettext("利用者証明用電子証明書"), "data": data.per_month("user")},
    ]
    charts = [chart("forecast", _("更新可能期間に入る件数（月別、今後24か月）"), labels, series, stacked=False)]
    offices = st.office_names()
    office_ids = sorted({o for (_m, o, _w) in data.cells}, key=lambda o: offices.get(o, ""))
    header = [gettext("月")] + [offices.get(o, gettext("窓口不明")) for o in office_ids] + [gettext("計")]
    rows = []
    for m in data.months:
        values = [sum(n for (mm, o, _w), n in data.cells.items() if mm == m and o == oid) for oid in office_ids]
        rows.append([f"{m:%Y-%m}", *values, sum(values)])
    office_series = [
        {"label": offices.get(oid, gettext("窓口不明")), "data": [r[i + 1] for r in rows]}
        for i, oid in enumerate(office_ids)
    ]
    charts.append(
        chart(
            "forecast_office",
            _("更新可能期間に入る件数（最後に発行した窓口別、カードと証明書の計）"),
            labels,
            office_series,
            header=header,
            rows=rows,
        )
    )
    return charts


STEP_LABELS = {
    "visit1_letter": _("1回目来庁 → 照会書発送"),
    "letter_reply": _("照会書発送 → 回答書受理"),
    "reply_visit2": _("回答書受理 → 2回目来庁"),
    "visit1_visit2": _("1回目来庁 → 2回目来庁（全体）"),
}


def proxy_charts(period: st.Period) -> list[dict]:
    data = st.proxy_flow(period)
    stage_labels = dict(ProxyAuthorization.Stage.choices)
    stages = list(data.stages)
    charts = [
        chart(
            "proxy_stages",
            _("代理人申請（1回目来庁が期間内）の現在の段階"),
            [stage_labels[s] for s in stages],
            [{"label": gettext("件数"), "data": [data.stages[s] for s in stages]}],
        )
    ]
    keys = list(STEP_LABELS)
    charts.append(
        chart(
            "proxy_days",
            _("各段階の日数（中央値）"),
            [STEP_LABELS[k] for k in keys],
            [{"label": gettext("日数の中央値"), "data": [data.medians[k] for k in keys]}],
            header=[gettext("区間"), gettext("日数の中央値"), gettext("件数")],
            rows=[
                [str(STEP_LABELS[k]), "—" if data.medians[k] is None else data.medians[k], data.samples[k]]
                for k in keys
            ],
            horizontal=True,
        )
    )
    reasons = list(data.reasons.items())
    rate = "—" if data.return_rate is None else f"{data.return_rate}%"
    charts.append(
        chart(
            "proxy_returns",
            gettext("照会書の返戻（返戻率 %(rate)s：発送 %(sent)s件中 %(returned)s件）")
            % {"rate": rate, "sent": data.letters_sent, "returned": data.returned},
            [r or gettext("理由なし") for r, _n in reasons],
            [{"label": gettext("件数"), "data": [n for _r, n in reasons]}],
            header=[gettext("返戻理由"), gettext("件数")],
            rows=[[r or gettext("理由なし"), n] for r, n in reasons],
        )
    )
    return charts


def operations_charts(period: st.Period) -> list[dict]:
    data = st.operations(period)
    labels = [_label(b, period.grain) for b in data.buckets]
    charts = [
        chart(
            "outside_hours",
            _("取扱時間外の記録"),
            labels,
            [
                {"label": gettext("時間外の申請"), "data": data.series(data.outside_applications)},
                {"label": gettext("時間外のその他の処理"), "data": data.series(data.outside_records)},
            ],
        ),
        chart(
            "fees",
            _("手数料（円）"),
            labels,
            [
                {"label": gettext("収納済"), "data": data.series(data.fees)},
                {"label": gettext("未収納"), "data": data.series(data.fees_unpaid)},
            ],
        ),
    ]
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={r["received_by_id"] for r in data.per_clerk})}
    kinds = list(Application.Kind.choices)
    clerk_ids = sorted(users, key=lambda pk: users[pk].get_username())
    cells = {(r["received_by_id"], r["kind"]): r["n"] for r in data.per_clerk}
    names = [users[pk].get_full_name() or users[pk].get_username() for pk in clerk_ids]
    charts.append(
        chart(
            "per_clerk",
            _("職員別の受付件数（種類別）"),
            names,
            [{"label": label, "data": [cells.get((pk, kind), 0) for pk in clerk_ids]} for kind, label in kinds],
            horizontal=True,
        )
    )
    return charts


def section_charts(section: str, period: st.Period, today: date) -> list[dict]:
    if section == "forecast":
        return forecast_charts(period, today)
    if section == "proxy":
        return proxy_charts(period)
    if section == "operations":
        return operations_charts(period)
    return activity_charts(period)


def csv_response(item: dict, section: str) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # BOM so that Excel opens the UTF-8 file correctly
    writer = csv.writer(out)
    writer.writerow(csv_row([item["title"]]))
    writer.writerow(csv_row(item["header"]))
    for row in item["rows"]:
        writer.writerow(csv_row(row))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="stats-{item["id"]}-{stamp}.csv"'
    return response


@functools.cache
def chart_js_installed() -> bool:
    """Whether ``.ci/vendor-js`` installed Chart.js (without it the pages show their tables only)."""
    return bool(finders.find(CHART_JS))


def stats_view(request, admin_site):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    data = request.GET.copy()
    for name, value in (("date_from", default_start(today)), ("date_to", today), ("grain", st.MONTH)):
        if not data.get(name):
            data[name] = f"{value}"  # the defaults shown in the form, as if chosen
    form = StatsForm(data)
    if form.is_bound and form.is_valid():
        cd = form.cleaned_data
    else:
        cd = {"start": default_start(today), "end": today, "grain": st.MONTH, "office": None}
        cd["section"] = request.GET.get("section") if request.GET.get("section") in dict(SECTIONS) else "activity"
    period = st.Period(
        start=cd["start"], end=cd["end"], office_id=cd["office"].pk if cd.get("office") else None, grain=cd["grain"]
    )
    section = cd["section"]
    charts = section_charts(section, period, today)
    if request.GET.get("format") == "csv":
        wanted = [c for c in charts if c["id"] == request.GET.get("chart")]
        if not wanted:
            raise Http404
        return csv_response(wanted[0], section)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("chart", None)
    for c in charts:
        q = query.copy()
        q["format"], q["chart"], q["section"] = "csv", c["id"], section
        c["csv_query"] = q.urlencode()
    links = []
    for key, label in SECTIONS:
        q = query.copy()
        q["section"] = key
        links.append({"key": key, "label": label, "query": q.urlencode(), "current": key == section})
    context = {
        **admin_site.each_context(request),
        "title": _("統計"),
        "form": form,
        "section": section,
        "section_label": dict(SECTIONS)[section],
        "sections": links,
        "charts": charts,
        "period": period,
        "office": cd.get("office"),
        "chart_js": CHART_JS if chart_js_installed() else None,
        "opts": ReviewSignOff._meta,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/jpki/stats.html", context)
