"""Small accessible SVG charts rendered on the server (PURE: no Flask, no SQLAlchemy).

Every function returns one ``<svg>`` string meant to be inlined in a page:

* ``viewBox`` + ``width="100%"`` so it scales to a phone (cap its size with CSS: static/css/charts.css);
* ``role="img"`` with a ``<title>`` (and a ``<desc>`` when given) referenced by ``aria-labelledby``;
* colours from the site palette (static/css/app.css) as SVG presentation attributes
  (``fill="..."``, ``font-size="..."``), never ``style=""`` (the CSP's style-src 'self' forbids it);
* EVERY piece of text escaped here (``xml.sax.saxutils``), so callers may mark the output safe:
  category and reviewer names come from users;
* all text (titles, axis labels, the "no data" message) is given by the caller in the page language;
  ``lang`` goes on the ``<svg>`` element.

Charts: ``bar_chart`` (horizontal, label above each bar: works at 320 px), ``grouped_bar_chart``
(value vs reference, e.g. funds awarded vs quota), ``step_chart`` (cumulative series with a marker
line, e.g. the deadline) and ``histogram`` (vertical columns over bins).  Each bar or column has
``class="bar"`` (reference bars ``class="bar ref"``) and its number printed next to it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr

__all__ = ["PALETTE", "bar_chart", "fmt_number", "grouped_bar_chart", "histogram", "step_chart"]

PALETTE = {
    "primary": "#8e2157",  # --bauhinia
    "dark": "#6b1741",  # --bauhinia-dark
    "ink": "#1f2328",
    "muted": "#5f6770",
    "line": "#d9dde3",
    "ok": "#1e7a46",
    "warn": "#9a6700",
    "err": "#b42318",
    "ref": "#e8c6d7",  # a light tint of --bauhinia for reference bars (quota, assigned)
    "bg": "#faf7f9",
}

WIDTH = 360  # viewBox units; ~0.9 px per unit on a 360 px phone
FONT = 15
SMALL = 13

Number = int | float | Decimal


def esc(text: object) -> str:
    return _escape(str(text))


def fmt_number(value: Number | None) -> str:
    """1234 -> '1,234'; Decimal('12.50') -> '12.50'; whole Decimals without decimals."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return f"{value:,}"


def _ident(ident: str | None, title: str) -> str:
    if ident:
        clean = re.sub(r"[^A-Za-z0-9_-]", "-", ident)
        return clean if clean[:1].isalpha() else "c" + clean
    return "chart-" + hashlib.sha256(title.encode()).hexdigest()[:10]


def _text_width(text: str, size: float) -> float:
    """Rough width of a text run: CJK glyphs are square, Latin about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _fit(text: str, size: float, room: float) -> str:
    """Shorten a label to fit ``room`` (the full text stays in the bar's tooltip and in the table)."""
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _colon(lang: str | None) -> str:
    """The "label: value" separator of the chart's language (Chinese: a full-width colon)."""
    return "：" if (lang or "").lower().startswith("zh") else ": "


def _open(ident: str, title: str, desc: str | None, height: float, lang: str | None, css: str) -> list[str]:
    labelled = f"{ident}-t" + (f" {ident}-d" if desc else "")
    attrs = (
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'role="img" aria-labelledby="{labelled}" class="chart {css}" id="{ident}" '
        f'font-family="inherit" font-size="{FONT}" fill="{PALETTE["ink"]}"'
    )
    if lang:
        attrs += f" lang={quoteattr(lang)} xml:lang={quoteattr(lang)}"
    out = [f"<svg {attrs}>", f'<title id="{ident}-t">{esc(title)}</title>']
    if desc:
        out.append(f'<desc id="{ident}-d">{esc(desc)}</desc>')
    out.append(f'<text x="0" y="{FONT + 2}" font-weight="700">{esc(_fit(title, FONT, WIDTH))}</text>')
    return out


def _empty(ident: str, title: str, lang: str | None, empty_text: str, css: str) -> str:
    out = _open(ident, title, None, 80, lang, css + " empty")
    out.append(f'<text x="{WIDTH / 2:.0f}" y="55" text-anchor="middle" class="no-data" '
               f'fill="{PALETTE["muted"]}">{esc(empty_text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _value_label(x_end: float, y_mid: float, text: str, inside_fill: str = "#fff") -> str:
    """A number at the end of a horizontal bar: outside when there is room, else inside."""
    width = _text_width(text, SMALL)
    if x_end + 6 + width <= WIDTH:
        return (f'<text x="{x_end + 6:.1f}" y="{y_mid + SMALL * 0.35:.1f}" font-size="{SMALL}" '
                f'class="value">{esc(text)}</text>')
    return (f'<text x="{x_end - 6:.1f}" y="{y_mid + SMALL * 0.35:.1f}" font-size="{SMALL}" text-anchor="end" '
            f'fill="{inside_fill}" class="value">{esc(text)}</text>')


def _axis_caption(y: float, text: str) -> str:
    return (f'<text x="0" y="{y:.1f}" font-size="{SMALL}" fill="{PALETTE["muted"]}" class="axis-label">'
            f"{esc(_fit(text, SMALL, WIDTH))}</text>")


def bar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    value_label: str,
    category_label: str = "",
    empty_text: str = "No data",
    fmt: Callable[[Number], str] = fmt_number,
    desc: str | None = None,
    lang: str | None = None,
    ident: str | None = None,
    color: str = PALETTE["primary"],
) -> str:
    """Horizontal bars, one per ``(label, value)``, each label on its own line above its bar."""
    ident = _ident(ident, title)
    if not items:
        return _empty(ident, title, lang, empty_text, "bar-chart")
    top = FONT + 14
    caption = category_label + (" · " if category_label and value_label else "") + value_label
    if caption:
        top += SMALL + 6
    row = FONT + 30
    scale_max = max((float(v) for _, v in items), default=0) or 1.0
    usable = WIDTH - 80  # room for the number after the longest bar
    height = top + row * len(items) + 4
    out = _open(ident, title, desc, height, lang, "bar-chart")
    if caption:
        out.append(_axis_caption(FONT + 14 + SMALL - 2, caption))
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = max(float(value), 0) / scale_max * usable
        out.append(f'<text x="0" y="{y + FONT:.1f}" class="label">{esc(_fit(label, FONT, WIDTH))}</text>')
        bar_y = y + FONT + 5
        out.append(f'<rect class="bar" x="0" y="{bar_y:.1f}" width="{length:.1f}" height="18" fill="{color}" rx="2">'
                   f"<title>{esc(label)}{_colon(lang)}{esc(fmt(value))}</title></rect>")
        out.append(_value_label(length, bar_y + 9, fmt(value)))
    out.append(f'<line x1="0" y1="{top - 2}" x2="0" y2="{height - 4:.0f}" stroke="{PALETTE["muted"]}" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


def grouped_bar_chart(
    items: Sequence[tuple[str, Number, Number | None]],
    *,
    title: str,
    value_name: str,
    reference_name: str,
    value_label: str = "",
    empty_text: str = "No data",
    fmt: Callable[[Number], str] = fmt_number,
    desc: str | None = None,
    lang: str | None = None,
    ident: str | None = None,
) -> str:
    """Two horizontal bars per group: the value (dark) and its reference (light), e.g. awarded vs quota.

    A group whose reference is None gets only the value bar (and no reference number).
    A value above its reference is drawn in the warning colour.
    """
    ident = _ident(ident, title)
    if not items:
        return _empty(ident, title, lang, empty_text, "grouped-bar-chart")
    top = FONT + 14
    # legend
    legend_y = top + 4
    top = legend_y + SMALL + 10
    if value_label:
        top += SMALL + 6
    row = FONT + 46
    scale_max = max([float(v) for _, v, _r in items] + [float(r) for _, _v, r in items if r is not None]) or 1.0
    usable = WIDTH - 95
    height = top + row * len(items) + 4
    out = _open(ident, title, desc, height, lang, "grouped-bar-chart")
    out.append(f'<rect x="0" y="{legend_y:.0f}" width="14" height="12" fill="{PALETTE["primary"]}"/>')
    out.append(f'<text x="20" y="{legend_y + 11:.0f}" font-size="{SMALL}" class="legend">{esc(value_name)}</text>')
    second = 20 + _text_width(value_name, SMALL) + 20
    out.append(f'<rect x="{second:.0f}" y="{legend_y:.0f}" width="14" height="12" fill="{PALETTE["ref"]}"/>')
    out.append(f'<text x="{second + 20:.0f}" y="{legend_y + 11:.0f}" font-size="{SMALL}" class="legend">'
               f"{esc(reference_name)}</text>")
    if value_label:
        out.append(_axis_caption(top - 6, value_label))
    for i, (label, value, reference) in enumerate(items):
        y = top + i * row
        out.append(f'<text x="0" y="{y + FONT:.1f}" class="label">{esc(_fit(label, FONT, WIDTH))}</text>')
        bar_y = y + FONT + 5
        length = max(float(value), 0) / scale_max * usable
        over = reference is not None and value > reference
        fill = PALETTE["err"] if over else PALETTE["primary"]
        out.append(f'<rect class="bar" x="0" y="{bar_y:.1f}" width="{length:.1f}" height="16" fill="{fill}" rx="2">'
                   f"<title>{esc(label)} · {esc(value_name)}{_colon(lang)}{esc(fmt(value))}</title></rect>")
        out.append(_value_label(length, bar_y + 8, fmt(value)))
        if reference is not None:
            ref_y = bar_y + 19
            ref_len = max(float(reference), 0) / scale_max * usable
            out.append(f'<rect class="bar ref" x="0" y="{ref_y:.1f}" width="{ref_len:.1f}" height="12" '
                       f'fill="{PALETTE["ref"]}" rx="2"><title>{esc(label)} · {esc(reference_name)}{_colon(lang)}'
                       f"{esc(fmt(reference))}</title></rect>")
            out.append(_value_label(ref_len, ref_y + 6, fmt(reference), inside_fill=PALETTE["ink"]))
    out.append(f'<line x1="0" y1="{top - 2}" x2="0" y2="{height - 4:.0f}" stroke="{PALETTE["muted"]}" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


def step_chart(
    points: Sequence[tuple[date, Number]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    marker: tuple[date, str] | None = None,
    empty_text: str = "No data",
    fmt: Callable[[Number], str] = fmt_number,
    desc: str | None = None,
    lang: str | None = None,
    ident: str | None = None,
) -> str:
    """A cumulative step line over days, ``points`` sorted by day; ``marker`` draws a dashed vertical line.

    Each point gets a dot with a tooltip; the last value is printed at the end of the line.
    """
    ident = _ident(ident, title)
    if not points:
        return _empty(ident, title, lang, empty_text, "step-chart")
    left, right, top, bottom = 44, 54, FONT + 36, 48
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    days = [d for d, _ in points] + ([marker[0]] if marker else [])
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    y_max = max(float(v) for _, v in points) or 1.0

    def px(day: date) -> float:
        return left + (day - first).days / span * plot_w

    def py(value: Number) -> float:
        return top + plot_h - float(value) / y_max * plot_h

    out = _open(ident, title, desc, height, lang, "step-chart")
    out.append(_axis_caption(FONT + 18, y_label))
    # axes and gridlines at 0, half and max
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{PALETTE["muted"]}"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="{PALETTE["muted"]}"/>')
    ticks = sorted({0, round(y_max / 2), round(y_max)}) if y_max >= 2 else [0, y_max]
    for t in ticks:
        y = py(t)
        if t:
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{PALETTE["line"]}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="{SMALL}" text-anchor="end" class="tick">'
                   f"{esc(fmt(t))}</text>")
    # x ticks: first and last day
    out.append(f'<text x="{left}" y="{base + 18}" font-size="{SMALL}" class="tick">{esc(first.isoformat())}</text>')
    if last != first:
        out.append(f'<text x="{left + plot_w}" y="{base + 18}" font-size="{SMALL}" text-anchor="end" class="tick">'
                   f"{esc(last.isoformat())}</text>")
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" font-size="{SMALL}" text-anchor="middle" '
               f'fill="{PALETTE["muted"]}" class="axis-label">{esc(x_label)}</text>')
    # the step path
    d = [f"M{px(points[0][0]):.1f},{base:.1f}", f"V{py(points[0][1]):.1f}"]
    for day, value in points[1:]:
        d.append(f"H{px(day):.1f}")
        d.append(f"V{py(value):.1f}")
    if marker and marker[0] > points[-1][0]:
        d.append(f"H{px(marker[0]):.1f}")
    out.append(f'<path class="line" d="{"".join(d)}" fill="none" stroke="{PALETTE["primary"]}" stroke-width="2.5"/>')
    for day, value in points:
        out.append(f'<circle class="point" cx="{px(day):.1f}" cy="{py(value):.1f}" r="3.5" fill="{PALETTE["primary"]}">'
                   f"<title>{esc(day.isoformat())}{_colon(lang)}{esc(fmt(value))}</title></circle>")
    end_x = px(max(points[-1][0], marker[0])) if marker else px(points[-1][0])
    last_text = fmt(points[-1][1])
    room = end_x + 6 + _text_width(last_text, SMALL) <= WIDTH
    out.append(f'<text x="{end_x + 6 if room else end_x - 6:.1f}" y="{py(points[-1][1]) - 6:.1f}" '
               f'font-size="{SMALL}" font-weight="700" text-anchor="{"start" if room else "end"}" class="value">'
               f"{esc(last_text)}</text>")
    if marker:
        mx = px(marker[0])
        out.append(f'<line class="marker" x1="{mx:.1f}" y1="{top - 6}" x2="{mx:.1f}" y2="{base}" '
                   f'stroke="{PALETTE["err"]}" stroke-width="1.5" stroke-dasharray="5 4"/>')
        anchor = "end" if mx > left + plot_w / 2 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(f'<text x="{mx + dx:.1f}" y="{top + SMALL + 8}" font-size="{SMALL}" text-anchor="{anchor}" '
                   f'fill="{PALETTE["err"]}" class="marker-label">{esc(marker[1])}</text>')
    out.append("</svg>")
    return "".join(out)


def histogram(
    bins: Sequence[tuple[str, int]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    empty_text: str = "No data",
    fmt: Callable[[Number], str] = fmt_number,
    desc: str | None = None,
    lang: str | None = None,
    ident: str | None = None,
    edges: Sequence[str] | None = None,
) -> str:
    """Vertical columns, one per ``(bin label, count)``; counts printed above the columns.

    With ``edges`` (one more than the bins, e.g. "0", "10", ... "100") the x axis shows the bin
    edges at the column boundaries (narrow on a phone); otherwise each column shows its label.
    All-zero counts render the "no data" message (nothing to show).
    """
    if edges is not None and len(edges) != len(bins) + 1:
        raise ValueError("edges must have one more entry than bins")
    ident = _ident(ident, title)
    if not bins or not any(c for _, c in bins):
        return _empty(ident, title, lang, empty_text, "histogram")
    left, right, top, bottom = 36, 6, FONT + 40, 52
    height = 280
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    y_max = max(c for _, c in bins) or 1
    slot = plot_w / len(bins)
    out = _open(ident, title, desc, height, lang, "histogram")
    out.append(_axis_caption(FONT + 18, y_label))
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{PALETTE["muted"]}"/>')
    out.append(f'<text x="{left - 6}" y="{base + 4}" font-size="{SMALL}" text-anchor="end" class="tick">0</text>')
    label_size = SMALL if slot >= 40 else 11
    for i, (label, count) in enumerate(bins):
        h = count / y_max * plot_h
        x = left + i * slot
        out.append(f'<rect class="bar" x="{x + 2:.1f}" y="{base - h:.1f}" width="{slot - 4:.1f}" height="{h:.1f}" '
                   f'fill="{PALETTE["primary"]}"><title>{esc(label)}{_colon(lang)}{esc(fmt(count))}</title></rect>')
        out.append(f'<text x="{x + slot / 2:.1f}" y="{base - h - 4:.1f}" font-size="{SMALL}" text-anchor="middle" '
                   f'class="value">{esc(fmt(count))}</text>')
        if edges is None:
            out.append(f'<text x="{x + slot / 2:.1f}" y="{base + 16}" font-size="{label_size}" text-anchor="middle" '
                       f'class="tick">{esc(label)}</text>')
    step = 1 if slot >= _text_width(max(edges or [""], key=len), label_size) + 4 else 2
    for i, edge in enumerate(edges or ()):
        if i % step == 0 or i == len(edges) - 1:
            out.append(f'<text x="{left + i * slot:.1f}" y="{base + 16}" font-size="{label_size}" '
                       f'text-anchor="middle" class="tick edge">{esc(edge)}</text>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" font-size="{SMALL}" text-anchor="middle" '
               f'fill="{PALETTE["muted"]}" class="axis-label">{esc(x_label)}</text>')
    out.append("</svg>")
    return "".join(out)
