"""Award-list PDF benchmark: our template vs a plain auto-layout table of the same rows.

    .venv/bin/python benchmarks/bench_award_list.py            # 600 and 3,000 rows
    .venv/bin/python benchmarks/bench_award_list.py --quick    # 600 rows only
    .venv/bin/python benchmarks/bench_award_list.py --rows 600 3000 --repeat 2

Both sides go through the same engine (``grants.platform.pdf.html_to_pdf*``: child process,
locked-down fetcher, same fonts and font size).  "plain table" is the naive version
(one auto-layout table, WeasyPrint defaults, so no GC tuning); "plain +gc" is the same
table with our GC tuning, to separate the layout gain from the GC gain.  "ours/1 proc"
is our template rendered in one process (no parallel parts).
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from grants.platform import pdf  # noqa: E402
from grants.publication import award_list

CHARS = (
    "婦女兒童家庭關愛社區服務心理健康成長支持計劃項目公益志願者留守困境青少年長者融合教育"
    "培訓就業創業幫扶陪伴安全防護閱讀親子鄰里互助康復殘障照護巾幗花開紅紫荊惠州東江"
)
ORGS = [
    "惠州市{}社會工作服務中心",
    "惠城區{}志願者協會",
    "惠陽區{}公益發展促進會",
    "博羅縣{}婦女兒童之家",
    "{} Social Work Service Centre",
    "龍門縣{}青年創新發展協會（第2分會）",
]
CATEGORIES = ["婦女發展類", "兒童成長類", "家庭建設類", "綜合服務類"]


def make_rows(n: int, seed: int = 8) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        name = "".join(rnd.choice(CHARS) for _ in range(rnd.randint(10, 30)))
        if i % 7 == 0:
            name = name[:6] + "SMART 2024" + name[6:]
        if i % 11 == 0:
            name = name[:5] + "（AI+）" + name[5:]
        org = rnd.choice(ORGS).format("".join(rnd.choice(CHARS) for _ in range(rnd.randint(2, 8))))
        rows.append({
            "rank": i + 1,
            "project": name,
            "organization": org,
            "category": CATEGORIES[rnd.randrange(4)],
            "score": f"{rnd.uniform(60, 98):.3f}",
            "amount": rnd.randrange(20_000, 300_000, 500),
        })
    return rows


def make_context(n: int) -> dict:
    return award_list.award_list_context(
        issuer="惠州市婦女聯合會",
        round_name="第八屆紅紫荊婦女兒童公益項目創投活動",
        title="立項名單",
        date="2025年6月18日",
        rows=make_rows(n),
        verify_base_url="https://grants.example.cn/verify",
        audit_head="9f2c" * 16,
    )


def plain_table_html(ctx: dict) -> str:
    """The naive version: one auto-layout table, full borders, thead, same data/fonts."""
    e = html.escape
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>plain</title>",
        "<link rel='stylesheet' href='css/pdf/base.css'><style>",
        "table{border-collapse:collapse;width:100%;font-size:9pt;line-height:1.3}",
        "td,th{border:0.5pt solid #000;padding:0.8mm 1mm}</style></head><body>",
        f"<p>{e(ctx['issuer'])}</p><p>{e(ctx['round_name'])}</p><h1>{e(ctx['title'])}</h1>",
        "<table><thead><tr><th>名次</th><th>項目名稱</th><th>申報機構</th><th>類別</th>"
        "<th>評分</th><th>核定金額</th></tr></thead><tbody>",
    ]
    for it in ctx["items"]:
        if it["kind"] == "row":
            out.append(
                f"<tr><td>{it['rank']}</td><td>{e(it['project'])}</td><td>{e(it['organization'])}</td>"
                f"<td>{e(it['category'])}</td><td>{it['score']}</td><td>{it['amount']}</td></tr>"
            )
        else:
            out.append(f"<tr><td colspan=4>{e(it['label'])}</td><td></td><td>{it['amount']}</td></tr>")
    out.append("</tbody></table><p>（蓋章）</p></body></html>")
    return "".join(out)


def timed(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def describe(label: str, seconds: float, data: bytes) -> str:
    pages = len(PdfReader(io.BytesIO(data)).pages)
    return f"  {label:<14} {seconds:7.2f} s  {pages:4d} pages  {len(data) / 1024:8.0f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[600, 3000])
    parser.add_argument("--quick", action="store_true", help="600 rows only")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for our template")
    parser.add_argument("--no-single", action="store_true", help="skip the one-process run of ours")
    args = parser.parse_args()
    sizes = [600] if args.quick else args.rows
    pdf.html_to_pdf("<p>warm-up</p>")  # start the forkserver (imports WeasyPrint once)
    env = pdf.make_jinja_env()
    for n in sizes:
        ctx = make_context(n)
        print(f"{n} rows (load average {os.getloadavg()[0]:.2f}; other jobs on the box skew the figures)")
        t_ours, ours = timed(lambda ctx=ctx: award_list.render_award_list(ctx, env=env), args.repeat)
        print(describe("ours", t_ours, ours))
        if not args.no_single:
            t_one, one = timed(lambda ctx=ctx: award_list.render_award_list(ctx, env=env, workers=1), args.repeat)
            print(describe("ours/1 proc", t_one, one))
        plain_html = plain_table_html(ctx)
        t_plain, plain = timed(lambda h=plain_html: pdf.html_to_pdf(h, timeout=600, tune_gc=False), 1)
        print(describe("plain table", t_plain, plain))
        t_plain_gc, plain_gc = timed(lambda h=plain_html: pdf.html_to_pdf(h, timeout=600), 1)
        print(describe("plain +gc", t_plain_gc, plain_gc))
        print(f"  ours vs plain table: {t_plain / t_ours:.1f}x; vs plain +gc: {t_plain_gc / t_ours:.1f}x"
              + ("" if args.no_single else f"; one-process ours vs plain: {t_plain / t_one:.1f}x"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
