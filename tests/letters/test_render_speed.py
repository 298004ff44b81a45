"""The fast batch: a form layer laid out once and drawn once per PDF, a small fill layer per letter, fills
laid out in chunks, raster QR and customer barcode at exact geometry, fixed and margin boxes as WeasyPrint
draws them (no replaced WeasyPrint function any more)."""

import gc
import io
import re

import pikepdf
import pytest
from PIL import Image

from letters import engine, pdfengine, render
from letters.barcode import customer_barcode, customer_barcode_svg

from .pdfcheck import MM, chars, font_names, text_of
from .test_barcode import _rects
from .test_render import EXPECTED_FONTS


def _form_names_per_page(pdf: bytes) -> list[list[tuple[int, int]]]:
    """Per page, the form XObjects its content draws (``Do``), as object ids: the same object on two
    pages is the same form drawn twice, stored once."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            xobjects = page.obj.Resources.get("/XObject", {})
            forms = {str(name): ref.objgen for name, ref in xobjects.items() if ref.get("/Subtype") == "/Form"}
            contents = page.obj.Contents
            parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
            data = b"\n".join(part.read_bytes() for part in parts)
            used = [f"/{name.decode()}" for name in re.findall(rb"/([^\s/<>()\[\]]+)\s+Do\b", data)]
            found.append([forms[name] for name in used if name in forms])
    return found


def test_the_fills_are_laid_out_in_chunks_and_the_form_once(monkeypatch):
    calls = []
    original = pdfengine.layout
    monkeypatch.setattr(pdfengine, "layout", lambda html, *a: calls.append(html) or original(html, *a))
    render.clear_form_cache()
    datas = [render.sample_letter_data(i) for i in range(5)]
    batch = render.render_letters(datas, chunk_letters=2)
    assert batch.page_count == 10
    assert len(calls) == 1 + 3  # the form (one variant), then the letters two at a time
    assert [batch.first_pages[d.reference] for d in datas] == [1, 3, 5, 7, 9]
    calls.clear()
    render.render_letters(datas)
    assert len(calls) == 1  # the form is kept; five letters are one chunk by default
    assert engine.CHUNK_LETTERS >= 5
    assert gc.isenabled()


def test_every_letter_page_draws_the_same_form_xobject():
    datas = [render.sample_letter_data(i) for i in range(3)]
    pdf = render.render_letters(datas, chunk_letters=2).pdf  # two fill documents, one form
    per_page = _form_names_per_page(pdf)
    assert all(len(names) == 1 for names in per_page), per_page
    first, second = per_page[0][0], per_page[1][0]
    assert first != second
    assert [names[0] for names in per_page] == [first, second] * 3
    # form text is in the PDF once, yet every page shows it
    pages = text_of(pdf)
    assert all("回答書 兼 委任状" in pages[i] for i in (1, 3, 5))
    assert all("電子証明書の発行申請に係る照会書" in pages[i] for i in (0, 2, 4))
    assert {name for name, _, _ in font_names(pdf)} <= EXPECTED_FONTS


def _runs(page_chars, text):
    """Every run of ``text`` among a page's characters (in content-stream order)."""
    joined = "".join(c["text"] for c in page_chars)
    return [page_chars[m.start() : m.start() + len(text)] for m in re.finditer(re.escape(text), joined)]


def _line(page_chars, text):
    return _runs(page_chars, text)[0]


def test_fill_sits_in_the_form_placeholders():
    data = render.sample_letter_data(2)
    pdf = render.render_letter(data).pdf
    page2 = chars(pdf, 1)
    ref = [run for run in _runs(page2, data.reference) if abs(run[0]["size"] - 8.5 * 4 / 3 * 0.75) < 0.2][0]
    label = [run for run in _runs(page2, "照会番号") if abs(run[0]["bottom"] - ref[0]["bottom"]) < 0.5][0]
    after = _line(page2, "の電子証明書の新規発行の申請について")
    # the reference written into the sentence: on its line, between its label and the rest of the sentence
    assert abs(ref[0]["bottom"] - after[0]["bottom"]) < 0.5
    assert label[-1]["x1"] < ref[0]["x0"] < label[-1]["x1"] + 4 * MM
    assert ref[-1]["x1"] < after[0]["x0"] < ref[-1]["x1"] + 4 * MM
    page1 = chars(pdf, 0)
    visit1 = render.wareki(data.application.proxy.visit1_at)
    for label_text, value in (("申請日", visit1), ("受付窓口", "本庁"), ("代理人の氏名", "山田")):
        head = _line(page1, label_text)
        cells = [run[0] for run in _runs(page1, value) if abs(run[0]["bottom"] - head[0]["bottom"]) < 0.5]
        assert len(cells) == 1, (label_text, value)  # on the heading's baseline
        assert head[-1]["x1"] < cells[0]["x0"] < head[0]["x0"] + 40 * MM  # in the cell next to its heading
    # the reference box and the page number: right-aligned where the form leaves room for them
    for page in (page1, page2):
        top = [run for run in _runs(page, data.reference) if run[0]["top"] < 30 * MM][0]
        assert (210 - 12 - 18 - 3) * MM < top[-1]["x1"] < (210 - 12 - 18) * MM
        bottom = [run for run in _runs(page, data.reference) if run[0]["top"] > 280 * MM][0]
        assert bottom[0]["x0"] > 120 * MM


def test_a_long_proxy_name_is_shrunk_to_stay_in_its_cell():
    data = render.sample_letter_data(1)
    data.application.proxy.proxy_name = "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処"
    pdf = render.render_letter(data).pdf
    page1 = chars(pdf, 0)
    line = _line(page1, "寿限無寿限無")
    whole = [c for c in page1 if abs(c["bottom"] - line[0]["bottom"]) < 0.5 and c["x0"] >= line[0]["x0"]]
    assert whole[-1]["text"] == "）"
    assert max(c["x1"] for c in whole) <= (210 - 17) * MM
    assert line[0]["size"] < 10


def test_variants_of_one_batch_each_get_their_own_form():
    new = render.sample_letter_data(0)
    revocation = render.sample_letter_data(1)
    revocation.application.kind = "revocation"
    batch = render.render_letters([new, revocation])
    pages = text_of(batch.pdf)
    assert "発行申請に係る照会書" in pages[0] and "失効申請に係る照会書" in pages[2]
    assert "暗証番号（パスワード）の記入は不要" in pages[3] and "暗証番号（パスワード）の記入は不要" not in pages[1]
    assert batch.first_pages == {new.reference: 1, revocation.reference: 3}
    assert len({names[0] for names in _form_names_per_page(batch.pdf)}) == 4


def test_customer_barcode_picture_has_the_svg_geometry():
    chars_ = customer_barcode("100-0013", "1丁目3番2号 郵便プラザ503室")
    uri, width_mm, height_mm = render.customer_barcode_png(chars_)
    assert (width_mm, height_mm) == render.CUSTOMER_BARCODE_MM
    import base64

    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
    _root, rects = _rects(customer_barcode_svg(chars_))
    assert image.size == (2 * len(rects) - 1, 3)
    px_w, px_h = width_mm / image.size[0], height_mm / image.size[1]
    for i, rect in enumerate(rects):
        dark_rows = [y for y in range(3) if image.getpixel((2 * i, y)) == 0]
        assert rect["x"] == pytest.approx(2 * i * px_w, abs=1e-6)
        assert rect["width"] == pytest.approx(px_w, abs=1e-6)
        assert rect["y"] == pytest.approx(dark_rows[0] * px_h, abs=1e-6)
        assert rect["height"] == pytest.approx(len(dark_rows) * px_h, abs=1e-6)
        if i:
            assert all(image.getpixel((2 * i - 1, y)) == 255 for y in range(3))


def test_qr_picture_is_the_qr_matrix_with_its_quiet_zone():
    import base64

    import segno

    image = Image.open(io.BytesIO(base64.b64decode(render.qr_png_uri("SU-2026-000123").split(",", 1)[1])))
    matrix = segno.make("SU-2026-000123", error="m", micro=False).matrix
    assert image.size == (len(matrix) + 4, len(matrix) + 4)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            assert (image.getpixel((x + 2, y + 2)) == 0) == bool(dark)
    assert all(image.getpixel((x, 0)) == 255 for x in range(image.size[0]))


def test_fixed_boxes_and_page_margin_boxes_are_drawn():
    html = render.document_html(
        [
            '<div style="position: fixed; top: 5mm; left: 5mm">固定</div>',
            '<div class="page">一</div><div class="page">二</div><div class="page">三</div>',
        ]
    )
    pages = text_of(render.write_pdf(render.html_to_document(html)))
    assert len(pages) == 3 and all("固定" in page for page in pages)
    rows = [
        {
            "no": i,
            "reference": f"SU-2026-{i:06d}",
            "mail_class": "簡易書留",
            "tracking_number": "",
            "postal_code": "564-0041",
            "address": "大阪府吹田市泉町2丁目17番4号",
            "name": "髙橋　一郎",
        }
        for i in range(80)
    ]
    from django.utils import timezone

    from jpki.models import Office

    now = timezone.now()
    html = render.document_html(
        [
            render.mailing_list_html(
                office=Office(name="本庁 市民課"), on=now.date(), number=1, rows=rows, printed_at=now
            )
        ]
    )
    pages = text_of(render.write_pdf(render.html_to_document(html)))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}頁" in page  # @bottom-right of @page report
        assert "差出票" in page  # @bottom-left: string(report-title), on the pages after the first too
