"""Element ids of a rendered page (no tests here): every id once, every ``<label for>`` pointing at an element.

WTForms gives a field the id of its name, so two forms with a field of the same name on one page
(two ``reason`` boxes) share an id: the second label focuses the first box. A form shown beside others
with the same field names takes a ``prefix`` (``extend-final-reason``).
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_for: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") is not None:
            self.ids.append(a["id"])
        if tag == "label" and a.get("for") is not None:
            self.label_for.append(a["for"])

    handle_startendtag = handle_starttag


def id_problems(html: str) -> list[str]:
    """What is wrong with the page's ids: ids used more than once, labels for no element."""
    parser = _Ids()
    parser.feed(html)
    parser.close()
    counts = Counter(parser.ids)
    problems = [f"id {i!r} used {n} times" for i, n in counts.items() if n > 1]
    problems += [f"<label for={f!r}> points at no element" for f in parser.label_for if f not in counts]
    return problems
