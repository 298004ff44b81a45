"""Mail-safety (LETTERS.md): the address block is wholly visible in the envelope window with 3 mm of play,
for every name and address the register accepts, checked on the text layer AND on the ink of a raster
render; what does not fit is refused naming the field; no fallback face, no .notdef; QR codes read at
100 dpi on every page of every letter kind."""

import logging
from datetime import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from letters import fit, render
from letters.samples import sample_application

from .pdfcheck import MM, chars, dark_pixels, font_families, glyph_problems, images, qr_codes, raster

DPI = 150
AT = timezone.make_aware(datetime(2026, 11, 25, 10, 0))
ALL_KINDS = ("inquiry", "application_form", "inquiry_request", "validity_slip")
IPA_FACES = {"IPAmjMincho", "IPAexMincho", "IPAexMincho-Bold"}

# Character classes of the register: kanji (with 𠮷, 髙, 﨑, 鷗 and IVS sequences), kana, full-width digits,
# Latin capitals and spaces (foreign residents' names), and the punctuation of 方書.
KANJI = [*"山田川本中村吹田泉町丁目番号辻葛邊齋藤髙𠮷﨑鷗"] + ["辻\U000e0100", "葛\U000e0100", "邊\U000e0101"]
KANA = [*"アイウエオカキクケコサシスセソタチツテトナニヌネノハマヤユヨラリルレロワンァィャュョッーあいうえおっ"]
DIGITS = [*"０１２３４５６７８９"]
LATIN = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [" "]
PUNCT = ["・", "　", "－", "（", "）", "号室", "棟"]


def text(max_len: int, *, min_len: int = 0, classes=(KANJI, KANA, DIGITS, PUNCT), long: bool = False):
    """Register text of at most ``max_len`` code points (Django's max_length), from the given classes."""
    tokens = st.sampled_from([t for cls in classes for t in cls])
    size = st.one_of(st.just(max_len), st.integers(min_len, max_len)) if long else st.integers(min_len, max_len)

    def build(draw_tokens_and_size):
        parts, limit = draw_tokens_and_size
        out = ""
        for part in parts:
            if len(out) + len(part) > limit:
                break
            out += part
        return out.strip(" 　") or "山"

    return st.tuples(st.lists(tokens, min_size=max_len, max_size=max_len), size).map(build)


POSTAL = st.from_regex(r"5[0-9]{2}-[0-9]{4}", fullmatch=True)
NAME_CLASSES = (KANJI, KANA, LATIN)


def _data(**fields):
    app, certs = sample_application(0, at=AT)
    for key, value in fields.items():
        setattr(app.resident, key, value)
    return render.LetterData(
        kind="inquiry", application=app, reference="SU-2026-000777", rendered_at=AT, certificates=certs
    )


def _mm_box(box):
    return tuple(v * MM for v in box)


def _window_and_inner():
    left, top, width, height = render.window_mm()
    play = render.WINDOW_PLAY_MM
    window = (left, top, left + width, top + height)
    inner = (left + play, top + play, left + width - play, top + height - play)
    return window, inner


def assert_block_visible(pdf: bytes, resident) -> None:
    """(a) every character and image near the window lies inside the window less 3 mm; (b) each of them
    has ink where the text layer puts it, the barcode keeps 2 mm of blank quiet space, and the window
    shows no ink outside the block."""
    window, inner = _window_and_inner()
    near = (window[0] - 5, window[1] - 5, window[2] + 5, window[3] + 5)
    near_pt, inner_pt = _mm_box(near), _mm_box(inner)
    page = chars(pdf, 0)
    block = [c for c in page if c["x1"] > near_pt[0] and c["x0"] < near_pt[2] and c["bottom"] > near_pt[1]]
    block = [c for c in block if c["top"] < near_pt[3]]
    for c in block:
        assert inner_pt[0] - 0.01 <= c["x0"] and c["x1"] <= inner_pt[2] + 0.01, (c["text"], c["x0"] / MM, c["x1"] / MM)
        assert inner_pt[1] - 0.01 <= c["top"] and c["bottom"] <= inner_pt[3] + 0.01, (c["text"], c["top"] / MM)
    printed = "".join(c["text"] for c in block)
    compact = printed.replace(" ", "").replace("　", "")
    assert f"〒{resident.postal_code}" in compact
    assert "転送不要" in compact and "様" in compact
    for part in (resident.name, resident.address_town, resident.address_building):
        for char in part:
            if char.strip() and not 0xE0100 <= ord(char) <= 0xE01EF:
                assert char in printed, (char, part)

    image = raster(pdf, page=1, dpi=DPI)
    for c in block:  # (b) ink under every character of the block
        if c["text"].strip():
            assert dark_pixels(image, (c["x0"], c["top"], c["x1"], c["bottom"]), dpi=DPI) >= 2, c["text"]
    barcodes = [i for i in images(pdf, 0) if i["x0"] < near_pt[2] and i["top"] < near_pt[3]]
    for bar in barcodes:
        box = (bar["x0"], bar["top"], bar["x1"], bar["bottom"])
        assert inner_pt[0] <= box[0] and box[2] <= inner_pt[2] and inner_pt[1] <= box[1] and box[3] <= inner_pt[3]
        assert dark_pixels(image, box, dpi=DPI) > 50
        assert (box[3] - box[1]) / (box[2] - box[0]) == pytest.approx(3.5 / 79.8, rel=0.01)  # long bar 3.5 mm at 10 pt
        quiet = 2.0 * MM
        inset = 0.3 * MM  # anti-aliasing of the bars' own edges
        for ring in (
            (box[0] - quiet, box[1] - quiet, box[2] + quiet, box[1] - inset),  # above
            (box[0] - quiet, box[3] + inset, box[2] + quiet, box[3] + quiet),  # below
            (box[0] - quiet, box[1], box[0] - inset, box[3]),  # left
            (box[2] + inset, box[1], box[2] + quiet, box[3]),  # right
        ):
            assert dark_pixels(image, ring, dpi=DPI) == 0, "ink in the barcode's quiet space"
    inset = 0.3 * MM
    w, i = _mm_box(window), inner_pt
    for ring in (
        (w[0], w[1], w[2], i[1] - inset),
        (w[0], i[3] + inset, w[2], w[3]),
        (w[0], w[1], i[0] - inset, w[3]),
        (i[2] + inset, w[1], w[2], w[3]),
    ):
        assert dark_pixels(image, ring, dpi=DPI) == 0, "ink in the window outside the address block"


def _render_or_refusal(data):
    try:
        return render.render_letter(data).pdf, None
    except fit.LetterRefused as refused:
        return None, refused


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=text(20, min_len=2, classes=NAME_CLASSES),
    alias=st.one_of(st.just(""), text(12, min_len=1, classes=NAME_CLASSES)),
    town=text(16, min_len=4),
    block=text(10),
    building=text(60, long=True),
    postal=POSTAL,
)
def test_everyday_addresses_print_wholly_inside_the_window(name, alias, town, block, building, postal):
    data = _data(
        name=name,
        alias_name=alias,
        address_town=town,
        address_block=block,
        address_building=building,
        postal_code=postal,
    )
    pdf, refused = _render_or_refusal(data)
    assert refused is None, refused
    assert_block_visible(pdf, data.application.resident)


LIMITS = {"name": 100, "alias_name": 100, "address_town": 100, "address_block": 60, "address_building": 100}
MODERATE = {"name": 16, "alias_name": 12, "address_town": 14, "address_block": 8, "address_building": 40}


@st.composite
def worst_resident(draw):
    """One field (or none, or the 方書 with the 通称) at or near the register's max_length, the others moderate:
    the longest of each kind, one at a time, in every character class."""
    long_fields = draw(st.sampled_from([(), *[(f,) for f in LIMITS], ("address_building", "alias_name")]))
    fields = {}
    for name, limit in LIMITS.items():
        classes = NAME_CLASSES if name in ("name", "alias_name") else (KANJI, KANA, DIGITS, PUNCT)
        if name in long_fields:
            fields[name] = draw(text(limit, min_len=limit // 2, classes=classes, long=True))
        elif name == "alias_name":
            fields[name] = draw(st.one_of(st.just(""), text(MODERATE[name], min_len=1, classes=classes)))
        else:
            fields[name] = draw(text(MODERATE[name], min_len=1, classes=classes))
    fields["postal_code"] = draw(POSTAL)
    return fields


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=worst_resident())
def test_worst_cases_print_inside_the_window_or_are_refused_naming_the_field(fields):
    data = _data(**fields)
    pdf, refused = _render_or_refusal(data)
    event("refused" if refused is not None else "printed")
    if refused is not None:
        assert isinstance(refused, fit.AddressBlockDoesNotFit)
        assert refused.field_label in ("氏名", "通称", "住所", "方書")
        assert refused.field_label in refused.messages[0]
        return
    resident = data.application.resident
    assert_block_visible(pdf, resident)
    if fields["alias_name"]:
        assert "通称" in "".join(c["text"] for c in chars(pdf, 0))


def test_the_specimen_worst_case_has_a_three_line_building_and_a_barcode():
    app, certs = sample_application(0, at=AT, worst=True)
    data = render.LetterData(kind="inquiry", application=app, reference="SU-2026-000778", rendered_at=AT)
    block, barcode = render.address_block(app.resident)
    assert len(block.building) == 3 and block.barcode_pt and barcode
    assert block.name.size_pt >= 9
    assert_block_visible(render.render_letter(data).pdf, app.resident)


def test_a_short_address_keeps_the_large_type():
    block, _barcode = render.address_block(_data().application.resident)
    assert (block.name.size_pt, block.address[0].size_pt, block.postal.size_pt) == (14.0, 10.0, 10.0)


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"name": "髙" * 100}, "氏名"),
        ({"name": "ALEXANDER " * 10}, "氏名"),
        ({"alias_name": "𠮷" * 60}, "通称"),
        ({"address_town": "大阪府吹田市" * 16}, "住所"),
    ],
)
def test_too_long_a_field_is_refused_with_a_message_naming_it(fields, label):
    with pytest.raises(fit.AddressBlockDoesNotFit) as refused:
        render.render_letter(_data(**fields))
    assert refused.value.field_label == label
    assert f"{label}が長すぎる" in refused.value.messages[0]


def test_a_building_that_does_not_fit_a_small_window_is_refused_naming_the_building(settings):
    settings.LETTER_WINDOW_MM = (25.0, 16.0, 86.0, 28.0)
    with pytest.raises(fit.AddressBlockDoesNotFit) as refused:
        render.render_letter(_data(address_building="山田ハイツ" * 20))
    assert refused.value.field_label == "方書"
    assert "方書が長すぎる" in refused.value.messages[0]


def test_the_default_window_leaves_room_for_the_envelope_and_the_letters_movement():
    left, top, width, height = render.DEFAULT_WINDOW_MM
    assert tuple(settings.LETTER_WINDOW_MM) == render.DEFAULT_WINDOW_MM
    # a 90 × 45 mm window at 23 mm / 12–14 mm, less 2 mm each way for the letter's movement
    assert left >= 23 + 2 and left + width <= 23 + 90 - 2
    assert top >= 14 + 2 and top + height <= 12 + 45 - 2


@pytest.mark.parametrize(
    ("fields", "label", "char"),
    [
        ({"name": "김　철수"}, "氏名", "김"),
        ({"address_building": "ハイツỄ101号室"}, "方書", "Ễ"),
        ({"alias_name": "Ị山"}, "通称", "Ị"),
    ],
)
def test_a_character_no_letter_font_has_refuses_the_letter_naming_field_and_character(fields, label, char):
    for kind in ALL_KINDS:
        data = _data(**fields)
        data.kind = kind
        with pytest.raises(fit.UnprintableCharacter) as refused:
            render.render_letter(data)
        assert label in refused.value.messages[0] and char in refused.value.messages[0]


def test_letter_refusal_tells_why_a_letter_cannot_be_printed_or_none():
    assert render.letter_refusal(_data()) is None
    assert "김" in render.letter_refusal(_data(name="김　철수"))
    assert "方書" in render.letter_refusal(_data(address_building="ハイツỄ"))
    proxy_only = _data()
    proxy_only.application.proxy.proxy_name = "김　영희"
    assert "代理人の氏名" in render.letter_refusal(proxy_only)
    proxy_only.kind = "validity_slip"  # the slip prints the resident only
    assert render.letter_refusal(proxy_only) is None


def test_the_glyph_check_catches_a_missing_glyph():
    """The check used below truly fails for 김 and Ễ (rendered here without the letter's refusal)."""
    html = render.document_html(['<div class="page"><p class="reg">髙橋 김 Ễ</p></div>'])
    pdf = render.write_pdf(render.html_to_document(html))
    problems = glyph_problems(pdf, ["髙橋 김 Ễ"])
    assert any("김" in p for p in problems) and any("Ễ" in p for p in problems)
    assert not font_families(pdf) <= IPA_FACES


def _letter(kind):
    app, certs = sample_application(0, at=AT, worst=True)
    return render.LetterData(
        kind=kind,
        application=app,
        reference=f"SU-2026-00{ALL_KINDS.index(kind)}123",
        rendered_at=AT,
        certificates=certs,
    )


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_uses_exactly_the_mincho_faces_and_no_notdef(kind, caplog):
    data = _letter(kind)
    resident = data.application.resident
    with caplog.at_level(logging.WARNING):
        pdf = render.render_letter(data).pdf
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    faces = font_families(pdf)
    assert {"IPAmjMincho", "IPAexMincho"} <= faces <= IPA_FACES, faces
    printed = [resident.name] if kind == "validity_slip" else [resident.name, resident.address_town]
    assert glyph_problems(pdf, printed) == []


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_page_qr_code_reads_at_100_dpi(kind):
    data = _letter(kind)
    pages = qr_codes(render.render_letter(data).pdf, dpi=100)
    assert pages and all(codes == [data.reference] for codes in pages), pages


def test_nothing_but_the_address_block_in_the_window_area_of_the_top_panel():
    """The return address, 「返送してください」 and 「様式 照会書兼回答書」 lie outside the window and its margin
    for the letter's movement: the top panel to the left of the reference box holds the block only."""
    pdf = render.render_letter(_data()).pdf
    window, inner = _window_and_inner()
    zone = _mm_box((0, 0, 130, 99))
    inner_pt = _mm_box(inner)
    for c in chars(pdf, 0):
        if c["x0"] < zone[2] and c["top"] < zone[3]:
            assert inner_pt[0] <= c["x0"] and c["bottom"] <= inner_pt[3], (c["text"], c["x0"] / MM, c["top"] / MM)
    text = "".join(c["text"] for c in chars(pdf, 0))
    assert "様式照会書兼回答書" in text.replace(" ", "") and "06-6384-1231" in text


@pytest.mark.django_db
def test_letter_create_refuses_a_resident_whose_name_cannot_be_printed(proxy_application, clerk):
    from django.core.exceptions import ValidationError

    from letters.models import Letter
    from letters.services import letter_create

    resident = proxy_application.resident
    resident.name = "김　철수"
    resident.save()
    with pytest.raises(ValidationError) as refused:
        letter_create(kind="inquiry", application=proxy_application, actor=clerk, reason="照会書の作成")
    assert "氏名" in str(refused.value) and "김" in str(refused.value)
    assert not Letter.objects.filter(application=proxy_application).exists()


@pytest.mark.parametrize("window", [(23.0, 12.0, 90.0, 45.0), (20.0, 15.0, 95.0, 48.0), (25.0, 16.0, 80.0, 36.0)])
def test_the_worst_case_fits_other_window_settings_too(settings, window):
    settings.LETTER_WINDOW_MM = window
    app, certs = sample_application(0, at=AT, worst=True)
    data = render.LetterData(kind="inquiry", application=app, reference="SU-2026-000779", rendered_at=AT)
    assert_block_visible(render.render_letter(data).pdf, app.resident)


def test_the_qr_code_is_vector_and_the_only_picture_is_the_barcode():
    pdf = render.render_letter(_data()).pdf
    pictures = images(pdf, 0)
    assert len(pictures) == 1  # the customer barcode; the QR code is drawn as paths
    assert pictures[0]["top"] < 99 * MM and (pictures[0]["x1"] - pictures[0]["x0"]) / MM < 80
