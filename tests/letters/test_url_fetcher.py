"""Letters are rendered with a URL fetcher that refuses every URL but ``data:``: whatever a letter's
HTML holds (an ``<img>``, a style sheet, an ``@import``, a web font, a background image), the
server never makes an HTTP request and never reads a local file; the QR codes and barcodes, which
are data URIs, still print."""

from __future__ import annotations

import base64
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pdfplumber
import pytest
from PIL import Image

from letters import render


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


@pytest.fixture
def server():
    """A local HTTP server that answers every GET with a PNG and records the paths asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css" if self.path.endswith(".css") else "image/png")
            self.end_headers()
            self.wfile.write(b".fetched { color: red }" if self.path.endswith(".css") else PNG)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def _hostile_html(base: str, local_png) -> str:
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    fragment = f"""
      <style>@import url({base}/import.css);</style>
      <p>外部の資源を含む帳票</p>
      <img src="{base}/img.png" style="width:10mm;height:10mm">
      <img src="file:///etc/passwd" style="width:10mm;height:10mm">
      <img src="{local_png.as_uri()}" style="width:10mm;height:10mm">
      <img src="http://127.0.0.1:1/x.png" style="width:10mm;height:10mm">
      <link rel="stylesheet" href="{base}/sheet.css">
      <div class="bg" style="width:10mm;height:10mm">背景</div>
      <p class="remote-font">字</p>
      <img src="{data_uri}" style="width:10mm;height:10mm" alt="data">
    """
    css = f"""
      @font-face {{ font-family: Remote; src: url({base}/font.ttf); }}
      .remote-font {{ font-family: Remote; }}
      .bg {{ background-image: url({base}/bg.png); }}
    """
    return render.document_html([fragment], title="url", extra_css=css)


def _images(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return sum(len(page.images) for page in doc.pages)


@pytest.fixture
def local_png(tmp_path):
    path = tmp_path / "local.png"
    path.write_bytes(PNG)
    return path


def test_the_test_server_would_be_fetched_by_weasyprints_default_fetcher(server, local_png):
    """The control: the same HTML through WeasyPrint's own fetcher asks the server and reads the file."""
    from weasyprint import HTML

    base, hits = server
    pdf = HTML(string=_hostile_html(base, local_png)).write_pdf()
    assert {"/img.png", "/sheet.css", "/import.css"} <= set(hits), hits
    assert _images(pdf) >= 3  # the server's PNG, the local file and the data URI


def test_a_letter_fetches_no_url_and_reads_no_file(server, local_png, caplog):
    base, hits = server
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render.write_pdf(render.html_to_document(_hostile_html(base, local_png)))
    assert hits == []
    assert _images(pdf) == 1  # only the data URI
    refused = [r.getMessage() for r in caplog.records if "disallowed protocol" in r.getMessage()]
    for url in (
        f"{base}/img.png",
        "file:///etc/passwd",
        local_png.as_uri(),
        f"{base}/sheet.css",
        f"{base}/import.css",
        f"{base}/bg.png",
    ):
        assert any(url in message for message in refused), (url, refused)


def test_the_fetcher_allows_data_uris_only():
    fetcher = render.refusing_url_fetcher()
    response = fetcher("data:text/plain;base64," + base64.b64encode(b"ok").decode())
    assert response.read() == b"ok"
    for url in ("http://127.0.0.1:1/x", "https://example.org/", "file:///etc/passwd", "ftp://127.0.0.1/x"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(url)
