"""grants.rules.charts: pure SVG charts parse as XML, draw one bar per datum, print values, escape text."""

from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from grants.rules import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    assert "style=" not in svg  # the CSP forbids inline style attributes
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    title = root.find("s:title", NS)
    assert title is not None and title.get("id") == labelled[0]
    return root


def bars(root, ref=None):
    out = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if "bar" in (r.get("class") or "").split()]
    if ref is None:
        return out
    return [r for r in out if ("ref" in r.get("class").split()) == ref]


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_bar_chart_one_bar_per_item_values_printed():
    items = [("婦女發展", 3), ("兒童關愛", 12), ("家庭建設", 0)]
    root = parse(charts.bar_chart(items, title="Proposals by category", value_label="Proposals", lang="en"))
    assert len(bars(root)) == 3
    shown = texts(root)
    for label, value in items:
        assert label in shown and str(value) in shown
    assert root.find("s:title", NS).text == "Proposals by category"
    assert root.get("lang") == "en"
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[1] > widths[0] > widths[2] == 0


def test_names_from_users_are_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    svg = charts.bar_chart([(evil, 1)], title=evil, value_label=evil)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    tooltips = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert evil in tooltips and f"{evil}: 1" in tooltips  # round-trips as text, never as markup
    for make in (
        lambda: charts.grouped_bar_chart([(evil, 1, 2)], title=evil, value_name=evil, reference_name=evil),
        lambda: charts.histogram([(evil, 1)], title=evil, x_label=evil, y_label=evil),
        lambda: charts.step_chart([(date(2026, 3, 1), 1)], title=evil, x_label=evil, y_label=evil,
                                  marker=(date(2026, 3, 2), evil)),
    ):
        out = make()
        assert "<script>" not in out
        parse(out)


@pytest.mark.parametrize("render", [
    lambda e: charts.bar_chart([], title="T", value_label="v", empty_text=e),
    lambda e: charts.grouped_bar_chart([], title="T", value_name="a", reference_name="b", empty_text=e),
    lambda e: charts.histogram([("0–10", 0), ("10–20", 0)], title="T", x_label="x", y_label="y", empty_text=e),
    lambda e: charts.step_chart([], title="T", x_label="x", y_label="y", empty_text=e),
])
def test_empty_data_says_so(render):
    root = parse(render("尚無數據 <none>"))
    assert bars(root) == []
    assert "尚無數據 <none>" in texts(root)


def test_grouped_bar_value_and_reference():
    items = [("A", Decimal("160000.00"), Decimal("500000")), ("B", Decimal("120000"), Decimal("100000")),
             ("C", Decimal("5000"), None)]
    root = parse(charts.grouped_bar_chart(items, title="Funds vs quota", value_name="Awarded", reference_name="Quota",
                                          fmt=lambda v: f"¥{v:,.2f}"))
    assert len(bars(root, ref=False)) == 3
    assert len(bars(root, ref=True)) == 2  # no quota, no reference bar
    shown = texts(root)
    for value in ("¥160,000.00", "¥500,000.00", "¥120,000.00", "¥100,000.00", "¥5,000.00"):
        assert value in shown
    over = bars(root, ref=False)[1]
    assert over.get("fill") == charts.PALETTE["err"]  # above its quota
    assert "Awarded" in shown and "Quota" in shown  # legend


def test_histogram_bins_and_counts():
    bins = [(f"{i * 10}–{i * 10 + 10}", c) for i, c in enumerate([0, 0, 0, 0, 0, 1, 4, 7, 2, 1])]
    root = parse(charts.histogram(bins, title="Scores", x_label="Points", y_label="Proposals"))
    assert len(bars(root)) == 10
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights[7] == max(heights) and heights[0] == 0
    shown = texts(root)
    assert "70–80" in shown and "7" in shown and "Points" in shown and "Proposals" in shown
    edged = parse(charts.histogram(bins, title="Scores", x_label="Points", y_label="Proposals",
                                   edges=[str(i * 10) for i in range(11)]))
    shown = texts(edged)
    assert "70–80" not in shown and "0" in shown and "100" in shown
    with pytest.raises(ValueError):
        charts.histogram(bins, title="S", x_label="x", y_label="y", edges=["0", "10"])


def test_long_labels_are_shortened_but_kept_in_the_tooltip():
    name = "大亞灣經濟技術開發區" * 5
    root = parse(charts.bar_chart([(name, 3)], title="T", value_label="v"))
    label = next(t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "label")
    assert label.text.endswith("…") and len(label.text) < len(name)
    assert name + ": 3" in ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}title")]


def test_step_chart_marker_and_final_value():
    points = [(date(2026, 3, 1), 0), (date(2026, 3, 2), 1), (date(2026, 3, 5), 3), (date(2026, 3, 21), 4)]
    root = parse(charts.step_chart(points, title="Received", x_label="Day", y_label="Proposals",
                                   marker=(date(2026, 3, 20), "Deadline 2026-03-20")))
    marker = [e for e in root.iter("{http://www.w3.org/2000/svg}line") if e.get("class") == "marker"]
    assert len(marker) == 1
    path = root.find("s:path", NS)
    assert path.get("class") == "line" and path.get("d").startswith("M")
    shown = texts(root)
    assert "Deadline 2026-03-20" in shown and "4" in shown
    assert "2026-03-01" in shown and "2026-03-21" in shown
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 4


def test_ids_are_safe_and_distinct():
    a = parse(charts.bar_chart([("x", 1)], title="One", value_label="v"))
    b = parse(charts.bar_chart([("x", 1)], title="Two", value_label="v"))
    c = parse(charts.bar_chart([("x", 1)], title="Two", value_label="v", ident='9 "bad" id'))
    assert a.get("id") != b.get("id")
    assert c.get("id").replace("-", "").isalnum()


def test_fmt_number():
    assert charts.fmt_number(1234567) == "1,234,567"
    assert charts.fmt_number(Decimal("12.50")) == "12.50"
    assert charts.fmt_number(Decimal("100.00")) == "100"
    assert charts.fmt_number(None) == "—"
