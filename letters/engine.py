"""The letters' PDF engine: form layers, fill layers, batches in worker processes, one letter's PDF.

How a batch of inquiry letters becomes one PDF (``manage.py bench_letters`` measures it):

1. FORM layer, once per variant (kind of application, certificates, office): its HTML laid out and
   written by WeasyPrint into a small PDF, kept for the process; its placeholders (``data-slot``) are
   measured on the way (:func:`letters.pdfengine.measure_slots`, through ``Page.anchors``).
2. FILL layer, per letter (reference, QR code, address block, barcode, names, dates): small boxes set
   where the form's placeholders are. The fills are laid out and written by WeasyPrint in chunks of
   :data:`CHUNK_LETTERS` letters (a long document costs WeasyPrint more per page), the chunks in
   :func:`render_processes` worker processes (``forkserver``), each chunk one PDF.
3. The chunks are joined with pikepdf, each page keeps only its own resources, and each form page is
   copied ONCE into the batch as a form XObject drawn under every letter page that uses it
   (:func:`letters.pdfjoin.assemble`). The mailing list, when asked for, is its own document at the end.

One letter's PDF, whether rendered alone (:func:`render_letter`) or cut out of a stored batch
(:func:`extract_pages`), holds that letter's objects only, with fonts cut down to its own glyphs
(:func:`letters.pdfjoin.extract`): nothing of any other resident.

Public APIs of WeasyPrint and pikepdf only; Python's garbage collector is left alone.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import pdfengine, pdfjoin
from . import render as content

#: Letters per WeasyPrint document in a batch: WeasyPrint's cost per page grows with the length of the
#: document, so a batch is laid out in chunks (measured: ``manage.py bench_letters``).
CHUNK_LETTERS = 40
#: Batches with fewer letters than this are rendered in the calling process (starting workers costs ~1 s).
PARALLEL_MIN_LETTERS = 120


def render_processes() -> int:
    """Worker processes for a batch: ``LETTER_RENDER_PROCESSES``, by default the CPUs (at most 4)."""
    value = getattr(settings, "LETTER_RENDER_PROCESSES", None)
    if value is None:
        value = min(4, os.cpu_count() or 1)
    return max(1, int(value))


# --- WeasyPrint, through letters.pdfengine ------------------------------------------------------------


def stylesheet_text() -> str:
    """``templates/letters/letters.css`` (given to WeasyPrint as a user style sheet)."""
    return render_to_string("letters/letters.css")


def letters_stylesheet():
    """The letters' style sheet parsed once per process (parsed again when the file changes)."""
    return pdfengine.stylesheet(stylesheet_text())


def refusing_url_fetcher():
    """WeasyPrint's URL fetcher for letters: every URL refused except ``data:`` URIs."""
    return pdfengine.url_fetcher()


def base_url() -> str:
    return str(settings.BASE_DIR)


def html_to_document(html: str):
    """``html`` laid out by WeasyPrint with the letters' style sheet (a ``weasyprint.Document``)."""
    return pdfengine.layout(html, stylesheet_text(), base_url())


def write_pdf(document) -> bytes:
    return pdfengine.write(document)


# --- form layer --------------------------------------------------------------------------------------


def _fit_pt(text: str, width_px: float, size_pt: float = 10.0, minimum_pt: float = 6.5) -> float | None:
    """A smaller font size when ``text`` would not fit on one line of ``width_px`` (None when it fits).

    A slot is one line of its form's table cell; the estimate counts wide characters as 1 em and the
    others as 0.6 em, which errs on the side of shrinking.
    """
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)
    needed_px = ems * size_pt * 96 / 72
    if needed_px <= width_px or needed_px == 0:
        return None
    return round(max(minimum_pt, size_pt * width_px / needed_px * 0.98), 2)


def _proxy_line(proxy) -> str:
    # Japanese by nature: printed on the letter
    if proxy is None:
        return "—"
    relation = f"（本人との関係: {proxy.relation}）" if proxy.relation else ""
    return f"{proxy.proxy_name or '—'}{relation}"


class FormLayout:
    """One variant's form layer, laid out and written once: its PDF, its pages and its placeholders.

    The fill layer is positioned from :attr:`css` (``.{key}-{slot}`` rules: left/top/width/height of the
    placeholder's box in CSS px, each fill page being a 210 × 297 mm ``.page`` at the origin); the form
    page of the same index is drawn under each fill page.
    """

    def __init__(self, fragment: str, key: str):
        self.key = key
        names = pdfengine.slot_names(fragment)
        html = content.document_html([fragment], title="form")
        self.pdf, self.page_count, measured = pdfengine.form_pdf(html, stylesheet_text(), base_url(), names)
        self.slots: dict[str, tuple[int, float, float, float, float]] = {
            name: (slot.page, slot.x, slot.y, slot.width, slot.height) for name, slot in measured.items()
        }
        missing = sorted(set(names) - set(self.slots))
        if missing:
            raise RuntimeError(f"form placeholders not laid out: {', '.join(missing)}")
        self.css = "\n".join(
            f".{key}-{name} {{ left: {x:.3f}px; top: {y:.3f}px; width: {w:.3f}px; height: {h:.3f}px; }}"
            for name, (_i, x, y, w, h) in sorted(self.slots.items())
        )

    def fill_context(self, context: dict[str, Any]) -> dict[str, Any]:
        fit = {}
        for name, text in (
            ("office", getattr(context.get("office"), "name", "") or ""),
            ("proxy", _proxy_line(context.get("proxy"))),
        ):
            if name in self.slots:
                _page, _x, _y, width, height = self.slots[name]
                size = _fit_pt(text, width)
                # smaller type, same line box: stays on the middle of its row
                fit[name] = f"font-size: {size}pt; line-height: {height:.3f}px" if size else ""
        return {**context, "fk": self.key, "fit": fit}


_FORMS: dict[str, FormLayout] = {}
_FORMS_LOCK = threading.Lock()
_FORMS_MAX = 64


def form_layout(fragment: str) -> FormLayout:
    """The laid-out form for a form-layer fragment, kept for the process (a handful of variants a day).

    Keyed by the whole form document (fragment, window setting) and the style sheet, so any change in
    a template or a setting makes a new layout.
    """
    html = content.document_html([fragment], title="form")
    digest = hashlib.sha256(f"{stylesheet_text()}\n{html}".encode()).hexdigest()
    with _FORMS_LOCK:
        layout = _FORMS.get(digest)
        if layout is None:
            if len(_FORMS) >= _FORMS_MAX:
                _FORMS.pop(next(iter(_FORMS)))
            layout = _FORMS[digest] = FormLayout(fragment, key=f"k{digest[:10]}")
        return layout


def clear_form_cache() -> None:
    """Forget the laid-out form layers (the next render lays its forms out again)."""
    with _FORMS_LOCK:
        _FORMS.clear()


def prepare(datas: Sequence[content.LetterData]) -> tuple[list[str], list[FormLayout | None]]:
    """Fill fragments of the letters and, per letter, its form layout (None for single-layer kinds)."""
    fragments: list[str] = []
    forms: list[FormLayout | None] = []
    by_variant: dict[tuple, FormLayout] = {}
    for data in datas:
        context = content.letter_context(data)
        form_template = content.FORM_TEMPLATES.get(data.kind)
        if form_template is None:
            fragments.append(content.letter_html(data, context))
            forms.append(None)
            continue
        form_context = content.FORM_CONTEXTS[data.kind](data, context)
        variant = (data.kind, *form_context.items())
        layout = by_variant.get(variant)
        if layout is None:
            form_context["return"] = dict(form_context["return"])
            layout = by_variant[variant] = form_layout(render_to_string(form_template, form_context))
        fragments.append(content.letter_html(data, layout.fill_context(context)))
        forms.append(layout)
    return fragments, forms


# --- batches -------------------------------------------------------------------------------------------


@dataclass
class RenderedBatch:
    pdf: bytes
    page_count: int
    first_pages: dict[str, int] = field(default_factory=dict)  # reference -> 1-based first page
    letter_pages: dict[str, int] = field(default_factory=dict)  # reference -> number of pages
    layout_cpu_seconds: float = 0.0  # CPU time of WeasyPrint's layout and writing, in whichever process ran it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass
class _Doc:
    """One WeasyPrint document of a batch: the letters it holds (indexes), or none (extra fragments)."""

    html: str
    letters: list[int]
    forms: list[FormLayout | None]


def _documents(datas, extra_fragments, title, chunk) -> Iterator[_Doc]:
    """The batch's WeasyPrint documents, made one chunk at a time (letters prepared as they are needed).

    Letters with a form layer go ``chunk`` at a time into a fill document; a single-layer letter is a
    document of its own (its pages are counted exactly); the extra fragments come last, on their own.
    """
    for start in range(0, len(datas), chunk):
        fragments, forms = prepare(datas[start : start + chunk])
        run: list[int] = []
        for index, form in [*enumerate(forms), (len(forms), None)]:
            if run and (form is None):  # the run of form letters ends
                layouts = [forms[i] for i in run]
                css = "\n".join(dict.fromkeys(f.css for f in layouts if f is not None))
                html = content.document_html([fragments[i] for i in run], title=title, extra_css=css)
                yield _Doc(html, [start + i for i in run], layouts)
                run = []
            if index == len(forms):
                break
            if form is None:
                yield _Doc(content.document_html([fragments[index]], title=title), [start + index], [None])
            else:
                run.append(index)
    if extra_fragments:
        yield _Doc(content.document_html(list(extra_fragments), title=title), [], [])


def render_letters(
    datas: Sequence[content.LetterData],
    *,
    extra_fragments: Sequence[str] = (),
    title: str = "帳票",
    chunk_letters: int | None = None,
    processes: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> RenderedBatch:
    """Render letters (and e.g. the mailing list after them) into ONE PDF.

    ``chunk_letters`` letters per WeasyPrint document (default :data:`CHUNK_LETTERS`), the documents in
    ``processes`` worker processes (default :func:`render_processes`, for batches of at least
    :data:`PARALLEL_MIN_LETTERS`), each handed over as soon as its letters are prepared.
    ``progress(n)`` is called as each document of ``n`` letters is done.
    """
    chunk = max(1, chunk_letters or CHUNK_LETTERS)
    if processes is None:
        processes = render_processes() if len(datas) >= PARALLEL_MIN_LETTERS else 1
    docs: list[_Doc] = []

    def htmls():
        for doc in _documents(datas, extra_fragments, title, chunk):
            docs.append(doc)
            yield doc.html

    def done(index: int) -> None:
        if progress and docs[index].letters:
            progress(len(docs[index].letters))

    outputs = pdfengine.render_many(htmls(), stylesheet_text(), base_url(), processes=processes, on_done=done)
    parts: list[pdfjoin.Part] = []
    first_pages: dict[str, int] = {}
    letter_pages: dict[str, int] = {}
    used_forms: dict[str, bytes] = {}
    offset = 0
    for doc, (pdf, pages, _cpu) in zip(docs, outputs, strict=True):
        underlays: dict[int, tuple[str, int]] = {}
        if not doc.letters:  # the extra fragments (the mailing list)
            counts = []
        elif len(doc.letters) == 1 and doc.forms[0] is None:
            counts = [pages]
        else:
            counts = [form.page_count for form in doc.forms]
            if sum(counts) != pages:
                raise RuntimeError(f"fill documents have {pages} pages, their forms {sum(counts)}")
        cursor = 0
        for index, form, count in zip(doc.letters, doc.forms, counts, strict=True):
            reference = datas[index].reference
            first_pages.setdefault(reference, offset + cursor + 1)
            letter_pages[reference] = count
            if form is not None:
                used_forms[form.key] = form.pdf
                for page in range(count):
                    underlays[cursor + page] = (form.key, page)
            cursor += count
        parts.append(pdfjoin.Part(pdf=pdf, underlays=underlays))
        offset += pages
    pdf = pdfjoin.assemble(parts, used_forms)
    return RenderedBatch(
        pdf=pdf,
        page_count=offset,
        first_pages=first_pages,
        letter_pages=letter_pages,
        layout_cpu_seconds=sum(cpu for _pdf, _pages, cpu in outputs),
    )


def render_letter(data: content.LetterData) -> RenderedBatch:
    """One letter alone (a preview, a counter form): its own PDF with its own objects only."""
    return render_letters([data], title=data.reference, processes=1)


def extract_pages(pdf: bytes, first_page: int, count: int) -> bytes:
    """One letter's pages of a stored batch PDF, as a PDF holding that letter only (see :mod:`letters.pdfjoin`)."""
    return pdfjoin.extract(pdf, first_page, count)


# --- benchmark -------------------------------------------------------------------------------------


def sample_letter_data(i: int = 0, *, kind: str = "inquiry", at=None) -> content.LetterData:
    """An unsaved sample application (nothing is written to the database)."""
    from letters.samples import sample_application

    at = at or timezone.now()
    app, certs = sample_application(i, at=at)
    return content.LetterData(
        kind=kind, application=app, reference=f"SU-{at.year}-{900000 + i:06d}", rendered_at=at, certificates=certs
    )


def _timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def benchmark(
    n: int = 1000,
    *,
    per_letter_sample: int = 50,
    kind: str = "inquiry",
    previews: int = 7,
    processes: int | None = None,
    chunk_letters: int | None = None,
) -> dict:
    """Pages/s of one batch of ``n`` letters, of one document per letter, of a letter cut out of the batch,
    and of previews.

    - batch: ``render_letters`` of ``n`` sample letters, as a mailing batch does (without the mailing list),
      form cache emptied first, so laying out the form is part of the figure; wall time, and the CPU time
      of this process plus the workers' (each worker measures its own); on a shared machine the CPU
      figure is the one that does not depend on the other processes, and the idle estimate divides it
      by the cores the workers can use;
    - one document per letter: ``render_letter`` of the first ``per_letter_sample`` letters, extrapolated;
    - extract: one letter cut out of the batch PDF (a download of a batched letter), median of 5;
    - preview: ``render_letter`` of one letter, the median of ``previews`` letters with the form laid out,
      and once right after emptying the cache.
    Nothing is written to the database or to the private storage.
    """
    load_before = os.getloadavg()
    now = timezone.now()
    render_letter(sample_letter_data(0, kind=kind, at=now))  # warm up: fonts, WeasyPrint's modules

    datas = [sample_letter_data(i, kind=kind, at=now) for i in range(n)]
    workers = render_processes() if processes is None else processes
    clear_form_cache()
    batch, batch_seconds, batch_cpu = _timed(
        render_letters, datas, title="benchmark", processes=workers, chunk_letters=chunk_letters
    )
    batch_pages = batch.page_count
    # the workers' CPU is not this process's: add it when the layout ran in workers
    batch_cpu_total = batch_cpu + (batch.layout_cpu_seconds if workers > 1 else 0.0)

    sample = datas[: max(1, min(per_letter_sample, n))]
    sample_pages = 0
    sample_seconds = sample_cpu = 0.0
    for d in sample:
        result, wall, cpu = _timed(render_letter, d)
        sample_pages += result.page_count
        sample_seconds += wall
        sample_cpu += cpu

    refs = list(batch.first_pages.items())
    picks = [refs[(len(refs) - 1) * k // 4] for k in range(5)]
    extract_times = sorted(_timed(extract_pages, batch.pdf, first, batch.letter_pages[ref])[1] for ref, first in picks)
    times = sorted(_timed(render_letter, d)[1] for d in datas[1 : 1 + max(1, previews)])
    clear_form_cache()
    _result, cold_preview, _cpu = _timed(render_letter, datas[0])
    return {
        "letters": n,
        "kind": kind,
        "processes": workers,
        "chunk_letters": chunk_letters or CHUNK_LETTERS,
        "batch_pages": batch_pages,
        "batch_seconds": round(batch_seconds, 3),
        "batch_cpu_seconds": round(batch_cpu_total, 3),
        "batch_parent_cpu_seconds": round(batch_cpu, 3),
        "batch_pages_per_second": round(batch_pages / batch_seconds, 1),
        "batch_pages_per_cpu_second": round(batch_pages / batch_cpu_total, 1),
        # what the same work takes on an otherwise idle machine with ``workers`` cores
        "batch_idle_estimate_pages_per_second": round(
            batch_pages / max(batch_cpu, batch_cpu_total / max(1, min(workers, os.cpu_count() or 1))), 1
        ),
        "batch_pdf_bytes": len(batch.pdf),
        "per_letter_sample": len(sample),
        "per_letter_sample_seconds": round(sample_seconds, 3),
        "per_letter_seconds_extrapolated": round(sample_seconds / len(sample) * n, 1),
        "per_letter_pages_per_second": round(sample_pages / sample_seconds, 1),
        "per_letter_pages_per_cpu_second": round(sample_pages / sample_cpu, 1),
        "extract_seconds_median": round(extract_times[len(extract_times) // 2], 3),
        "preview_seconds_median": round(times[len(times) // 2], 3),
        "preview_seconds_max": round(times[-1], 3),
        "preview_count": len(times),
        "preview_cold_seconds": round(cold_preview, 3),
        "load_before": tuple(round(x, 2) for x in load_before),
        "load_after": tuple(round(x, 2) for x in os.getloadavg()),
        "cpus": os.cpu_count(),
    }


def chunks_for(letters: int, chunk: int | None = None) -> int:
    """How many WeasyPrint documents a batch of ``letters`` inquiry letters is laid out in."""
    return math.ceil(letters / max(1, chunk or CHUNK_LETTERS)) if letters else 0
