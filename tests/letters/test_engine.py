"""The PDF engine (letters.engine, letters.pdfengine, letters.pdfjoin): fills laid out in chunks and in
worker processes give the same PDF as in this process, the page map of mixed batches, progress, the form
placeholders measured through ``Page.anchors`` (and the fallback when anchors are points), the mailing
list numbered on its own, one letter cut out of a batch."""

from __future__ import annotations

import gc
import io

import pikepdf
import pytest

from letters import engine, pdfengine, pdfjoin, render

from .pdfcheck import text_of


def _datas(n, **kwargs):
    return [render.sample_letter_data(i, **kwargs) for i in range(n)]


def test_worker_processes_give_the_same_letters_as_this_process():
    datas = _datas(5)
    here = render.render_letters(datas, chunk_letters=2, processes=1)
    workers = render.render_letters(datas, chunk_letters=2, processes=2)
    assert workers.first_pages == here.first_pages == {d.reference: 2 * i + 1 for i, d in enumerate(datas)}
    assert workers.letter_pages == here.letter_pages
    assert text_of(workers.pdf) == text_of(here.pdf)
    assert workers.layout_cpu_seconds > 0  # measured in the workers and handed back


def test_progress_counts_the_letters_as_their_chunks_are_done_with_the_collector_on():
    seen = []
    datas = _datas(5)
    render.render_letters(datas, chunk_letters=2, progress=lambda n: seen.append((n, gc.isenabled())))
    assert seen == [(2, True), (2, True), (1, True)]


def test_a_mixed_batch_keeps_each_letter_on_its_own_pages(proxy_application):
    inquiry_a, form, inquiry_b = _datas(3)
    form.kind = "application_form"
    mailing = render.mailing_list_html(
        office=proxy_application.office,
        on=proxy_application.received_at.date(),
        number=1,
        rows=[],
        printed_at=proxy_application.received_at,
    )
    batch = render.render_letters([inquiry_a, form, inquiry_b], extra_fragments=[mailing])
    form_pages = batch.letter_pages[form.reference]
    assert batch.first_pages == {inquiry_a.reference: 1, form.reference: 3, inquiry_b.reference: 3 + form_pages}
    assert batch.page_count == 2 + form_pages + 2 + 1
    pages = text_of(batch.pdf)
    assert "電子証明書の発行申請に係る照会書" in pages[0] and inquiry_a.reference in pages[0]
    assert "電子証明書の発行申請に係る照会書" in pages[2 + form_pages]
    # the mailing list is a document of its own: its pages are numbered by themselves, not the letters'
    assert "差出票" in pages[-1] and "1 / 1頁" in pages[-1]


def test_form_placeholders_are_measured_through_anchors_and_probes_give_the_same_boxes():
    html = render.document_html(
        [
            '<div class="page"><div style="position: absolute; left: 20mm; top: 30mm; width: 40mm">'
            '<div data-slot="one">&nbsp;</div></div>'
            '<div style="position: absolute; left: 100mm; top: 50mm; width: 18mm; height: 18mm" data-slot="two">'
            "</div></div>"
        ]
    )
    css, base = engine.stylesheet_text(), engine.base_url()
    _pdf, pages, slots = pdfengine.form_pdf(html, css, base, ["one", "two"])
    mm = 96 / 25.4
    assert pages == 1
    assert slots["one"].x == pytest.approx(20 * mm, abs=0.01) and slots["one"].width == pytest.approx(40 * mm)
    assert slots["two"].y == pytest.approx(50 * mm, abs=0.01) and slots["two"].height == pytest.approx(18 * mm)

    class Points:  # a WeasyPrint whose Page.anchors are points, as its documentation says
        def __init__(self, document):
            self.pages = [type("P", (), {"anchors": {k: v[:2] for k, v in p.anchors.items()}}) for p in document.pages]

    probed = pdfengine.layout(pdfengine.with_style(html, pdfengine.slot_probe_css(["one", "two"])), css, base)
    plain = pdfengine.layout(pdfengine.with_style(html, pdfengine.slot_anchor_css(["one", "two"])), css, base)
    assert pdfengine.measure_slots(Points(plain), ["one", "two"]) is None  # no probes: cannot tell the size
    from_points = pdfengine.measure_slots(Points(probed), ["one", "two"])
    for name in ("one", "two"):
        for attribute in ("page", "x", "y", "width", "height"):
            assert getattr(from_points[name], attribute) == pytest.approx(getattr(slots[name], attribute), abs=0.01)


def test_the_inquiry_form_has_all_its_placeholders():
    render.clear_form_cache()
    fragments, forms = engine.prepare(_datas(1))
    layout = forms[0]
    assert {"ref1", "qr1", "date", "to", "ref2", "pageno1"} <= set(layout.slots)
    assert all(width > 0 for _page, _x, _y, width, _h in layout.slots.values())
    assert layout.page_count == 2 and layout.pdf.startswith(b"%PDF")


def test_extract_refuses_pages_outside_the_batch_and_keeps_its_pages():
    batch = render.render_letters(_datas(2))
    with pytest.raises(ValueError):
        pdfjoin.extract(batch.pdf, 4, 2)
    with pytest.raises(ValueError):
        pdfjoin.extract(batch.pdf, 0, 1)
    one = pdfjoin.extract(batch.pdf, 3, 2)
    with pikepdf.open(io.BytesIO(one)) as doc:
        assert len(doc.pages) == 2
    assert text_of(one) == text_of(batch.pdf)[2:4]


def test_render_processes_follows_the_setting(settings):
    settings.LETTER_RENDER_PROCESSES = 3
    assert engine.render_processes() == 3
    settings.LETTER_RENDER_PROCESSES = 0
    assert engine.render_processes() == 1


def test_the_batch_screen_shows_how_many_letters_are_made_while_it_renders(client, clerk, office, monkeypatch):
    from letters import batches, services
    from letters.models import MailingBatch

    from .test_batch_faults import make_proxy_applications, status_url

    make_proxy_applications(3, clerk=clerk, office=office)
    batch = services.mailing_batch_create(actor=clerk, reason="本日分", office=office, enqueue=False)
    monkeypatch.setattr(engine, "CHUNK_LETTERS", 1)  # a chunk per letter: three steps
    client.force_login(clerk)
    seen = []

    def look(_letters):
        current = MailingBatch.objects.get(pk=batch.pk)
        status = batches.batch_status(current)
        html = client.get(status_url(current)).content.decode()
        seen.append((status.state, status.progress, f'value="{status.progress[0]}" max="3"' in html))

    batches.mailing_batch_print(batch=batch, actor=clerk, reason="本日分", progress=look)
    assert seen == [("rendering", (1, 3), True), ("rendering", (2, 3), True), ("rendering", (3, 3), True)]
    batch.refresh_from_db()
    status = batches.batch_status(batch)
    assert status.state == "done" and status.progress is None
    assert not (batches._progress_path(batch.pk)).exists()  # the counter goes with the rendering


def test_workers_that_die_leave_the_rest_of_the_batch_to_this_process(monkeypatch):
    """A worker killed (out of memory, say) breaks the pool: the documents not done are laid out here,
    each reported done once."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class DyingPool:
        """Does the first document, then dies as a pool whose worker was killed does."""

        def __init__(self, *args, **kwargs):
            self.submitted = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, function, *args):
            self.submitted += 1
            future = Future()
            if self.submitted == 1:
                future.set_result(function(*args))
            else:
                future.set_exception(BrokenProcessPool("a worker was killed"))
            return future

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(pdfengine, "ProcessPoolExecutor", DyingPool)
    done = []
    datas = _datas(3)
    batch = render.render_letters(datas, chunk_letters=1, processes=2, progress=done.append)
    assert batch.page_count == 6 and batch.first_pages == {d.reference: 2 * i + 1 for i, d in enumerate(datas)}
    assert done == [1, 1, 1]
    assert all(d.reference in text_of(batch.pdf)[2 * i] for i, d in enumerate(datas))


def test_a_letter_cut_out_of_a_batch_with_one_shared_resource_dictionary_keeps_its_own_only():
    """Batches stored before this engine came straight from WeasyPrint: one resource dictionary for all
    pages. Cutting a letter out of such a file still leaves it its own images only."""
    datas = _datas(3)
    doc = next(engine._documents(datas, (), "old", 40))
    pdf, pages = pdfengine.html_pdf(doc.html, engine.stylesheet_text(), engine.base_url())
    with pikepdf.open(io.BytesIO(pdf)) as whole:
        assert len({page.obj.Resources.objgen for page in whole.pages}) == 1  # shared, as WeasyPrint writes it
        everything = {
            obj.read_bytes()
            for obj in whole.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        }
    one = pdfjoin.extract(pdf, 3, 2)
    with pikepdf.open(io.BytesIO(one)) as cut:
        images = {
            obj.read_bytes()
            for obj in cut.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        }
    assert pages == 6 and len(everything) == 3 and len(images) == 1  # its barcode (the QR code is vector)
    text = "".join(text_of(one))
    assert datas[1].reference in text and datas[0].reference not in text and datas[2].reference not in text
