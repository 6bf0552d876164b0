"""Award list (立項名單 / 公示名單) PDF: content, pagination, fonts, verification code."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from grants.platform import numbers, pdf
from grants.publication import award_list

CATEGORIES = ["婦女發展類", "兒童成長類", "家庭建設類", "綜合服務類"]
SYLLABLES = "婦女兒童家庭關愛社區服務心理健康成長支持計劃公益志願留守困境青少年長者融合教育培訓就業陪伴"


def make_rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        name = "".join(SYLLABLES[(i * 7 + k * 3) % len(SYLLABLES)] for k in range(10 + i % 21))
        if i % 9 == 0:
            name = f"{name[:6]}SMART-{2020 + i % 6} Lab{name[6:]}"
        rows.append({
            "rank": i + 1,
            "project": f"{name}{i:03d}",
            "organization": f"惠州市{SYLLABLES[i % 40:i % 40 + 4]}社會工作服務中心" if i % 5 else "Huizhou Care Association",
            "category": CATEGORIES[i % 4],
            "score": Decimal("95.125") - Decimal(i) / 10,
            "amount": Decimal(20_000 + 1_250 * i),
        })
    if n < 9:
        return rows
    rows[3]["project"] = "<script>alert('x')</script>反家暴宣傳"
    rows[5]["project"] = "超長項目名稱" * 12  # 72 CJK chars: wraps over several lines
    rows[7]["project"] = "Supercalifragilisticexpialidocious-Community-Empowerment-Programme-2025"
    rows[8]["organization"] = "Shenzhen & Huizhou Women's \"Bright Future\" Foundation (HK) Ltd."
    return rows


ROWS = make_rows(130)


def context(rows=ROWS) -> dict:
    return award_list.award_list_context(
        issuer="惠州市婦女聯合會",
        round_name="第八屆紅紫荊婦女兒童公益項目創投活動",
        title="立項名單",
        date="2025年6月18日",
        rows=rows,
        verify_base_url="https://grants.example.cn/verify",
        audit_head="ab" * 32,
    )


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(data: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def ctx() -> dict:
    return context()


@pytest.fixture(scope="module")
def parallel_pdf(ctx) -> bytes:
    return award_list.render_award_list(ctx, workers=2, min_pages_per_worker=2, timeout=60)


@pytest.fixture(scope="module")
def single_pdf(ctx) -> bytes:
    return award_list.render_award_list(ctx, workers=1, timeout=60)


@pytest.fixture(params=["parallel", "single"])
def rendered(request, parallel_pdf, single_pdf) -> bytes:
    return parallel_pdf if request.param == "parallel" else single_pdf


def test_every_project_name_and_amount_extracts(rendered, ctx) -> None:
    text = "".join(page_texts(rendered))
    rows = [it for it in ctx["items"] if it["kind"] == "row"]
    assert len(rows) == len(ROWS)
    for row in rows:
        assert squash(row["project"]) in text, row["project"]
        assert squash(row["organization"]) in text, row["organization"]
        assert row["score"] in text and row["amount"] in text
    assert "<script>alert('x')</script>反家暴宣傳" in text  # autoescaped, printed literally


def test_header_repeated_and_page_x_of_y(rendered) -> None:
    texts = page_texts(rendered)
    total = len(texts)
    assert total >= 4
    for number, text in enumerate(texts, start=1):
        assert "名次項目名稱申報機構評分核定金額" in text, number
        assert f"第{number}頁，共{total}頁" in text, (number, text[-80:])
    assert texts[0].count("惠州市婦女聯合會") >= 1 and "立項名單" in texts[0]
    assert all("第八屆紅紫荊婦女兒童公益項目創投活動" not in t for t in texts[1:])


def test_subtotals_and_grand_total(rendered, ctx) -> None:
    text = "".join(page_texts(rendered))
    for category in CATEGORIES:
        group = [r for r in ROWS if r["category"] == category]
        amount = numbers.amount(sum(r["amount"] for r in group))
        assert f"{category}小計（{len(group)}項）{amount}" in text
    grand = numbers.amount(sum(r["amount"] for r in ROWS))
    assert f"合計（{len(ROWS)}項）{grand}" in text
    assert ctx["total_amount"] == grand


def test_seal_never_alone_on_last_page(rendered, ctx) -> None:
    texts = page_texts(rendered)
    last = texts[-1]
    assert "（蓋章）" in last and "負責人簽名" in last
    assert all("（蓋章）" not in t for t in texts[:-1])
    last_rows = [r for r in ctx["items"] if r["kind"] == "row" and squash(r["project"]) in last]
    assert last_rows or "小計" in last


def test_verification_code_and_qr(rendered, ctx) -> None:
    text = "".join(page_texts(rendered))
    code = ctx["verification_code"]
    assert re.fullmatch(r"[0-9a-f]{64}", code)
    assert text.count(code) >= len(page_texts(rendered))  # footer on every page
    assert squash(ctx["verify_url"]) in text
    assert "ab" * 32 in text  # audit-log head
    assert ctx["qr_svg"].startswith("<svg") and "<path" in ctx["qr_svg"]
    assert "data:" not in ctx["qr_svg"]


def test_cjk_fonts_embedded_as_subsets(rendered) -> None:
    names = set()
    for page in PdfReader(io.BytesIO(rendered)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+Noto-?S(ans|erif)-?CJK.*", n) for n in names), names


def test_metadata_title_and_size(parallel_pdf, single_pdf) -> None:
    for data in (parallel_pdf, single_pdf):
        title = PdfReader(io.BytesIO(data)).metadata.title
        assert title == "惠州市婦女聯合會 第八屆紅紫荊婦女兒童公益項目創投活動 立項名單"
    # fonts are subset: a few hundred KiB, not the 16 MiB .ttc files
    assert len(single_pdf) < 600_000
    assert len(parallel_pdf) < 1_000_000


def test_parallel_and_single_pass_print_the_same(parallel_pdf, single_pdf) -> None:
    assert page_texts(parallel_pdf) == page_texts(single_pdf)


def test_short_estimate_falls_back_to_single_pass(monkeypatch, ctx) -> None:
    monkeypatch.setattr(award_list, "estimate_lines", lambda text, width_em: 1)  # far too optimistic
    data = award_list.render_award_list(ctx, workers=2, min_pages_per_worker=1, timeout=60)
    texts = page_texts(data)
    for number, text in enumerate(texts, start=1):
        assert f"第{number}頁，共{len(texts)}頁" in text
        assert "名次項目名稱申報機構評分核定金額" in text
    assert "（蓋章）" in texts[-1]


def test_small_list_single_page() -> None:
    data = award_list.render_award_list(context(make_rows(3)), timeout=60)
    texts = page_texts(data)
    assert len(texts) == 1
    assert "第1頁，共1頁" in texts[0] and "（蓋章）" in texts[0] and "合計（3項）" in texts[0]


# ------------------------------------------------------------------ pure helpers


def test_printed_figures_and_their_pinned_code() -> None:
    """Scores print with 2 decimals (half-up), amounts with separators and cents only when not whole.

    The verification code hashes the printed strings, so it is pinned: a change of the number
    formatter (grants.platform.numbers) that altered what is printed would make lists published
    before fail to verify against a re-render.
    """
    rows = [
        {"rank": 1, "project": "婦女就業支持計劃", "organization": "惠州市愛心社工服務中心", "category": "婦女發展類",
         "score": Decimal("88.845"), "amount": Decimal("150000")},
        {"rank": 2, "project": "Smart Kids", "organization": "Huizhou Care", "category": "兒童成長類",
         "score": "70", "amount": "1234567.5"},
        {"rank": 3, "project": "長者陪伴", "organization": "某機構", "category": "兒童成長類",
         "score": Decimal("79.994"), "amount": "98765.43"},
    ]
    ctx = award_list.award_list_context(issuer="惠州市婦女聯合會", round_name="第八屆", title="立項名單",
                                        date="2025年6月18日", rows=rows, verify_base_url="https://x/verify")
    printed = [(i["score"], i["amount"]) for i in ctx["items"] if i["kind"] == "row"]
    assert printed == [("88.85", "150,000"), ("70.00", "1,234,567.50"), ("79.99", "98,765.43")]
    assert [i["amount"] for i in ctx["items"] if i["kind"] != "row"] == ["150,000", "1,333,332.93", "1,483,332.93"]
    assert ctx["verification_code"] == "61aa59f5ec3e8a6fad8b68f4991c6dea6f5b4487abcf919a57f33e6600bc61c1"


def test_a_row_without_score_prints_blank() -> None:
    row = dict(ROWS[0], score="")
    ctx = context([row])
    assert ctx["items"][0]["score"] == "" and ctx["items"][0]["amount"] == "20,000"


def test_verification_code_is_canonical() -> None:
    a = context()["verification_code"]
    assert a == context()["verification_code"]
    changed = [dict(r) for r in ROWS]
    changed[0]["amount"] += 1
    assert context(changed)["verification_code"] != a


def test_paginator_keeps_rows_with_seal_and_fits_pages() -> None:
    layout = award_list.DEFAULT_AWARD_LAYOUT
    items = context(make_rows(400))["items"]
    pages = award_list.paginate_award_list(items, layout)
    assert [it for p in pages for it in p["items"] if it["kind"] != "group"] == items
    assert pages[-1]["last"] and not any(p["last"] for p in pages[:-1])
    assert len(pages[-1]["items"]) >= layout.keep_rows_with_seal
    avail = layout.body_mm - layout.slack_mm
    for n, page in enumerate(pages):
        used = layout.thead_mm + (layout.header_mm if n == 0 else 0)
        used += sum(award_list._item_height(it, layout) for it in page["items"])
        used += layout.seal_mm if page["last"] else 0
        assert used <= avail or len(page["items"]) == 1


def test_estimate_lines() -> None:
    assert award_list.estimate_lines("項目", 10) == 1
    assert award_list.estimate_lines("項" * 30, 10) >= 3
    assert award_list.estimate_lines("a" * 100, 10) >= 6


def test_estimate_holds_for_wide_latin_names(monkeypatch) -> None:
    """Capitals and wide glyphs must not make the pre-paginated parts overflow."""
    rows = make_rows(60)
    for i, row in enumerate(rows):
        if i % 2:
            row["project"] = "WMW MWM " * (2 + i % 4) + "@%" * (i % 3)
            row["organization"] = "WOMEN'S EMPOWERMENT & MEDIA WORKSHOP " + "M" * (i % 30)
    ctx = context(rows)

    def no_fallback(*args, **kwargs):
        raise AssertionError("the estimate was short: single-pass fallback used")

    monkeypatch.setattr(pdf, "html_to_pdf", no_fallback)
    data = award_list.render_award_list(ctx, workers=2, min_pages_per_worker=1, timeout=60)
    texts = page_texts(data)
    assert all(f"第{n}頁，共{len(texts)}頁" in t for n, t in enumerate(texts, start=1))
    joined = "".join(texts)
    assert all(squash(r["project"]) in joined for r in rows)


def test_join_tail_keeps_the_last_two_cjk_characters_together_without_a_span():
    wj = award_list.WORD_JOINER
    assert award_list.join_tail("惠州市惠城區陽光婦女兒童服務中心") == f"惠州市惠城區陽光婦女兒童服務中{wj}心"
    assert award_list.join_tail("服務計劃092") == f"服務計{wj.join('劃092')}"  # a short number tail stays with 劃
    assert award_list.join_tail("Huizhou Care") == "Huizhou Care"
    assert award_list.join_tail("服務計劃 Lab") == "服務計劃 Lab"  # a space: the line may break there
    assert award_list.join_tail("中心") == "中心"
    html = award_list.award_list_html(context(make_rows(12)))
    assert 'class="nw"' not in html and f"中{wj}心" in html


def test_the_word_joiner_is_not_in_the_pdf_text(single_pdf):
    text = "".join(page_texts(single_pdf))
    assert award_list.WORD_JOINER not in text
    assert squash(ROWS[11]["organization"]) in text and ROWS[11]["organization"].endswith("中心")  # found whole


def test_parallel_parts_share_one_font_subset_per_face(parallel_pdf, single_pdf) -> None:
    """The parts' own subsets are replaced by one subset per face (grants.platform.pdf_merge), so the
    parallel file is not a font pair larger per part; every glyph still extracts (tests above)."""
    files: dict[str, set] = {}
    reader = PdfReader(io.BytesIO(parallel_pdf))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            files.setdefault(str(font["/BaseFont"]).split("+")[1], set()).add(descriptor.raw_get("/FontFile3").idnum)
    assert files and all(len(ids) == 1 for ids in files.values()), files
    assert len(parallel_pdf) < len(single_pdf) * 1.15


def test_parts_keep_their_own_subsets_when_the_font_file_is_not_found(monkeypatch, ctx, parallel_pdf) -> None:
    from grants.platform import pdf_merge

    monkeypatch.setattr(pdf_merge, "_font_file", lambda name: None)
    data = award_list.render_award_list(ctx, workers=2, min_pages_per_worker=2, timeout=60)
    assert page_texts(data) == page_texts(parallel_pdf)
    assert len(data) > len(parallel_pdf) * 1.2  # one subset pair per part


def test_categories_are_group_headings_repeated_where_a_group_goes_on(rendered, ctx) -> None:
    """The category is a heading row before its group (no category column); a page that starts inside a
    group repeats it as "…（續）"; every row sits under its own category's heading."""
    texts = page_texts(rendered)
    for number, text in enumerate(texts, start=1):
        header_end = text.index("名次項目名稱申報機構評分核定金額") + len("名次項目名稱申報機構評分核定金額")
        body = text[header_end:]
        if number > 1 and not body.startswith(tuple(CATEGORIES)):  # the page starts with a group's heading
            pytest.fail(f"page {number} starts without a group heading: {body[:40]}")
    pages = award_list.paginate_award_list(ctx["items"], labels=ctx["labels"])
    category = None
    for n, page in enumerate(pages):
        first = page["items"][0]
        if n and first["kind"] == "group" and first["continued"]:
            assert first["label"] == f"{category}（續）"
        for item in page["items"]:
            if item["kind"] == "group":
                category = item["category"]
            elif item["kind"] in ("row", "subtotal"):
                assert item["category"] == category, (n, item)
        assert page["items"][-1]["kind"] != "group", n  # a heading never ends a page
    assert sum(1 for p in pages for it in p["items"] if it["kind"] == "group" and not it["continued"]) == 4
