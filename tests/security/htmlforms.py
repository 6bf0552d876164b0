"""The forms of a rendered page, with the values a browser would send (no tests here).

``forms_of(html, page_url)`` -> {action path: [HtmlForm, ...]}; an ``HtmlForm`` knows its fields, the
value each would carry if submitted as rendered (checked boxes, selected options, text areas),
its file inputs and its first named submit button.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class HtmlForm:
    action: str
    method: str = "get"
    values: dict[str, list[str]] = field(default_factory=dict)  # what a browser would send
    names: list[str] = field(default_factory=list)  # every named control, in page order
    files: list[str] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)  # select/radio name -> option values
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, "textarea" or "select"

    def add(self, name: str, value: str | None = None, kind: str | None = None) -> None:
        if kind and name not in self.kinds:
            self.kinds[name] = kind
        if name not in self.names:
            self.names.append(name)
        if value is not None:
            self.values.setdefault(name, []).append(value)


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.textarea: str | None = None
        self.text: list[str] = []
        self.select: str | None = None
        self.select_multiple = False
        self.select_chosen: list[str] = []
        self.select_first: str | None = None
        self.option: dict | None = None
        self.submit_taken = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page
            self.form = HtmlForm(action=action.split("#")[0], method=(a.get("method") or "get").lower())
            self.forms.append(self.form)
            self.submit_taken = False
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self.form.files.append(name)
                self.form.add(name, kind="file")
            elif kind in ("checkbox", "radio"):
                self.form.selects.setdefault(name, []).append(a.get("value", "on"))
                self.form.add(name, a.get("value", "on") if "checked" in a else None, kind=kind)
            elif kind in ("submit", "image", "button", "reset"):
                if kind == "submit" and not self.submit_taken:
                    self.submit_taken = True
                    self.form.add(name, a.get("value", ""), kind="submit")
            else:
                self.form.add(name, a.get("value", ""), kind=kind)
        elif tag == "button" and name:
            if (a.get("type") or "submit").lower() == "submit" and not self.submit_taken:
                self.submit_taken = True
                self.form.add(name, a.get("value", ""), kind="submit")
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []
        elif tag == "select" and name:
            self.select, self.select_multiple = name, "multiple" in a
            self.select_chosen, self.select_first = [], None
            self.form.selects[name] = []
        elif tag == "option" and self.select:
            self.option = a
            self.text = []

    def handle_data(self, data):
        if self.textarea is not None or self.option is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            text = "".join(self.text)
            self.form.add(self.textarea, text[1:] if text.startswith("\n") else text, kind="textarea")
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select:
            value = self.option.get("value", "".join(self.text).strip())
            self.form.selects[self.select].append(value)
            if self.select_first is None:
                self.select_first = value
            if "selected" in self.option:
                self.select_chosen.append(value)
            self.option = None
        elif tag == "select" and self.select and self.form is not None:
            chosen = self.select_chosen or ([] if self.select_multiple else [self.select_first or ""])
            self.form.add(self.select, kind="select")
            for value in chosen:
                self.form.add(self.select, value)
            self.select = None


def forms_of(html: str, page_url: str) -> dict[str, list[HtmlForm]]:
    """The POST forms of a page by the path they post to (several forms may post to one path)."""
    parser = _Parser(page_url)
    parser.feed(html)
    out: dict[str, list[HtmlForm]] = {}
    for form in parser.forms:
        if form.method != "post":
            continue
        out.setdefault(form.action.replace("&amp;", "&").split("?")[0], []).append(form)
    return out
