"""The lean user-agent stylesheet (grants/platform/pdf_ua_lean.css) that the award list declares."""

from __future__ import annotations

import io
import re

import tinyhtml5
from pypdf import PdfReader

from grants.platform import pdf
from grants.publication import award_list
from tests.publication.test_award_list_pdf import context, make_rows

#: The elements pdf_ua_lean.css styles (its header lists them); svg's own children are SVG, not HTML.
LEAN_ELEMENTS = {"html", "head", "meta", "title", "link", "style", "body", "header", "section", "div", "p", "h1",
                 "span", "br", "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "svg"}


def _html_elements(html: str) -> set[str]:
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    tags = set()
    for element in root.iter():
        if element.tag == "svg" or not isinstance(element.tag, str):
            tags.add(element.tag if isinstance(element.tag, str) else "")
            continue
        tags.add(element.tag)
    return {t for t in tags if t and "}" not in t} - {"path"}


def test_award_list_declares_lean_and_uses_only_its_elements() -> None:
    html = award_list.award_list_html(context(make_rows(12)))
    assert re.search(r'<html lang="[^"]+" data-pdf-ua="lean">', html)
    assert _html_elements(html) <= LEAN_ELEMENTS, _html_elements(html) - LEAN_ELEMENTS


def test_only_a_declaring_document_gets_the_lean_stylesheet() -> None:
    html_class = pdf._html_class()
    lean = html_class(string='<html data-pdf-ua="lean"><body><p>x</p></body></html>')
    plain = html_class(string="<html><body><p>x</p></body></html>")
    assert lean._ua_stylesheets() == [pdf.lean_ua_stylesheet()]
    assert plain._ua_stylesheets() != [pdf.lean_ua_stylesheet()] and plain._ua_stylesheets()


def test_lean_and_full_stylesheets_print_the_same_list() -> None:
    html = award_list.award_list_html(context(make_rows(40)))
    lean = PdfReader(io.BytesIO(pdf.render_in_process(html)))
    full = PdfReader(io.BytesIO(pdf.render_in_process(html.replace(' data-pdf-ua="lean"', ""))))
    assert len(lean.pages) == len(full.pages) >= 2
    assert [p.extract_text() for p in lean.pages] == [p.extract_text() for p in full.pages]
    for a, b in zip(lean.pages, full.pages, strict=True):  # same layout: same content stream, glyph for glyph
        assert a.get_contents().get_data() == b.get_contents().get_data()
    assert [o.title for o in lean.outline] == [o.title for o in full.outline] == ["立項名單"]


def test_lean_document_is_parsed_as_xml_else_as_html(caplog) -> None:
    assert pdf._html_class().tree_ok  # from_tree mirrors this WeasyPrint's HTML.__init__
    html = award_list.award_list_html(context(make_rows(12)))
    tree = pdf._lean_tree(html)
    assert tree is not None and tree.tag == "html"
    assert [e.tag for e in tree.iter()] == [e.tag for e in tinyhtml5.parse(html, namespace_html_elements=False).iter()]
    assert pdf._lean_tree(html.replace(' data-pdf-ua="lean"', "")) is None  # not declared: HTML5 parser
    broken = html.replace("<br />", "<br>")  # HTML, not XML: parsed as HTML, printed all the same
    assert pdf._lean_tree(broken) is None and "not well-formed XML" in caplog.text
    assert [p.extract_text() for p in PdfReader(io.BytesIO(pdf.render_in_process(broken))).pages] == [
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.render_in_process(html))).pages]
