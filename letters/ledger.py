"""電子証明書交付記録簿 (the issuance ledger): the certificates an office issued in a day or a month.

One row per certificate, grouped by application: the fee (手数料) is the application's, so it shows
once per application (a reissue's 200-yen pair once, not on each certificate row) and the total
counts each application once. 受付者 is the clerk who received the application (for a proxy, the
clerk of visit 1), 交付者 the clerk who issued the certificate (who recorded it: its history row).
Clerks' names family name first (「松田 浩二」); dates are the local (Asia/Tokyo) days.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils import timezone

from jpki.models import Certificate, Office


def staff_name(user) -> str:
    """A clerk's name, family name first (「松田 浩二」); the login name when none is recorded."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()


def _issuers(cert_ids: list[int]) -> dict[int, object]:
    """Who issued each certificate: the user of its creation history row (one query)."""
    historical = Certificate.history.model
    rows = historical.objects.filter(id__in=cert_ids, history_type="+").select_related("history_user")
    return {row.id: row.history_user for row in rows.order_by("history_date")}


def ledger_rows(*, office: Office, start: date, end: date) -> list[dict]:
    """The ledger's rows: certificates issued at ``office`` between ``start`` and ``end`` (local days,
    inclusive), in the order they were issued. ``fee`` is set on the first row of each application
    only (``None`` on the others)."""
    certs = list(
        Certificate.objects.filter(office=office, issued_on__gte=start, issued_on__lte=end)
        .select_related("card__resident", "application", "application__received_by")
        .order_by("issued_on", "application__completed_at", "application_id", "kind", "pk")
    )
    issuers = _issuers([c.pk for c in certs])
    rows = []
    seen_apps: set[int] = set()
    for cert in certs:
        app = cert.application
        resident = cert.card.resident
        first_of_app = app is not None and app.pk not in seen_apps
        if app is not None:
            seen_apps.add(app.pk)
        issued_at = timezone.localtime(app.completed_at) if app and app.completed_at else None
        rows.append(
            {
                "issued_on": cert.issued_on.isoformat(),
                "issued_time": f"{issued_at:%H:%M}" if issued_at else "",
                "application_id": app.pk if app else "",
                "kind": app.get_kind_display() if app else "",
                "applicant_type": app.get_applicant_type_display() if app else "",
                "resident_id": resident.pk,  # for the read log (not a column of the ledger)
                "name": resident.name,
                "birth_date": resident.birth_date.isoformat(),
                "certificate": "署名用" if cert.kind == "signing" else "利用者証明用",
                "expires_on": cert.expires_on.isoformat(),
                "fee": (app.fee_due if first_of_app else None) if app else None,
                "clerk": staff_name(app.received_by) if app else "",
                "issuer": staff_name(issuers.get(cert.pk)),
                "status": cert.get_status_display(),
            }
        )
    return rows


def ledger_total_fee(rows: list[dict]) -> int:
    """The fees of the period: each application once."""
    return sum(row["fee"] or 0 for row in rows)


# Japanese by nature: the 交付記録簿 is the city's own record, printed and exported in Japanese.
LEDGER_CSV_HEADER = [
    "発行日",
    "申請番号",
    "申請の種類",
    "申請者",
    "氏名",
    "生年月日",
    "電子証明書",
    "有効期限",
    "手数料",
    "受付者",
    "交付者",
    "現在の状態",
    "発行時刻",
]
LEDGER_CSV_KEYS = [
    "issued_on",
    "application_id",
    "kind",
    "applicant_type",
    "name",
    "birth_date",
    "certificate",
    "expires_on",
    "fee",
    "clerk",
    "issuer",
    "status",
    "issued_time",
]


def ledger_csv(rows: list[dict]) -> str:
    """The ledger as CSV: the PDF's columns, the fee once per application, a total line at the end."""
    from jpki.csvexport import csv_row  # no cell a spreadsheet would run as a formula

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEDGER_CSV_HEADER)
    for row in rows:
        writer.writerow(csv_row("" if row.get(k) is None else row.get(k, "") for k in LEDGER_CSV_KEYS))
    total = {"issued_on": "合計", "expires_on": f"{len(rows)}件", "fee": ledger_total_fee(rows)}
    writer.writerow(csv_row(total.get(k, "") for k in LEDGER_CSV_KEYS))
    return out.getvalue()
