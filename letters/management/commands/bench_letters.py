"""Benchmark: pages/s of the day's batch (fill chunks in worker processes), one document per letter, one
letter cut out of a batch, and the preview time.

Prints wall-clock figures (what a clerk waits) and CPU figures (what the render itself costs, in this
process and in the workers, whatever else the machine is doing), with the load average: on a shared
machine read the two together.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from letters.render import benchmark

TARGET_PAGES_PER_SECOND = 50
TARGET_PREVIEW_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "照会書の一括印刷の速度（頁/秒、ワーカープロセスで分割してレイアウト）と1通ずつの場合、"
        "差出から1通を取り出す時間、1通のプレビュー時間を計測します（データベースは使いません）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("-n", "--letters", type=int, default=1000, help="一括印刷の通数（既定 1000）")
        parser.add_argument("--sample", type=int, default=50, help="1通ずつ作る場合の計測通数（残りは外挿、既定 50）")
        parser.add_argument("--processes", type=int, default=None, help="ワーカープロセス数（既定: CPU数、最大4）")
        parser.add_argument("--chunk", type=int, default=None, help="1文書にまとめる通数（既定 40）")

    def handle(self, *args, letters, sample, processes, chunk, **opts):
        r = benchmark(letters, per_letter_sample=sample, processes=processes, chunk_letters=chunk)
        w = self.stdout.write
        load = " / ".join(f"{x:.2f}" for x in r["load_before"])
        w(
            f"マシン: CPU {r['cpus']}、ロードアベレージ（1/5/15分）計測前 {load}、"
            f"計測後 {' / '.join(f'{x:.2f}' for x in r['load_after'])}"
        )
        w(
            f"一括（1つのPDF・{r['chunk_letters']}通ずつの文書・ワーカー{r['processes']}）: {r['letters']}通 "
            f"{r['batch_pages']}頁 {r['batch_seconds']:.1f}秒 = {r['batch_pages_per_second']:.1f} 頁/秒"
            f"（CPU {r['batch_cpu_seconds']:.1f}秒 = {r['batch_pages_per_cpu_second']:.1f} 頁/CPU秒、"
            f"うち親プロセス {r['batch_parent_cpu_seconds']:.1f}秒、"
            f"空いたマシンでの見込み {r['batch_idle_estimate_pages_per_second']:.1f} 頁/秒、"
            f"PDF {r['batch_pdf_bytes'] / 1e6:.1f} MB）"
        )
        w(
            f"1通ずつ（1通1文書、{r['per_letter_sample']}通を計測し{r['letters']}通に外挿）: "
            f"{r['per_letter_pages_per_second']:.1f} 頁/秒（{r['per_letter_pages_per_cpu_second']:.1f} 頁/CPU秒）、"
            f"{r['letters']}通で約{r['per_letter_seconds_extrapolated']:.0f}秒"
        )
        w(f"差出のPDFから1通を取り出す（その1通のみのPDF）: 中央値 {r['extract_seconds_median']:.3f}秒")
        w(
            f"プレビュー1通: 中央値 {r['preview_seconds_median']:.3f}秒（{r['preview_count']}通、最大 "
            f"{r['preview_seconds_max']:.3f}秒）、様式のレイアウトを含む初回 {r['preview_cold_seconds']:.3f}秒"
        )
        w(
            f"目標: 一括 {TARGET_PAGES_PER_SECOND}頁/秒以上、プレビュー {TARGET_PREVIEW_SECONDS}秒以下 → "
            f"一括 {'達成' if r['batch_pages_per_second'] >= TARGET_PAGES_PER_SECOND else '未達'}"
            f"（空いたマシンでの見込み "
            f"{'達成' if r['batch_idle_estimate_pages_per_second'] >= TARGET_PAGES_PER_SECOND else '未達'}）、"
            f"プレビュー {'達成' if r['preview_seconds_median'] <= TARGET_PREVIEW_SECONDS else '未達'}"
        )
