"""grants.platform.pdf engine: locked-down fetcher, CJK fonts, limits, metadata."""

from __future__ import annotations

import http.server
import io
import re
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from grants.platform import pdf
from tests.pdfs import font_names, text_of

CJK_DOC = (
    "<html><head><meta charset='utf-8'><title>測試標題 Test</title>"
    "<link rel='stylesheet' href='css/pdf/base.css'></head>"
    "<body><p>惠州市婦女聯合會 公益創投 ABC 123</p></body></html>"
)


@pytest.fixture
def static_root(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text('p.probe::before { content: "STATIC-CSS-REACHED "; }')
    (root / "secret.py").write_text("SECRET = 1")
    outside = tmp_path / "outside.css"
    outside.write_text('p.probe::after { content: " OUTSIDE-LEAKED"; }')
    (root / "css" / "link.css").symlink_to(outside)
    return root


@pytest.fixture
def http_probe():
    """A tiny HTTP server on 127.0.0.1 that counts every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b"p { color: red } p::before { content: 'HTTP-LEAKED' }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ------------------------------------------------------------------ fetcher


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:1/x.css",
        "https://example.com/static/css/ok.css",
        "https://grants.invalid.evil.com/static/css/ok.css",
        "https://grants.invalid/etc/passwd",
        "https://grants.invalid/static/",
        "https://grants.invalid/static/../secret.py",
        "https://grants.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://grants.invalid/static/css/%2E%2E/%2E%2E/outside.css",
        "https://grants.invalid/static/%252e%252e/outside.css",
        "https://grants.invalid/static//etc/passwd",
        "https://grants.invalid/static/%2Fetc%2Fpasswd",
        "https://grants.invalid/static/css%5C..%5C..%5Coutside.css",
        "https://grants.invalid/static/css/ok.css?x=1",
        "https://grants.invalid/static/css/link.css",  # symlink out of the root
        "https://grants.invalid/static/secret.py",  # not a static asset type
        "https://grants.invalid/static/css/missing.css",
        "data:text/css,p{color:red}",
        "ftp://127.0.0.1/x.css",
    ],
)
def test_fetcher_refuses(url: str, static_root: Path) -> None:
    fetcher = pdf.make_url_fetcher(static_root)
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch(url)


def test_fetcher_serves_static_file(static_root: Path) -> None:
    fetcher = pdf.make_url_fetcher(static_root)
    response = fetcher.fetch(pdf.STATIC_BASE_URL + "css/ok.css")
    try:
        assert b"STATIC-CSS-REACHED" in response.read()
        assert response.content_type == "text/css"
    finally:
        response.close()


def test_static_css_reachable_and_traversal_refused_in_render(static_root: Path) -> None:
    html = (
        "<html><head><link rel='stylesheet' href='css/ok.css'>"
        "<link rel='stylesheet' href='css/link.css'>"
        "<link rel='stylesheet' href='css/%2e%2e/%2e%2e/outside.css'>"
        "<link rel='stylesheet' href='../outside.css'></head>"
        "<body><p class='probe'>probe</p></body></html>"
    )
    text = text_of(pdf.html_to_pdf(html, static_root=static_root, timeout=30))
    assert "STATIC-CSS-REACHED" in text
    assert "OUTSIDE-LEAKED" not in text


def test_app_static_root_serves_pdf_css() -> None:
    fetcher = pdf.make_url_fetcher(pdf.DEFAULT_STATIC_ROOT)
    response = fetcher.fetch(pdf.STATIC_BASE_URL + "css/pdf/base.css")
    try:
        assert b"Noto Sans CJK" in response.read()
    finally:
        response.close()


def test_injection_nothing_fetched_nothing_attached(static_root: Path, http_probe) -> None:
    port, hits = http_probe
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    html = f"""<html><head>
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="stylesheet" href="http://127.0.0.1:{port}/link.css">
      <style>
        @import url(http://127.0.0.1:{port}/x.css);
        body {{ background: url(http://127.0.0.1:{port}/y.png); }}
        p {{ background-image: url(file:///etc/hostname); }}
        @font-face {{ font-family: evil; src: url(http://127.0.0.1:{port}/f.woff); }}
      </style></head><body>
      <img src="file:///etc/passwd" alt="">
      <img src="http://127.0.0.1:{port}/i.png" alt="">
      <object data="file:///etc/hostname"></object>
      <embed src="http://127.0.0.1:{port}/e.svg">
      <a rel="attachment" href="file:///etc/hostname">x</a>
      <p style="font-family: evil">正文 body</p>
    </body></html>"""
    data = pdf.html_to_pdf(html, static_root=static_root, timeout=30)
    assert hits == []
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get_object().get("/Names", {}))
    assert b"root:x:0:0" not in data
    text = text_of(data)
    assert "root:" not in text
    assert "HTTP-LEAKED" not in text
    if hostname:
        assert hostname not in text
    assert "正文" in text


# ------------------------------------------------------------------ fonts, metadata


def test_cjk_font_embedded_subset_and_text_extracts() -> None:
    data = pdf.html_to_pdf(CJK_DOC, timeout=30)
    names = font_names(data)
    assert any(re.fullmatch(r"/[A-Z]{6}\+Noto-?Sans-?CJK.*", n.replace(" ", "")) for n in names), names
    text = text_of(data)
    assert "惠州市婦女聯合會" in text
    assert "公益創投" in text
    assert PdfReader(io.BytesIO(data)).metadata.title == "測試標題 Test"


def test_missing_cjk_font_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(pdf, "_fonts_checked", False)
    monkeypatch.setattr(pdf, "_fc_list_zh_families", lambda: set())
    with pytest.raises(pdf.PdfFontError, match=r"No CJK font installed: apt-get install fonts-noto-cjk"):
        pdf.html_to_pdf(CJK_DOC)
    monkeypatch.setattr(pdf, "_fc_list_zh_families", lambda: {"WenQuanYi Zen Hei"})
    with pytest.raises(pdf.PdfFontError, match="fonts-noto-cjk"):
        pdf.check_cjk_fonts()


def test_font_check_uses_fontconfig() -> None:
    families = pdf._fc_list_zh_families()
    assert set(pdf.CJK_FAMILIES) & families


def test_sha256_hex() -> None:
    assert pdf.sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_jinja_env_autoescapes(tmp_path: Path) -> None:
    (tmp_path / "t.html").write_text("<p>{{ name }}</p>")
    env = pdf.make_jinja_env(tmp_path)
    assert env.get_template("t.html").render(name="<script>x</script>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


def test_render_template_to_pdf(tmp_path: Path) -> None:
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "t.html").write_text(
        "<html><head><title>{{ t }}</title><link rel='stylesheet' href='css/pdf/base.css'></head>"
        "<body><p>{{ name }}</p></body></html>"
    )
    data = pdf.render_template_to_pdf(pdf.make_jinja_env(tmp_path), "pdf/t.html",
                                      {"t": "T", "name": "<b>項目</b>"}, timeout=30)
    assert "<b>項目</b>" in text_of(data)


def test_render_in_process_matches_and_restores_gc() -> None:
    import gc

    before = gc.get_threshold()
    data = pdf.render_in_process(CJK_DOC)
    assert gc.get_threshold() == before
    assert "公益創投" in text_of(data)


# ------------------------------------------------------------------ limits


def test_pathological_table_hits_time_limit() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>項目{i}</td><td>機構</td></tr>" for i in range(100_000))
    start = time.monotonic()
    with pytest.raises(pdf.PdfRenderError, match="time limit"):
        pdf.html_to_pdf(f"<table>{rows}</table>", timeout=3)
    assert time.monotonic() - start < 8


def test_pathological_nesting_fails_cleanly() -> None:
    html = "<div>" * 200_000 + "x" + "</div>" * 200_000
    start = time.monotonic()
    with pytest.raises(pdf.PdfRenderError):
        pdf.html_to_pdf(html, timeout=5)
    assert time.monotonic() - start < 10


def test_memory_limit_kills_render() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>項目名稱{i}</td></tr>" for i in range(30_000))
    with pytest.raises(pdf.PdfRenderError):
        pdf.html_to_pdf(f"<table>{rows}</table>", timeout=20, max_memory_mb=60)


def test_worker_still_usable_after_failures() -> None:
    with pytest.raises(pdf.PdfRenderError):
        pdf.html_to_pdf("<div>" * 50_000, timeout=0.5)
    assert "公益創投" in text_of(pdf.html_to_pdf(CJK_DOC, timeout=30))


def test_many_renders_concurrently() -> None:
    docs = [CJK_DOC.replace("ABC", f"DOC{i}") for i in range(3)]
    results = pdf.html_to_pdf_many(docs, timeout=30)
    assert [f"DOC{i}" in text_of(r) for i, r in enumerate(results)] == [True] * 3


def test_refusals_are_logged_in_parent(static_root: Path, caplog) -> None:
    html = "<html><body><img src='file:///etc/passwd'><p>x</p></body></html>"
    with caplog.at_level("WARNING", logger="grants.platform.pdf"):
        pdf.html_to_pdf(html, static_root=static_root, timeout=30)
    assert any("file:///etc/passwd" in r.getMessage() for r in caplog.records), caplog.records


def test_cli_renders_stdin(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "grants.platform.pdf", "--timeout", "30"],
        input="<html><body><p>命令行 CLI</p></body></html>".encode(),
        capture_output=True, check=True, timeout=60,
    ).stdout
    assert out.startswith(b"%PDF") and "命令行" in text_of(out)
