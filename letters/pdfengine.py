"""HTML to PDF with WeasyPrint's public API, in this process or in worker processes (no Django here).

Everything in this module works on plain strings and bytes: the HTML of a document, the text of the
letters' style sheet, a base URL. It never imports Django, so the worker processes of a batch
(:func:`render_many`) start from a clean interpreter (``forkserver``) and need nothing but WeasyPrint.

Public WeasyPrint API only: ``HTML(...).render()``, ``Document.pages``, ``Page.anchors``,
``Document.write_pdf()``, ``CSS``, ``FontConfiguration`` and ``URLFetcher``. No WeasyPrint function is
replaced and no private attribute of WeasyPrint or pydyf is read (``tests/letters/test_public_api_only.py``).

The placeholders of a form layer (elements with ``data-slot``) are measured with anchors: a style sheet
made for the form names each slot's box (``-weasy-anchor``, WeasyPrint's own property behind ``id``),
and ``Page.anchors`` gives its border box (a slot has no padding and no border: its border box is the
box the fill is set in).
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import multiprocessing
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()
_STATE: dict[str, object] = {}
atexit.register(_STATE.clear)  # WeasyPrint's font configuration goes while its libraries are still loaded

SLOT_ATTRIBUTE = re.compile(r"""data-slot\s*=\s*["']([A-Za-z0-9_-]+)["']""")
#: Anchor names of the two corners of a slot's box (see :func:`slot_probe_css`).
SLOT_START = "slot-start-"
SLOT_END = "slot-end-"


def font_config():
    """One WeasyPrint ``FontConfiguration`` per process (fontconfig's fonts are read once)."""
    with _LOCK:
        config = _STATE.get("fonts")
        if config is None:
            from weasyprint.text.fonts import FontConfiguration

            config = _STATE["fonts"] = FontConfiguration()
        return config


def url_fetcher():
    """Every URL refused but ``data:`` URIs (QR codes and barcodes are inlined; fonts come from fontconfig)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def stylesheet(css_text: str):
    """``css_text`` parsed once per process into a ``weasyprint.CSS`` (parsed again when it changes)."""
    digest = hashlib.sha256(css_text.encode("utf-8")).hexdigest()
    with _LOCK:
        cached = _STATE.get("css")
    if cached is not None and cached[0] == digest:
        return cached[1]
    from weasyprint import CSS

    parsed = CSS(string=css_text, font_config=font_config(), url_fetcher=url_fetcher())
    with _LOCK:
        _STATE["css"] = (digest, parsed)
    return parsed


def layout(html: str, css_text: str, base_url: str):
    """Lay ``html`` out with the letters' style sheet (a user style sheet): a WeasyPrint ``Document``."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).render(
        stylesheets=[stylesheet(css_text)], font_config=font_config()
    )


def write(document) -> bytes:
    return document.write_pdf(uncompressed_pdf=False)


def html_pdf(html: str, css_text: str, base_url: str) -> tuple[bytes, int]:
    """``html`` as PDF bytes, with its number of pages."""
    document = layout(html, css_text, base_url)
    return write(document), len(document.pages)


def _timed_html_pdf(html: str, css_text: str, base_url: str) -> tuple[bytes, int, float]:
    """:func:`html_pdf` and the CPU seconds it took in the process that ran it (a worker's own CPU)."""
    cpu = time.process_time()
    pdf, pages = html_pdf(html, css_text, base_url)
    return pdf, pages, time.process_time() - cpu


def slot_names(html: str) -> list[str]:
    return list(dict.fromkeys(SLOT_ATTRIBUTE.findall(html)))


def slot_anchor_css(names: Sequence[str]) -> str:
    """Author CSS that names every slot's box as an anchor (``-weasy-anchor``, what ``id`` does)."""
    return "\n".join(f'[data-slot="{name}"] {{ -weasy-anchor: "{SLOT_START}{name}"; }}' for name in names)


def slot_probe_css(names: Sequence[str]) -> str:
    """Author CSS naming the bottom-right corner of every slot's box too, without moving anything.

    Only needed where ``Page.anchors`` gives a point instead of a box (WeasyPrint documents a point;
    70 gives the border box). The slot's ``::before`` takes the slot's height when that height is fixed
    (``height: 100%`` is ``auto`` otherwise) and its ``::after``, a zero-size block pushed right by
    ``margin-left: auto``, then sits at the bottom-right corner of the content. Both are empty
    zero-width boxes: nothing is drawn and nothing else moves.
    """
    rules = [slot_anchor_css(names)]
    for name in names:
        selector = f'[data-slot="{name}"]'
        rules.append(
            f'{selector}::before {{ content: ""; display: block; width: 0; height: 100%; margin: 0; padding: 0; '
            f"border: 0; float: none; position: static; }}"
        )
        rules.append(
            f'{selector}::after {{ content: ""; display: block; width: 0; height: 0; margin: 0 0 0 auto; '
            f'padding: 0; border: 0; float: none; position: static; -weasy-anchor: "{SLOT_END}{name}"; }}'
        )
    return "\n".join(rules)


@dataclass(frozen=True)
class Slot:
    """A placeholder's box on a form page, in CSS px from the page's top-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float


def measure_slots(document, names: Sequence[str]) -> dict[str, Slot] | None:
    """The border box of every slot in ``names`` that a page of ``document`` anchors (first page wins).

    None when the anchors are points, not boxes, and the probes of :func:`slot_probe_css` are missing.
    """
    found: dict[str, Slot] = {}
    for index, page in enumerate(document.pages):
        anchors = page.anchors
        for name in names:
            start = anchors.get(SLOT_START + name)
            if name in found or start is None:
                continue
            if len(start) == 4:
                x, y, x2, y2 = start
            else:
                end = anchors.get(SLOT_END + name)
                if end is None:
                    return None
                (x, y), (x2, y2) = start[:2], end[:2]
            found[name] = Slot(index, x, y, max(0.0, x2 - x), max(0.0, y2 - y))
    return found


def form_pdf(html: str, css_text: str, base_url: str, names: Sequence[str]) -> tuple[bytes, int, dict[str, Slot]]:
    """A form layer: its PDF, its number of pages and the boxes of its slots.

    ``html`` is the form document; the ``<style>`` naming the slots' anchors is added here, before
    ``</head>``. The probes are added (in a second layout, for the measure only) when needed.
    """
    document = layout(with_style(html, slot_anchor_css(names)), css_text, base_url)
    slots = measure_slots(document, names)
    if slots is None:
        slots = measure_slots(layout(with_style(html, slot_probe_css(names)), css_text, base_url), names) or {}
    return write(document), len(document.pages), slots


def with_style(html: str, css: str) -> str:
    head = html.find("</head>")
    style = f"<style>\n{css}\n</style>\n"
    return html[:head] + style + html[head:] if head >= 0 else style + html


# --- worker processes ------------------------------------------------------------------------


def _job(args: tuple[str, str, str]) -> tuple[bytes, int]:
    html, css_text, base_url = args
    return html_pdf(html, css_text, base_url)


def render_many(
    htmls: Iterable[str],
    css_text: str,
    base_url: str,
    *,
    processes: int = 1,
    on_done: Callable[[int], object] | None = None,
) -> list[tuple[bytes, int, float]]:
    """Each HTML document as (PDF, pages, CPU seconds), in order; across ``processes`` worker processes
    when > 1.

    ``htmls`` may be a generator: each document is handed to a worker as soon as it is made, so the
    caller prepares the next ones while the workers lay out the first. The workers are started for the
    call (``forkserver``: a clean interpreter that imports only this module and WeasyPrint, whatever
    threads or database connections the caller has) and stopped at its end. ``on_done(i)`` is called
    as document ``i`` is done (in order). An error in a document is raised here; workers that cannot
    start or die (killed, out of memory) leave the documents not done yet to this process.
    """
    results: list[tuple[bytes, int, float]] = []
    pending = iter(htmls)
    if processes > 1:
        produced: list[str] = []

        def feed() -> Iterator[str]:
            for html in pending:
                produced.append(html)
                yield html

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        try:
            with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
                try:
                    futures = [pool.submit(_timed_html_pdf, html, css_text, base_url) for html in feed()]
                    for index, future in enumerate(futures):
                        results.append(future.result())
                        if on_done:
                            on_done(index)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
            return results
        except (BrokenProcessPool, OSError):
            # the workers could not start or died (killed, out of memory): lay the rest out here
            logger.warning("letters: worker processes failed, rendering in this process", exc_info=True)
            pending = itertools.chain(produced[len(results) :], pending)
    for html in pending:
        results.append(_timed_html_pdf(html, css_text, base_url))
        if on_done:
            on_done(len(results) - 1)
    return results
