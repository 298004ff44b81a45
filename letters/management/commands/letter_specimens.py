"""One specimen PDF of each letter kind, for aligning printers and window envelopes (見本).

By default filled from an unsaved in-memory worst case (letters.samples: a 𠮷/髙/IVS name and a 方書
that wraps onto three lines in the window); with ``--from-database`` from the database when it has
suitable applications (the demo city). Nothing is written to the database. ``--png`` also writes
every page as PNG at 100 dpi (pdftoppm), to look at the address block in the window.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from jpki.models import Application, Office
from letters import render
from letters.models import Letter


def _pick(kind: str):
    qs = Application.objects.select_related("resident", "office").order_by("-received_at")
    if kind in (Letter.Kind.INQUIRY, Letter.Kind.INQUIRY_REQUEST):
        return qs.filter(applicant_type="proxy", proxy__isnull=False).first()
    if kind == Letter.Kind.APPLICATION_FORM:
        return qs.filter(kind__in=["new", "renewal"]).first()
    if kind == Letter.Kind.VALIDITY_SLIP:
        return qs.filter(certificates__isnull=False).distinct().first()
    return None


class Command(BaseCommand):
    help = "各帳票の見本PDFを DIR に書き出します（封筒の窓位置の確認用。データベースは変更しません）。"

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--no-guides", action="store_true", help="封筒の窓枠・折り線を描かない")
        parser.add_argument(
            "--from-database", action="store_true", help="データベースの申請から作る（既定は見本データ）"
        )
        parser.add_argument("--png", action="store_true", help="各頁を100dpiのPNGにも書き出す（pdftoppm）")

    def handle(self, *args, directory, **opts):
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        guides = not opts["no_guides"]
        for i, kind in enumerate(Letter.Kind.values):
            app = _pick(kind) if opts["from_database"] else None
            source = "データベース"
            certificates = None
            if app is None:
                from letters.samples import sample_application

                app, certificates = sample_application(i, at=now, worst=True)
                data = render.LetterData(
                    kind=kind,
                    application=app,
                    reference=f"SU-{now.year}-999{i:03d}",
                    rendered_at=now,
                    certificates=certificates,
                )
                source = "見本データ（保存しない）"
            else:
                data = render.LetterData(
                    kind=kind,
                    application=app,
                    reference=f"SU-{now.year}-999{i:03d}",
                    rendered_at=now,
                    certificates=certificates,
                )
            data.guides = guides
            result = render.render_letter(data)
            path = out / f"{kind}.pdf"
            path.write_bytes(result.pdf)
            self.stdout.write(f"{path}: {Letter.Kind(kind).label}（{result.page_count}頁、{source}）")
            if opts["png"] and shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(out / kind)], check=True, timeout=120)
        office = (Office.objects.first() if opts["from_database"] else None) or Office(code="main", name="本庁 市民課")
        rows = [
            {
                "no": 1,
                "reference": f"SU-{now.year}-999000",
                "mail_class": "簡易書留",
                "tracking_number": "",
                "postal_code": "564-0041",
                "address": "大阪府吹田市泉町2丁目17番4号",
                "name": "髙橋　一郎",
            }
        ]
        html = render.document_html(
            [render.mailing_list_html(office=office, on=now.date(), number=1, rows=rows, printed_at=now)]
        )
        (out / "mailing_list.pdf").write_bytes(render.write_pdf(render.html_to_document(html)))
        self.stdout.write(f"{out / 'mailing_list.pdf'}: 差出票")
        ledger_rows = [
            {
                "issued_on": now.date().isoformat(),
                "application_id": 1,
                "kind": "新規発行",
                "applicant_type": "本人",
                "name": "𠮷田　花子",
                "birth_date": "1970-01-01",
                "certificate": "署名用",
                "expires_on": "2031-01-01",
                "fee": 0,
                "clerk": "clerk",
            }
        ]
        (out / "ledger.pdf").write_bytes(
            render.render_ledger(office=office, start=now.date(), end=now.date(), rows=ledger_rows, printed_at=now)
        )
        self.stdout.write(f"{out / 'ledger.pdf'}: 電子証明書交付記録簿")
