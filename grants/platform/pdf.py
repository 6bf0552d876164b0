"""HTML -> PDF for every PDF the app prints (WeasyPrint, locked down, CJK, bounded).

This module does not import Flask, so it runs in a worker process.  Callers give it
either finished HTML (``html_to_pdf``) or a Jinja2 environment + template name +
plain-data context (``render_template_to_pdf``).  The Flask layer passes
``app.jinja_env``; scripts and tests use ``make_jinja_env(templates_dir)``.

Safety
------
* Resources are fetched only by ``StaticFilesOnlyFetcher``: documents are rendered with
  the base URL ``https://grants.invalid/static/`` and that prefix is mapped to files under
  the app's ``static/`` directory.  Nothing else is fetched: no ``file:``, no http(s) to
  any other host (``.invalid`` never resolves, and the fetcher never opens a socket
  anyway), no ``data:``, no redirects, no query strings.  ``..``, ``%2e%2e``, doubly
  encoded ``%`` escapes, absolute paths, backslashes, NUL and symlinks that resolve
  outside the static root are refused, and so are file types other than CSS, images
  and fonts.  A refusal raises ``FetchRefused`` inside the fetcher; WeasyPrint logs it
  as a warning and renders without the resource (the child relays its WeasyPrint
  warnings to this module's logger in the parent).  WeasyPrint's default fetcher is
  never used.  ``presentational_hints`` stays off, ``pdf_forms`` off.
* User text reaches templates only through autoescaped Jinja (``.html`` templates).  A document
  that declares ``<html data-pdf-ua="lean">`` (the award list) is parsed with expat (``ElementTree``)
  instead of the HTML5 parser and styled with a lean UA stylesheet (``LEAN_UA_ATTRIBUTE``); as
  its text is autoescaped it can hold no markup or entity declarations of its own, and what does
  not parse as XML is parsed as HTML.
  The QR code is generated here (segno) and inlined as SVG, so ``data:`` is not needed.
* Every render from ``html_to_pdf`` runs in a child process (multiprocessing
  ``forkserver`` context whose server preloads WeasyPrint and this module, so a child
  starts in ~10-50 ms instead of paying the ~1 s import; children never re-run the
  parent's ``__main__``, see ``_RenderPopen``) with ``RLIMIT_AS`` (address space of the
  child at start + ``max_memory_mb``) and a wall-clock deadline in the parent; on
  timeout the child is killed and ``PdfRenderError`` is raised; a child that dies
  (memory limit) or fails is also a ``PdfRenderError``.  ``render_in_process`` is the
  same render without isolation (used by the worker itself; usable for trusted, small
  documents).  ``start_workers()`` pre-starts the forkserver at app start.
* CJK fonts: every document is in ONE language and prints in that language's face:
  ``FONT_FACES`` names Noto Sans/Serif CJK TC for zh_Hant, SC for zh_Hans, and a Latin face
  (DejaVu Sans/Serif) first for English with Noto CJK SC as the fallback for Chinese names.
  ``document_style(locale, ...)`` writes those families (and the localized "page X of Y"
  footer) as CSS that ``templates/pdf/_base.html`` inlines, so every machine prints the same.
  ``check_cjk_fonts()`` asks fontconfig (``fc-list :lang=zh family``) once and raises
  ``PdfFontError`` with the apt-get hint when none is installed, instead of printing
  empty boxes.

Documents in a language
-----------------------
``render(template_name, context, locale=...)`` is what a Flask view or job calls: it forces
the Babel locale while the context is built (pass a callable to build labels with
``gettext`` in the document's language) and while the template renders, adds
``document_context(locale)`` (``lang``, ``pdf_css``, ``colon``, ``list_sep``) and converts
with ``html_to_pdf``.  Personal documents (proposal, score sheets, review summary) use
``reader_locale()`` (the requesting user's language); official documents (notice and final
lists, roadshow order, agreements) use the round's ``official_language``.  Absolute links
printed in a document come from ``public_url(path)`` (``PUBLIC_BASE_URL``, which production
refuses to start without; see ``grants.config.check_production``).

The award list's layout, verification code and parallel rendering live in
``grants.publication.award_list``; it renders through this engine.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import logging
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from multiprocessing import forkserver, popen_forkserver, reduction, spawn
from multiprocessing import util as mp_util
from multiprocessing.connection import wait as mp_wait
from multiprocessing.context import ForkServerProcess, set_spawning_popen
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

LOGGER = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATIC_ROOT = REPO_ROOT / "static"
DEFAULT_TEMPLATES_DIR = REPO_ROOT / "templates"

#: Base URL of every rendered document; mapped by the fetcher to ``static_root``.
STATIC_BASE_URL = "https://grants.invalid/static/"
_STATIC_HOST = "grants.invalid"
_STATIC_PREFIX = "/static/"

#: Families the PDF CSS names; fontconfig must know at least one of them.
CJK_FAMILIES = ("Noto Sans CJK TC", "Noto Sans CJK SC")

#: The document languages (the interface languages) and each one's faces: (sans, serif) stacks.
#: English puts a Latin face first; Chinese names in an English document fall back to CJK SC.
FONT_FACES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "zh_Hant": (("Noto Sans CJK TC",), ("Noto Serif CJK TC", "Noto Sans CJK TC")),
    "zh_Hans": (("Noto Sans CJK SC",), ("Noto Serif CJK SC", "Noto Sans CJK SC")),
    "en": (("DejaVu Sans", "Noto Sans CJK SC"), ("DejaVu Serif", "Noto Serif CJK SC", "Noto Sans CJK SC")),
}
DEFAULT_LOCALE = "zh_Hant"
HTML_LANG = {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans", "en": "en"}
#: What goes between a label and its value, and between the items of a list, per language.
COLON = {"zh_Hant": "：", "zh_Hans": "：", "en": ": "}
LIST_SEPARATOR = {"zh_Hant": "、", "zh_Hans": "、", "en": ", "}
#: The page footer when no catalog is at hand (``page_label`` of ``document_style``).
PAGE_LABELS = {"zh_Hant": "第 %(page)s 頁，共 %(pages)s 頁", "zh_Hans": "第 %(page)s 页，共 %(pages)s 页",
               "en": "Page %(page)s of %(pages)s"}
FONT_HINT = "apt-get install fonts-noto-cjk"

_ALLOWED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
}
_MAX_STATIC_BYTES = 20 * 1024 * 1024

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY_MB = 1536


class PdfError(Exception):
    """Base class of the errors raised by this module."""


class PdfRenderError(PdfError):
    """The render failed, timed out or exceeded its memory limit."""


class PdfFontError(PdfError):
    """No usable CJK font is installed."""


class FetchRefused(ValueError):
    """The URL fetcher refused a URL (logged by WeasyPrint, never fetched)."""


# --------------------------------------------------------------------------- helpers


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data`` (e.g. of the frozen PDF bytes)."""
    return hashlib.sha256(data).hexdigest()


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in "WF"


def no_widow(text: object):
    """``text`` (escaped) whose last two CJK characters never part: a table cell or a name that
    wraps never leaves one character alone on its last line ("…服務中" / "心"); a short Latin or
    number tail stays with the CJK character before it ("…計劃" / "092").

    The pair is wrapped in ``<span class="nw">`` (``white-space: nowrap`` in css/pdf/base.css);
    text that does not end in two wide characters is returned escaped and unchanged.
    """
    from markupsafe import Markup, escape

    value = "" if text is None else str(text)
    if len(value) < 4:
        return escape(value)
    if _wide(value[-1]) and _wide(value[-2]):
        cut = len(value) - 2
    else:  # a short Latin/number tail ("…計劃092", "…Lab"): kept with the CJK character before it
        tail = len(value)
        while tail > 0 and not _wide(value[tail - 1]) and not value[tail - 1].isspace():
            tail -= 1
        if tail < 2 or len(value) - tail > 8 or not _wide(value[tail - 1]):
            return escape(value)
        cut = tail - 1
    return escape(value[:cut]) + Markup('<span class="nw">') + escape(value[cut:]) + Markup("</span>")


def make_jinja_env(templates_dir: str | Path = DEFAULT_TEMPLATES_DIR):
    """A Jinja2 environment for rendering PDF templates outside Flask (autoescape on)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["no_widow"] = no_widow
    return env


# --------------------------------------------------------------------------- fonts


def _fc_list_zh_families() -> set[str]:
    """Families fontconfig knows for Chinese (``fc-list :lang=zh family``)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return set()
    out = subprocess.run(  # noqa: S603  # nosec B603 - fixed argv, no shell
        [exe, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


_fonts_checked = False


def check_cjk_fonts() -> None:
    """Raise ``PdfFontError`` unless a CJK font the PDF CSS names is installed.

    Runs fontconfig once per process; only a successful check is cached.
    """
    global _fonts_checked
    if _fonts_checked:
        return
    families = _fc_list_zh_families()
    if not families:
        raise PdfFontError(f"No CJK font installed: {FONT_HINT}")
    if not any(family in families for family in CJK_FAMILIES):
        raise PdfFontError(
            f"No CJK font installed: {FONT_HINT} "
            f"(the PDF CSS names {', '.join(CJK_FAMILIES)}; fontconfig has {sorted(families)[:5]})"
        )
    _fonts_checked = True


# --------------------------------------------------------------------------- languages


def normalize_locale(locale: object) -> str:
    """``zh_Hant``/``zh_Hans``/``en`` for a Babel locale or tag (``zh_Hans_CN``, ``zh-TW``, ``en_GB``, ...)."""
    text = str(locale or "").replace("-", "_")
    low = text.lower()
    if low.startswith("en"):
        return "en"
    if low.startswith("zh"):
        if "hans" in low or low.split("_")[-1] in ("cn", "sg", "my") or low == "zh":
            return "zh_Hans"
        return "zh_Hant"
    return DEFAULT_LOCALE


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (safe inside ``<style>``)."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _families(names: Sequence[str], generic: str) -> str:
    return ", ".join([*(css_string(n) for n in names), generic])


def page_counter_css(page_label: str, total: int | None = None) -> str:
    """The CSS ``content`` value of a "page X of Y" footer from a label such as
    ``"第 %(page)s 頁，共 %(pages)s 頁"``; ``total`` prints a known page count literally."""
    parts: list[str] = []
    rest = page_label
    while rest:
        cut = min((i for i in (rest.find("%(page)s"), rest.find("%(pages)s")) if i >= 0), default=-1)
        if cut < 0:
            parts.append(css_string(rest))
            break
        if cut:
            parts.append(css_string(rest[:cut]))
        if rest.startswith("%(pages)s", cut):
            parts.append(str(int(total)) if total is not None else "counter(pages)")
            rest = rest[cut + len("%(pages)s"):]
        else:
            parts.append("counter(page)")
            rest = rest[cut + len("%(page)s"):]
    return " ".join(p if not p[0].isdigit() else css_string(p) for p in parts) or '""'


def document_style(locale: str, page_label: str | None = None, *, page_total: int | None = None) -> str:
    """The CSS every PDF inlines after ``css/pdf/base.css``: the language's faces and footer."""
    locale = normalize_locale(locale)
    sans, serif = FONT_FACES[locale]
    sans_css, serif_css = _families(sans, "sans-serif"), _families(serif, "serif")
    counter = page_counter_css(page_label or PAGE_LABELS[locale], page_total)
    return (
        f"@page {{ @bottom-right {{ content: {counter}; font-family: {sans_css}; }} }}\n"
        f"html {{ font-family: {sans_css}; }}\n"
        f"h1, h2, h3, .serif {{ font-family: {serif_css}; }}\n"
        f".sans {{ font-family: {sans_css}; }}\n"
    )


def document_context(locale: str, page_label: str | None = None) -> dict[str, Any]:
    """What ``templates/pdf/_base.html`` and the PDF templates need to print in ``locale``."""
    from markupsafe import Markup

    locale = normalize_locale(locale)
    return {
        "locale": locale,
        "lang": HTML_LANG[locale],
        "pdf_css": Markup(document_style(locale, page_label)),  # noqa: S704  # nosec B704 - built here, escaped
        "colon": COLON[locale],
        "list_sep": LIST_SEPARATOR[locale],
    }


# --------------------------------------------------------------------------- fetcher


def resolve_static_url(url: str, static_root: Path) -> Path:
    """Map ``https://grants.invalid/static/<rel>`` to a file under ``static_root``.

    Raises ``FetchRefused`` for anything else.
    """
    if not isinstance(url, str) or not url.startswith(STATIC_BASE_URL):
        raise FetchRefused(f"refused (not an app static URL): {url[:200]!r}")
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != _STATIC_HOST or parts.query:
        raise FetchRefused(f"refused (scheme/host/query): {url[:200]!r}")
    raw = parts.path
    if not raw.startswith(_STATIC_PREFIX):
        raise FetchRefused(f"refused (outside /static/): {url[:200]!r}")
    rel = unquote(raw[len(_STATIC_PREFIX):], errors="strict")
    if (
        not rel
        or "%" in rel
        or "\\" in rel
        or "\x00" in rel
        or rel.startswith("/")
        or any(seg in ("", ".", "..") for seg in rel.split("/"))
    ):
        raise FetchRefused(f"refused (path traversal): {url[:200]!r}")
    root = Path(static_root).resolve(strict=True)
    candidate = (root / rel).resolve()
    if not candidate.is_relative_to(root):
        raise FetchRefused(f"refused (resolves outside static root): {url[:200]!r}")
    if candidate.suffix.lower() not in _ALLOWED_TYPES:
        raise FetchRefused(f"refused (file type): {url[:200]!r}")
    if not candidate.is_file():
        raise FetchRefused(f"not found: {url[:200]!r}")
    if candidate.stat().st_size > _MAX_STATIC_BYTES:
        raise FetchRefused(f"refused (too large): {url[:200]!r}")
    return candidate


def make_url_fetcher(static_root: str | Path):
    """A WeasyPrint ``URLFetcher`` that serves only files under ``static_root``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnlyFetcher(URLFetcher):
        """Serves ``STATIC_BASE_URL`` from ``static_root``; refuses everything else."""

        def __init__(self, root: Path):
            # No handler of the parent is ever used (fetch is replaced entirely);
            # the arguments only make the intent explicit.
            super().__init__(
                timeout=1, allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False
            )
            self.static_root = Path(root).resolve(strict=True)

        def fetch(self, url, headers=None):
            path = resolve_static_url(url, self.static_root)
            data = path.read_bytes()
            return URLFetcherResponse(
                url, body=data, headers={"Content-Type": _ALLOWED_TYPES[path.suffix.lower()]}
            )

        def open(self, url, data=None, timeout=None):  # never urllib
            return self.fetch(getattr(url, "full_url", url))

    return StaticFilesOnlyFetcher(Path(static_root))


# --------------------------------------------------------------------------- rendering


@contextlib.contextmanager
def _gc_tuned() -> Iterator[None]:
    """Fewer GC passes during a render (WeasyPrint allocates millions of small objects)."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


#: ``<html data-pdf-ua="lean">``: a document in XHTML syntax (void elements closed ``<br />``, no named
#: entities, the inline ``<svg>`` with its ``xmlns``) that uses only the elements ``pdf_ua_lean.css`` lists;
#: ``render_in_process`` parses it with expat instead of the HTML5 parser and styles it with that lean
#: user-agent stylesheet (the award list: ~5 % and ~12 % less CPU).  Anything that does not parse as XML
#: is parsed as HTML as before.
LEAN_UA_ATTRIBUTE = "data-pdf-ua"
_LEAN_MARK = f'{LEAN_UA_ATTRIBUTE}="lean"'
_LEAN_UA_PATH = Path(__file__).with_name("pdf_ua_lean.css")
_DOCTYPE = re.compile(r"\A\s*<!doctype html>", re.IGNORECASE)


@functools.cache
def lean_ua_stylesheet():
    """WeasyPrint's UA stylesheet cut to the elements of a lean document (see ``pdf_ua_lean.css``)."""
    import weasyprint

    return weasyprint.CSS(string=_LEAN_UA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _html_class():
    """``weasyprint.HTML`` whose documents may declare ``<html data-pdf-ua="lean">`` to be styled with
    ``lean_ua_stylesheet()`` instead of WeasyPrint's whole HTML5 UA stylesheet (the award list: its
    cascade over thousands of cells is ~12 % cheaper), and that can be built from an element tree parsed
    elsewhere (``from_tree``).  Any other document gets WeasyPrint's own stylesheet.  If a WeasyPrint
    release stops asking ``_ua_stylesheets``, every document simply gets the full one."""
    import cssselect2
    import weasyprint

    class HTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms=False):
            root = getattr(self, "etree_element", None)
            if not forms and root is not None and root.get(LEAN_UA_ATTRIBUTE) == "lean":
                return [lean_ua_stylesheet()]
            return super()._ua_stylesheets(forms)

        @classmethod
        def from_tree(cls, root, *, base_url: str, url_fetcher, media_type: str = "print"):
            """What ``weasyprint.HTML.__init__`` sets up after its HTML5 parse, from ``root`` (no ``<base>``)."""
            self = cls.__new__(cls)
            self.base_url = base_url
            self.url_fetcher = url_fetcher
            self.media_type = media_type
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element
            return self

    # from_tree mirrors HTML.__init__: if a WeasyPrint release sets up more than that, it is not used.
    HTML.tree_ok = set(vars(HTML(string="<p></p>"))) == set(vars(HTML.from_tree(
        HTML(string="<p></p>").etree_element, base_url="", url_fetcher=None)))
    return HTML


def _lean_tree(html: str):
    """The element tree of a lean document parsed as XML (expat: ~40x faster than the HTML5 parser on the
    award list), or None when ``html`` is not one or does not parse."""
    if _LEAN_MARK not in html[:4000]:
        return None
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(_DOCTYPE.sub("", html, count=1))  # noqa: S314  # nosec B314 - our templates' autoescaped output; expat refuses entity bombs
    except ElementTree.ParseError as exc:
        LOGGER.warning("a lean PDF document is not well-formed XML (%s): parsed as HTML", exc)
        return None
    return root if root.tag == "html" and root.get(LEAN_UA_ATTRIBUTE) == "lean" else None


def render_in_process(
    html: str,
    *,
    static_root: str | Path = DEFAULT_STATIC_ROOT,
    check_fonts: bool = True,
    tune_gc: bool = True,
) -> bytes:
    """Render ``html`` to PDF bytes in this process (no time/memory isolation).

    The title metadata comes from the document's ``<title>``.  ``tune_gc`` raises the
    GC threshold during the render (process-wide while it runs; restored after).
    """
    if check_fonts:
        check_cjk_fonts()

    fetcher = make_url_fetcher(static_root)
    with _gc_tuned() if tune_gc else contextlib.nullcontext():
        html_class = _html_class()
        tree = _lean_tree(html) if html_class.tree_ok else None
        if tree is not None:
            document = html_class.from_tree(tree, base_url=STATIC_BASE_URL, url_fetcher=fetcher)
        else:
            document = html_class(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(presentational_hints=False, pdf_forms=False)


def _child_render(
    conn, html: str, static_root: str, max_memory_mb: int | None, tune_gc: bool = True
) -> None:
    """Worker-process entry point: limit memory, render, send the PDF or the error.

    Messages: ``b"W" + text`` for each WeasyPrint warning (refused URLs, ...), relayed
    to the parent's ``grants.platform.pdf`` logger; then ``b"OK" + pdf`` or ``b"ER" + text``.
    """

    class Relay(logging.Handler):
        sent = 0

        def emit(self, record: logging.LogRecord) -> None:
            if self.sent < 50:  # a hostile document may trigger thousands
                self.sent += 1
                with contextlib.suppress(Exception):
                    conn.send_bytes(b"W" + self.format(record)[:2000].encode())

    relay = Relay(logging.WARNING)
    logging.getLogger("weasyprint").addHandler(relay)
    try:
        if max_memory_mb:
            page = os.sysconf("SC_PAGE_SIZE")
            with open("/proc/self/statm") as f:
                current = int(f.read().split()[0]) * page
            limit = current + int(max_memory_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        pdf = render_in_process(html, static_root=static_root, check_fonts=False, tune_gc=tune_gc)
        conn.send_bytes(b"OK" + pdf)
    except MemoryError:
        with contextlib.suppress(Exception):
            conn.send_bytes(b"ERmemory limit exceeded")
    except BaseException as exc:  # report, never hang the parent
        with contextlib.suppress(Exception):
            conn.send_bytes(b"ER" + f"{type(exc).__name__}: {exc}"[:2000].encode())
    finally:
        logging.getLogger("weasyprint").removeHandler(relay)
        conn.close()


class _RenderPopen(popen_forkserver.Popen):
    """forkserver Popen whose children do not re-run the parent's ``__main__``.

    Stock ``spawn``/``forkserver`` children re-execute the parent's main script as
    ``__mp_main__`` (``python run.py`` would build a whole Flask app, pytest would import
    itself, for every render).  A render child needs nothing from ``__main__``: its
    target lives in this module, which the forkserver has preloaded together with
    WeasyPrint, so a child starts in milliseconds.  This mirrors
    ``multiprocessing.popen_forkserver.Popen._launch`` (CPython 3.11) minus the two
    ``init_main_*`` keys of the preparation data.
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = mp_util.Finalize(self, mp_util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _RenderProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _RenderPopen(process_obj)


@functools.cache
def _mp_context():
    """(context, Process class) for render children."""
    ctx = multiprocessing.get_context("forkserver")
    # Takes effect only if this process has not started its forkserver yet.
    ctx.set_forkserver_preload(["weasyprint", "grants.platform.pdf"])
    return ctx, _RenderProcess


def start_workers() -> None:
    """Start the render forkserver now (it imports WeasyPrint once, ~1 s), e.g. from
    ``create_app`` or gunicorn's ``post_worker_init``, so the first PDF is not slower."""
    _mp_context()
    forkserver.ensure_running()


def html_to_pdf_many(
    htmls: Sequence[str],
    *,
    static_root: str | Path = DEFAULT_STATIC_ROOT,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
    tune_gc: bool = True,
) -> list[bytes]:
    """Render several documents concurrently, one child process each.

    All share one wall-clock deadline of ``timeout`` seconds; ``max_memory_mb`` is the
    address space each child may add.  Raises ``PdfRenderError`` (all children killed)
    if any render fails, dies or misses the deadline.
    """
    check_cjk_fonts()
    root = str(Path(static_root).resolve(strict=True))
    ctx, process_class = _mp_context()
    deadline = time.monotonic() + timeout
    jobs = []  # (process, reader)
    results: list[bytes | None] = [None] * len(htmls)
    try:
        for html in htmls:
            reader, writer = ctx.Pipe(duplex=False)
            proc = process_class(
                target=_child_render, args=(writer, html, root, max_memory_mb, tune_gc), daemon=True
            )
            try:
                proc.start()
            except BaseException:
                reader.close()
                raise
            finally:
                writer.close()
            jobs.append((proc, reader))
        pending = {reader: i for i, (_, reader) in enumerate(jobs)}
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PdfRenderError(f"PDF render exceeded the {timeout:g} s time limit")
            for reader in mp_wait(list(pending), timeout=remaining):
                index = pending[reader]
                try:
                    message = reader.recv_bytes()
                except EOFError:
                    jobs[index][0].join(1)
                    code = jobs[index][0].exitcode
                    raise PdfRenderError(
                        f"PDF worker died without a result (exit code {code}; memory limit?)"
                    ) from None
                if message[:1] == b"W":  # a warning; the result comes later
                    LOGGER.warning("WeasyPrint: %s", message[1:].decode(errors="replace"))
                    continue
                del pending[reader]
                if message[:2] != b"OK":
                    raise PdfRenderError(f"PDF render failed: {message[2:].decode(errors='replace')}")
                results[index] = message[2:]
    finally:
        for proc, reader in jobs:
            reader.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            with contextlib.suppress(ValueError):
                proc.close()
    return results  # type: ignore[return-value]


def html_to_pdf(
    html: str,
    *,
    static_root: str | Path = DEFAULT_STATIC_ROOT,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
    tune_gc: bool = True,
) -> bytes:
    """Render ``html`` to PDF bytes in a child process with time and memory limits."""
    return html_to_pdf_many(
        [html], static_root=static_root, timeout=timeout, max_memory_mb=max_memory_mb, tune_gc=tune_gc
    )[0]


def render_template_to_pdf(
    env,
    template_name: str,
    context: Mapping[str, Any],
    *,
    static_root: str | Path = DEFAULT_STATIC_ROOT,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
) -> bytes:
    """Render a Jinja template (plain-data context) and convert it with ``html_to_pdf``."""
    html = env.get_template(template_name).render(**context)
    return html_to_pdf(html, static_root=static_root, timeout=timeout, max_memory_mb=max_memory_mb)


# --------------------------------------------------------------------------- Flask


def reader_locale() -> str:
    """The language of the user asking for a personal document (their page language)."""
    from flask_babel import get_locale

    return normalize_locale(get_locale())


def public_url(path: str = "/") -> str:
    """An absolute link for a document: ``PUBLIC_BASE_URL`` + ``path`` (never the request's host)."""
    from flask import current_app

    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def render(
    template_name: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    *,
    locale: str,
    env=None,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
) -> bytes:
    """Render a PDF template in ``locale`` (needs an app context).

    The Babel locale is forced to ``locale`` while ``context`` is built (when it is a
    callable: build labels with ``gettext`` there) and while the template renders (its
    ``_()`` calls), and ``document_context(locale)`` is added, so the document's words,
    faces (``FONT_FACES``) and footer are all in one language whatever the page language.
    """
    from flask import current_app
    from flask_babel import force_locale, gettext

    locale = normalize_locale(locale)
    with force_locale(locale):
        data = dict(context() if callable(context) else context)
        data.update(document_context(locale, gettext("Page %(page)s of %(pages)s")))
        html = (env or current_app.jinja_env).get_template(template_name).render(**data)
    return html_to_pdf(html, timeout=timeout, max_memory_mb=max_memory_mb)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grants.platform.pdf [--static-root DIR] [--timeout S] < in.html > out.pdf``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m grants.platform.pdf", description=main.__doc__)
    parser.add_argument("--static-root", default=str(DEFAULT_STATIC_ROOT))
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--max-memory-mb", type=int, default=DEFAULT_MAX_MEMORY_MB)
    args = parser.parse_args(argv)
    html = sys.stdin.read()
    # Call through the importable module, not ``__main__``, so that the child process
    # (which never imports ``__main__``) can unpickle its target.
    from grants.platform import pdf as engine

    try:
        pdf = engine.html_to_pdf(
            html, static_root=args.static_root, timeout=args.timeout, max_memory_mb=args.max_memory_mb
        )
    except engine.PdfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
