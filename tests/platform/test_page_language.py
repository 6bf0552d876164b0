"""Each language right on the page: every page of every role, in Simplified Chinese and English.

The world is the access matrix's (tests/security/world.py + ``furnish``), with the round's name,
issuer and category names given in all three languages (tests/factories.py), so a page that shows
a label as given instead of the reader's is caught. Every GET route a role may open (``OK`` in
``EXPECT``) is fetched in zh_Hans and en; the visible text (text nodes and the title, alt,
placeholder, aria-label attributes; no script or style) is checked:

- zh_Hans: no character that only Traditional Chinese uses (one OpenCC's t2s would change), and
  no Western punctuation next to Chinese text ("截止时间: ..." instead of "截止时间：...");
- en: no CJK character and no CJK punctuation (，。：；！？「」『』（）、《》 …).

What users typed (organization and project names, people, comments, file names ...) is theirs and
stays as typed: every string stored in the world's tables is an allow-list, except the labels an
admin gives per language (round and category names, issuer, rubric labels), which must be shown in
the page's language. The language menu names each language in itself (繁體中文, 简体中文). A data editor marked
``translate="no"`` (the rubric JSON, which holds its labels in all three languages) is data too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import opencc
import pytest
from sqlalchemy import inspect, text

from grants.extensions import db
from grants.platform.i18n import LANGUAGE_NAMES
from tests.security.test_access_matrix import OK, cells, entry, furnish, url_for_cell
from tests.security.world import ROLES, build, login

T2S = opencc.OpenCC("t2s")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40"
                 r"\uff5b-\uff65\ufe30-\ufe4f\u2018\u2019\u201c\u201d\u2026\u2014\u00b7]")
# “ ” ‘ ’ … — · are fine in English; only the CJK-only punctuation and characters count there.
CJK_EN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20"
                    r"\uff3b-\uff40\uff5b-\uff65\ufe30-\ufe4f]")
# Tables whose text is admin-entered per language (it must follow the page's language) or the
# platform's own: never allow-listed.
LABEL_TABLES = {"competition_round", "category", "rubric_version", "alembic_version"}
VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style") or (tag in ("textarea", "pre") and ("translate", "no") in attrs):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "input":
            kinds = dict(attrs)
            if kinds.get("type") in ("submit", "button") and kinds.get("value"):
                self.parts.append(kinds["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def user_data(app) -> list[str]:
    """Every string stored in the world (users' own text), longest first, without the labels."""
    import json

    found: set[str] = set()
    with app.app_context():
        for table in inspect(db.engine).get_table_names():
            if table in LABEL_TABLES:
                continue
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')).all():  # noqa: S608 - table names
                for value in row:
                    if isinstance(value, str) and value[:1] in "{[":
                        try:
                            value = json.loads(value)
                        except ValueError:
                            pass
                    found.update(s.strip() for s in _strings(value) if s.strip())
        labels = set()
        for row in db.session.execute(text("SELECT name, issuer, description FROM competition_round")).all():
            labels.update(v for v in row if v)
        labels.update(v for (v,) in db.session.execute(text("SELECT name FROM category")).all())
        db.session.remove()
    # a round's or category's name as given must not be hidden by an audit entry that repeats it
    return sorted((s for s in found - labels if CJK.search(s)), key=len, reverse=True)


def without(parts: list[str], allowed: list[str]) -> str:
    out = "\n".join(parts)
    for item in allowed:
        out = out.replace(item, " ")
    return out


def traditional_only(textual: str) -> list[str]:
    simplified = T2S.convert(textual)
    problems = []
    for line, converted in zip(textual.splitlines(), simplified.splitlines(), strict=True):
        if line != converted:
            odd = "".join(sorted({a for a, b in zip(line, converted, strict=False) if a != b}))
            problems.append(f"{odd}: {line[:120]}")
    return problems


HAN_THEN_ASCII = re.compile(r"[\u4e00-\u9fff] ?[,:;?!(]|[,:;?!)] ?[\u4e00-\u9fff]")


def zh_punctuation(textual: str) -> list[str]:
    """Chinese text punctuated the Western way ("截止时间: ...", "妇女, 儿童")."""
    return [f"ASCII punctuation: {line[:120]}" for line in textual.splitlines() if HAN_THEN_ASCII.search(line)]


def zh_hans_page(textual: str) -> list[str]:
    return traditional_only(textual) + zh_punctuation(textual)


def cjk_in_english(textual: str) -> list[str]:
    return [f"{''.join(sorted(set(CJK_EN.findall(line))))}: {line[:120]}"
            for line in textual.splitlines() if CJK_EN.search(line)]


def pages(app, world, role):
    """(endpoint, url) of every GET route ``role`` may open."""
    for endpoint, method, rule in cells(app):
        if method != "GET" or entry(endpoint)[0][role] != OK:
            continue
        yield endpoint, url_for_cell(app, world, endpoint, rule)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_its_language(app, make, role):
    world = build(make, app)
    furnish(world, make, app)
    allowed = user_data(app) + sorted(LANGUAGE_NAMES.values(), key=len, reverse=True)
    client = login(app, role)
    problems, html_pages = [], 0
    for lang, check in (("zh_Hans", zh_hans_page), ("en", cjk_in_english)):
        with client.session_transaction() as session:
            session["lang"] = lang
        for endpoint, url in pages(app, world, role):
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            if not response.mimetype == "text/html":
                continue
            html_pages += 1
            html = response.get_data(as_text=True)
            expected_lang = {"zh_Hans": 'lang="zh-Hans"', "en": 'lang="en"'}[lang]
            assert expected_lang in html, (url, lang)
            for line in check(without(visible_text(html), allowed)):
                problems.append(f"{lang} {role} {url} ({endpoint}): {line}")
    print(f"{role}: {html_pages} pages checked, {len(problems)} problems")
    assert html_pages > 0
    assert not problems, "\n".join(problems)


def test_checks_catch_what_they_should():
    """The two checks are not vacuous: they flag what they are meant to flag, and no more."""
    assert traditional_only("评审專家") and not traditional_only("评审专家 · 2026-12-01")
    assert cjk_in_english("Deadline：2026年12月1日") and cjk_in_english("Score (（）)")
    assert not cjk_in_english("“Child care” — 3 reviews…")
    assert zh_punctuation("截止时间: 2026-12-01") and zh_punctuation("妇女, 儿童") and zh_punctuation("退出登录 (")
    assert not zh_punctuation("截止时间：2026-12-01 17:00, HZ-2026-08-0042")
    assert without(["翠湖關愛協會 · Edition"], ["翠湖關愛協會"]).strip() == "· Edition"
    assert visible_text('<p title="提示">a<script>var x="評";</script></p>') == ["提示", "a"]
    assert visible_text('<textarea translate="no">{"zh_Hant": "優"}</textarea><textarea>評</textarea>') == ["評"]
