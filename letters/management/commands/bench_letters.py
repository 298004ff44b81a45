"""Benchmark: pages/s for a batch rendered in one pass vs one document per letter, and preview time."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from letters.render import benchmark


class Command(BaseCommand):
    help = "照会書の一括印刷の速度（頁/秒）と1通のプレビュー時間を計測します（データベースは使いません）。"

    def add_arguments(self, parser):
        parser.add_argument("-n", "--letters", type=int, default=1000, help="一括印刷の通数（既定 1000）")
        parser.add_argument("--sample", type=int, default=50, help="1通ずつ作る場合の計測通数（残りは外挿）")

    def handle(self, *args, letters, sample, **opts):
        r = benchmark(letters, per_letter_sample=sample)
        w = self.stdout.write
        w(f"一括（1つのPDF・50通ずつレイアウト）: {r['letters']}通 {r['batch_pages']}頁 {r['batch_seconds']:.1f}秒 "
          f"= {r['batch_pages_per_second']:.1f} 頁/秒（PDF {r['batch_pdf_bytes'] / 1e6:.1f} MB）")
        w(f"1通ずつ（{r['per_letter_sample']}通を計測し{r['letters']}通に外挿）: "
          f"{r['per_letter_pages_per_second']:.1f} 頁/秒、{r['letters']}通で約{r['per_letter_seconds_extrapolated']:.0f}秒")
        w(f"プレビュー1通: 中央値 {r['preview_seconds_median']:.3f}秒（最大 {r['preview_seconds_max']:.3f}秒）")
        w("目標: 一括 50頁/秒以上、プレビュー 0.5秒以下 → "
          f"一括 {'達成' if r['batch_pages_per_second'] >= 50 else '未達'}、"
          f"プレビュー {'達成' if r['preview_seconds_median'] <= 0.5 else '未達'}")
