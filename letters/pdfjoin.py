"""Joining PDFs, drawing form layers under pages, and cutting one letter out of a batch (pikepdf).

- :func:`assemble`: the parts of a batch (each a PDF written by WeasyPrint) joined in order, every page
  left with its own resources only (WeasyPrint gives all the pages of a document one shared resource
  dictionary), and the form layer drawn under the pages that need it: one form XObject per form page,
  copied once into the output and shown by every page that uses it (``Page.add_underlay``).
- :func:`extract`: the pages of one letter as a PDF that holds that letter and nothing of any other
  resident: only the objects its pages reference, and every font cut down to the glyphs these pages
  show (the font program, its widths and its ToUnicode map), since a batch's font subsets hold the
  glyphs of every name and address of the batch.

pikepdf's public API only (and fontTools for the font programs).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Name


@dataclass
class Part:
    """A PDF to append, and for some of its pages the form page to draw under them.

    ``underlays`` maps a page index of this part to ``(form key, form page index)``.
    """

    pdf: bytes
    underlays: Mapping[int, tuple[str, int]] = field(default_factory=dict)


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def assemble(parts: Sequence[Part], forms: Mapping[str, bytes]) -> bytes:
    """One PDF of ``parts`` in order, each page with its own resources, form pages drawn underneath."""
    out = pikepdf.new()
    sources = []
    ranges = []
    for part in parts:
        source = pikepdf.open(io.BytesIO(part.pdf))
        sources.append(source)
        start = len(out.pages)
        out.pages.extend(source.pages)
        ranges.append((start, part))
    out.remove_unreferenced_resources()  # per page: a page keeps only what its content uses
    form_sources: dict[str, pikepdf.Pdf] = {}
    xobjects: dict[tuple[str, int], pikepdf.Object] = {}
    for start, part in ranges:
        for index, (key, form_page) in sorted(part.underlays.items()):
            xobject = xobjects.get((key, form_page))
            if xobject is None:
                source = form_sources.get(key)
                if source is None:
                    source = form_sources[key] = pikepdf.open(io.BytesIO(forms[key]))
                xobject = xobjects[(key, form_page)] = out.copy_foreign(source.pages[form_page].as_form_xobject())
            out.pages[start + index].add_underlay(xobject)
    data = _save(out)
    for source in (*sources, *form_sources.values()):
        source.close()
    return data


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


# --- one letter out of a batch -------------------------------------------------------------------


def extract(pdf: bytes, first_page: int, count: int) -> bytes:
    """Pages ``first_page`` .. ``first_page + count - 1`` (1-based) of ``pdf`` as a PDF of their own,
    with nothing in it that these pages do not show (see the module's docstring)."""
    with pikepdf.open(io.BytesIO(pdf)) as source:
        if first_page < 1 or count < 1 or first_page - 1 + count > len(source.pages):
            raise ValueError(f"pages {first_page}+{count} outside a PDF of {len(source.pages)} pages")
        out = pikepdf.new()
        out.pages.extend(source.pages[first_page - 1 : first_page - 1 + count])
        for page in out.pages:
            if Name.Annots in page.obj:  # a letter has no links; an annotation could point to other pages
                del page.obj[Name.Annots]
        out.remove_unreferenced_resources()
        subset_fonts(out)
        return _save(out)


_TEXT_SHOWING = {"Tj", "'", '"', "TJ"}


def _font_codes(pdf: pikepdf.Pdf) -> dict[tuple[int, int], set[int]]:
    """The 2-byte codes (CIDs = glyph ids) shown with each Type0 font, by the font's object id."""
    used: dict[tuple[int, int], set[int]] = {}
    seen: set[tuple[int, int]] = set()

    def walk(content_owner, resources) -> None:
        fonts = resources.get(Name.Font, {}) if resources is not None else {}
        xobjects = resources.get(Name.XObject, {}) if resources is not None else {}
        font = None
        stack: list = []
        for operands, operator in pikepdf.parse_content_stream(content_owner):
            op = str(operator)
            if op == "q":
                stack.append(font)
            elif op == "Q":
                font = stack.pop() if stack else None
            elif op == "Tf" and operands:
                font = fonts.get(operands[0])
            elif op in _TEXT_SHOWING and font is not None and font.get(Name.Subtype) == Name.Type0:
                codes = used.setdefault(font.objgen, set())
                strings = operands[-1] if op == "TJ" else [operands[-1]]
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        codes.update(int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2))
            elif op == "Do" and operands:
                xobject = xobjects.get(operands[0])
                if xobject is not None and xobject.get(Name.Subtype) == Name.Form and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    walk(xobject, xobject.get(Name.Resources, resources))

    for page in pdf.pages:
        walk(page, page.obj.get(Name.Resources))
    return used


def _widths(array) -> dict[int, object]:
    """A CIDFont's /W array as {cid: width}."""
    found: dict[int, object] = {}
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                found[first + offset] = width
            i += 2
        else:
            last, width = int(items[i + 1]), items[i + 2]
            for cid in range(first, last + 1):
                found[cid] = width
            i += 3
    return found


_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_SECTION = re.compile(rb"begin(bfchar|bfrange)(.*?)end\1", re.S)


def _to_unicode(cmap: bytes) -> dict[int, bytes]:
    """A ToUnicode CMap's bfchar and bfrange entries as {code: UTF-16BE bytes}."""
    found: dict[int, bytes] = {}
    for kind, body in _SECTION.findall(cmap):
        if kind == b"bfchar":
            for code, target in _BFCHAR.findall(body):
                found[int(code, 16)] = bytes.fromhex(target.decode())
            continue
        for low, high, target in _BFRANGE.findall(body):
            low_i, high_i = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                for offset, item in enumerate(re.findall(rb"<([0-9A-Fa-f]*)>", target)):
                    found[low_i + offset] = bytes.fromhex(item.decode())
            else:
                start = bytes.fromhex(target[1:-1].decode())
                for offset in range(high_i - low_i + 1):
                    value = int.from_bytes(start, "big") + offset
                    found[low_i + offset] = value.to_bytes(len(start), "big")
    return found


def _cmap_stream(entries: Mapping[int, bytes]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(entries.items())
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        lines.extend(f"<{code:04x}> <{target.hex()}>".encode() for code, target in chunk)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _subset_program(data: bytes, gids: Iterable[int]) -> bytes:
    """A TrueType/OpenType font program with only ``gids`` (and .notdef) left, glyph ids unchanged."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(
        retain_gids=True,
        passthrough_tables=True,
        ignore_missing_glyphs=True,
        notdef_outline=True,
        hinting=False,
        desubroutinize=True,
        name_IDs=["*"],
        name_languages=["*"],
    )
    font = TTFont(io.BytesIO(data), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(set(gids) | {0}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_fonts(pdf: pikepdf.Pdf) -> None:
    """Cut every Type0 font of ``pdf`` down to the glyphs its pages show (program, /W and /ToUnicode).

    A font program shared by two font dictionaries (a face and its synthetic bold) keeps the glyphs of
    both. A font whose every glyph is shown is left as it is.
    """
    used = _font_codes(pdf)
    by_program: dict[tuple[int, int], tuple[pikepdf.Object, set[int]]] = {}
    done: set[tuple[int, int]] = set()
    for page in pdf.pages:
        fonts = page.obj.get(Name.Resources, {}).get(Name.Font, {})
        candidates = list(fonts.values())
        for xobject in page.obj.get(Name.Resources, {}).get(Name.XObject, {}).values():
            candidates.extend(xobject.get(Name.Resources, {}).get(Name.Font, {}).values())
        for font in candidates:
            if font.objgen in done:
                continue
            done.add(font.objgen)
            if font.get(Name.Subtype) != Name.Type0 or Name.DescendantFonts not in font:
                continue
            codes = used.get(font.objgen, set())
            descendant = font.DescendantFonts[0]
            widths = _widths(descendant.get(Name.W, pikepdf.Array()))
            if Name.W in descendant and set(widths) <= codes:
                continue  # every glyph it has is shown
            descendant.W = pikepdf.Array(
                [x for cid in sorted(codes) if cid in widths for x in (cid, pikepdf.Array([widths[cid]]))]
            )
            if Name.ToUnicode in font:
                entries = _to_unicode(font.ToUnicode.read_bytes())
                font.ToUnicode = pdf.make_stream(_cmap_stream({c: t for c, t in entries.items() if c in codes}))
            descriptor = descendant.get(Name.FontDescriptor)
            if descriptor is None:
                continue
            if Name.CIDSet in descriptor:
                del descriptor[Name.CIDSet]
            for key in (Name.FontFile2, Name.FontFile3, Name.FontFile):
                if key in descriptor:
                    program = descriptor[key]
                    _program, gids = by_program.setdefault(program.objgen, (program, set()))
                    gids.update(codes)
                    break
    for program, gids in by_program.values():
        data = _subset_program(program.read_bytes(), gids)
        program.write(data)
        if Name.Length1 in program:
            program.Length1 = len(data)
