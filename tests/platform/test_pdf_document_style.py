"""The document-language helpers of grants.platform.pdf (pure: no database, no render)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.platform import numbers, pdf


@pytest.mark.parametrize("tag, expected", [
    ("zh_Hant", "zh_Hant"), ("zh_Hant_TW", "zh_Hant"), ("zh-TW", "zh_Hant"), ("zh_HK", "zh_Hant"),
    ("zh_Hans", "zh_Hans"), ("zh_Hans_CN", "zh_Hans"), ("zh-CN", "zh_Hans"), ("zh", "zh_Hans"),
    ("en", "en"), ("en_GB", "en"), ("fr", "zh_Hant"), (None, "zh_Hant"),
])
def test_normalize_locale(tag, expected):
    assert pdf.normalize_locale(tag) == expected


def test_each_language_names_its_own_faces_first():
    tc, sc, en = (pdf.document_style(loc) for loc in ("zh_Hant", "zh_Hans", "en"))
    assert 'html { font-family: "Noto Sans CJK TC", sans-serif; }' in tc and "CJK SC" not in tc
    assert 'html { font-family: "Noto Sans CJK SC", sans-serif; }' in sc and "CJK TC" not in sc
    assert 'html { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }' in en and "CJK TC" not in en
    assert '"Noto Serif CJK SC"' in sc.split("h1, h2, h3")[1]


def test_page_footer_from_the_catalog_label():
    assert pdf.page_counter_css("第 %(page)s 頁，共 %(pages)s 頁") == '"第 " counter(page) " 頁，共 " counter(pages) " 頁"'
    assert pdf.page_counter_css("Page %(page)s of %(pages)s", 12) == '"Page " counter(page) " of " "12"'
    assert pdf.page_counter_css("%(page)s/%(pages)s") == 'counter(page) "/" counter(pages)'


def test_css_strings_cannot_break_out_of_the_style_element():
    text = pdf.css_string('a"; } </style><script>x</script>\\')
    assert text.count('"') == 2 and "<" not in text and "\\\\" not in text.replace("\\5c ", "")


def test_no_widow_keeps_the_last_two_cjk_characters_together():
    assert str(pdf.no_widow("惠州市惠城區陽光婦女兒童服務中心")) == '惠州市惠城區陽光婦女兒童服務<span class="nw">中心</span>'
    assert str(pdf.no_widow("<b>社工中心</b>")) == '&lt;b&gt;社工中<span class="nw">心&lt;/b&gt;</span>'  # escaped
    assert str(pdf.no_widow("<b>社工中心")) == '&lt;b&gt;社工<span class="nw">中心</span>'
    assert str(pdf.no_widow("服務計劃092")) == '服務計<span class="nw">劃092</span>'
    assert str(pdf.no_widow("Huizhou Care")) == "Huizhou Care" and str(pdf.no_widow(None)) == ""
    assert str(pdf.no_widow("服務計劃 Lab")) == "服務計劃 Lab"  # a space: the line may break there


def test_points_never_print_an_exponent():
    assert [numbers.points(v) for v in (Decimal("2E+1"), Decimal("1E+1"), Decimal("7.50"), Decimal("0.25"), 0)] == \
        ["20", "10", "7.5", "0.25", "0"]
    assert numbers.points(None) == "—"
