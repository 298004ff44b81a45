"""One letter, one person (issue 11, item 2; LETTERS.md "Rendering"): the PDF of one letter, however it
is made (rendered alone, or cut out of the day's batch for a preview or a download), holds that letter's
text, images, fonts and resources, and nothing of any other resident.

A 20-letter batch is printed as the counter does it; each letter is then read back as the application
does (``letter_pdf_bytes``, and the preview URL for one) and looked into with pikepdf: its text, every
image object's bytes, every font's ToUnicode map and glyph program.
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from django.urls import reverse
from fontTools.ttLib import TTFont

from letters import render, services
from letters.models import Letter
from tests.factories import CardFactory, ResidentFactory

from .conftest import VISIT1
from .pdfcheck import text_of

FAMILY = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山口 松本 井上 木村 林 清水 斎藤 森 池田".split()
GIVEN = "一郎 二葉 三奈 四季 五月 六花 七海 八雲 九重 十和 百合 千草 万里 弥生 皐月 葵 楓 蓮 翼 茜".split()
COUNT = 20


def _people(n: int) -> list[dict]:
    return [
        {
            "name": f"{FAMILY[i]}　{GIVEN[i]}",
            "postal_code": f"564-{i + 11:04d}",
            "block": f"{i + 1}丁目{i + 2}番{i + 3}号",
            "proxy": f"代理{GIVEN[(i + 7) % n]}",
        }
        for i in range(n)
    ]


@pytest.fixture
def batch_of_20(clerk, office):
    from jpki import services as jpki_services

    people = _people(COUNT)
    for person in people:
        card = CardFactory(
            resident=ResidentFactory(
                name=person["name"],
                name_kana="テスト　タロウ",
                postal_code=person["postal_code"],
                address_town="大阪府吹田市泉町",
                address_block=person["block"],
            )
        )
        jpki_services.proxy_visit1(
            resident=card.resident,
            actor=clerk,
            reason="代理人による新規発行の申請（1回目）",
            kind="new",
            signing=True,
            user=True,
            proxy_name=person["proxy"],
            proxy_kana="ダイリ　タロウ",
            proxy_address="大阪府吹田市千里山西1丁目1番1号",
            proxy_birth_date=dt.date(1985, 4, 1),
            relation="子",
            proxy_postal_code="565-0851",
            office=office,
            at=VISIT1,
        )
    batch = services.mailing_batch_create(actor=clerk, reason="本日分の照会書", office=office)
    assert batch.render_state == "done"
    letters = list(
        Letter.objects.filter(batch=batch).select_related("application__resident").order_by("batch_first_page")
    )
    assert len(letters) == COUNT and all(not letter.pdf for letter in letters)  # they live in the batch's PDF
    with batch.pdf.open("rb") as fh:
        batch_pdf = fh.read()
    return batch, letters, batch_pdf


def _images(doc: pikepdf.Pdf, pages=None) -> set[bytes]:
    """The decoded bytes of every image object the given pages (all by default) can reach."""
    found: set[bytes] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources):
        for xobject in (resources or {}).get("/XObject", {}).values():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                found.add(xobject.read_bytes())
            elif xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in pages if pages is not None else doc.pages:
        walk(page.obj.get("/Resources"))
    return found


def _all_images(data: bytes) -> set[bytes]:
    """Every image object in the file, reachable or not from a page."""
    with pikepdf.open(io.BytesIO(data)) as doc:
        return {
            obj.read_bytes()
            for obj in doc.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        }


def _fonts(data: bytes) -> list[tuple[str, str, set[int], int, int]]:
    """Per font program of the letter's own text (the fonts of its pages; the form's fonts are the form
    XObject's, the same for every letter of a variant): (its fonts' names, the characters their ToUnicode
    maps give, the glyphs of the program's cmap that these maps do not give, the number of glyphs mapped,
    the number of glyphs with outlines in the program). A program may serve two font dictionaries (a face
    and its synthetic bold)."""
    from letters.pdfjoin import _to_unicode

    programs: dict[tuple[int, int], tuple[pikepdf.Object, list[str], dict[int, bytes]]] = {}
    with pikepdf.open(io.BytesIO(data)) as doc:
        for page in doc.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                _program, names, entries = programs.setdefault(program.objgen, (program, [], {}))
                names.append(str(font.BaseFont))
                entries.update(_to_unicode(font.ToUnicode.read_bytes()))
        found = []
        for program, names, entries in programs.values():
            font = TTFont(io.BytesIO(program.read_bytes()))
            glyf = font["glyf"] if "glyf" in font else None
            drawn = sum(1 for name in font.getGlyphOrder() if glyf is not None and glyf[name].numberOfContours != 0)
            mapped = "".join(t.decode("utf-16-be") for t in entries.values())
            # glyphs the program's own cmap can reach that the letter does not show
            cmap = {font.getGlyphID(name) for name in (font.getBestCmap() or {}).values()} - set(entries) - {0}
            found.append((" ".join(sorted(set(names))), mapped, cmap, len(entries), drawn))
    return found


def _form_xobjects(data: bytes) -> set[bytes]:
    with pikepdf.open(io.BytesIO(data)) as doc:
        return {
            xobject.read_bytes()
            for page in doc.pages
            for xobject in page.obj.Resources.get("/XObject", {}).values()
            if xobject.get("/Subtype") == "/Form"
        }


def test_each_letter_cut_out_of_a_20_letter_batch_holds_only_that_letter(batch_of_20):
    batch, letters, batch_pdf = batch_of_20
    with pikepdf.open(io.BytesIO(batch_pdf)) as doc:
        own_images = {
            letter.reference: _images(
                doc,
                doc.pages[letter.batch_first_page - 1 : letter.batch_first_page - 1 + letter.page_count],
            )
            for letter in letters
        }
    for refs in own_images.values():
        assert len(refs) >= 1  # the customer barcode (the QR code is vector: drawn in the page's own content)
    forms = []
    for letter in letters:
        others = [other for other in letters if other.pk != letter.pk]
        data = services.letter_pdf_bytes(letter)  # what the preview and the download serve
        pages = text_of(data)
        text = "".join(pages).replace(" ", "").replace("　", "")
        resident = letter.application.resident
        assert len(pages) == 2
        assert letter.reference in text and resident.name.replace("　", "") in text
        assert resident.postal_code in text
        for other in others:
            them = other.application.resident
            assert other.reference not in text
            assert them.name.replace("　", "") not in text
            assert them.postal_code not in text
            assert other.application.proxy.proxy_name not in text
        # images: exactly this letter's own, none of anyone else's, reachable or not
        images = _all_images(data)
        assert images == own_images[letter.reference]
        assert not images & set().union(*(own_images[o.reference] for o in others))
        # fonts: every font of its text maps, lists and draws the glyphs of this letter's pages only
        shown = set("".join(pages)) | {" ", "\u3000"}
        fonts = _fonts(data)
        assert any("IPAmjMincho" in name for name, *_ in fonts)  # the register's face, with the names in it
        for name, mapped, cmap, glyphs, drawn in fonts:
            assert {c for c in mapped if not c.isspace()} <= shown, (letter.reference, name, set(mapped) - shown)
            assert not cmap, (letter.reference, name, cmap)
            assert drawn <= glyphs + 1, (name, drawn, glyphs)  # a .notdef outline at most besides
        # the form layer drawn under the pages is the same for every letter: no one's data in it
        forms.append(_form_xobjects(data))
    assert all(found == forms[0] for found in forms) and len(forms[0]) == 2


def test_the_batch_itself_holds_every_letter_and_each_page_its_own_resources(batch_of_20):
    batch, letters, batch_pdf = batch_of_20
    with pikepdf.open(io.BytesIO(batch_pdf)) as doc:
        resources = [page.obj.Resources.objgen for page in doc.pages]
        # a page's resource dictionary is its own (WeasyPrint shares one across a document)
        assert len(set(resources)) == len(resources) or all(r == (0, 0) for r in resources)
        first = letters[0]
        page_images = _images(doc, [doc.pages[first.batch_first_page - 1]])
        assert len(page_images) == 1  # its barcode, not the whole chunk's (the QR code is vector)
    text = "".join(text_of(batch_pdf))
    assert all(letter.reference in text for letter in letters)


def test_the_preview_of_a_batched_letter_is_that_letter_alone(batch_of_20, client, clerk):
    _batch, letters, _pdf = batch_of_20
    letter = letters[7]
    client.force_login(clerk)
    response = client.get(reverse("letters:preview", args=[letter.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = "".join(text_of(data))
    assert letter.reference in text
    assert not any(other.reference in text for other in letters if other.pk != letter.pk)
    assert len(_all_images(data)) == 1  # its barcode only (the QR code is vector)


def test_a_letter_rendered_alone_holds_only_its_own_glyphs():
    data = render.render_letter(render.sample_letter_data(3)).pdf
    shown = set("".join(text_of(data)))
    for name, mapped, cmap, _glyphs, _drawn in _fonts(data):
        assert {c for c in mapped if not c.isspace()} <= shown and not cmap, name
