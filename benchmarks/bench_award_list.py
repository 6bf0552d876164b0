"""Award-list PDF benchmark, like for like: our template vs a plain auto-layout table of the same rows.

    .venv/bin/python benchmarks/bench_award_list.py            # 600 and 3,000 rows
    .venv/bin/python benchmarks/bench_award_list.py --quick    # 600 rows only
    .venv/bin/python benchmarks/bench_award_list.py --rows 600 3000 --repeat 2

Both sides go through the same engine (``grants.platform.pdf.html_to_pdf*``: child process,
locked-down fetcher, same fonts and font size) with the SAME GC tuning, and the plain table
carries the same page furniture as ours: the official header, a footer with the verification
code and "第 X 頁 共 Y 頁" (CSS ``counter(pages)``), the QR code and the seal/signature area.
"plain/no gc" (WeasyPrint defaults) is printed for reference only.

Warm-up, like for like: before anything is timed the child-process forkserver is started AND one
small document is rendered in THIS process, so WeasyPrint's, fontconfig's and Pango's first-use
set-up is paid before either side is timed (it used to be paid by whichever document was timed
first in this process: ours).  Both sides benefit equally.

Interleaved, best of N: ours and the plain table are rendered one after the other, N times (``--repeat``;
3 at 600 rows, 2 at 3,000 by default), and each side's best time is compared.  A single run of each
swings by 20-30 % on a shared VM (other tenants, not our load average), and measuring ours first,
then plain, let any drift between the two runs fall on one side.

Targets (issue 18), each PASS/FAIL, exit 1 on any FAIL:
* ours in ONE process vs the plain table: >= 3x faster at every size -- judged on CPU seconds, both
  documents rendered in THIS process one after the other (``pdf.render_in_process``, same GC tuning),
  because the box is shared and wall times swing with other jobs; the wall ratio through the child
  process engine is printed beside it with the load average;
* ours with the parallel parts (this machine's CPUs) vs the plain table: >= 4x faster (wall: the
  point of the parts is to use both cores);
* our file size <= 1.3x the plain table's, for the one-process file AND the parallel file (each part
  embeds its own font subsets).
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
WARM_UP_HTML = ("<!doctype html><html lang='zh-Hant'><head><meta charset='utf-8'>"
                "<link rel='stylesheet' href='css/pdf/base.css'></head>"
                "<body><table><tr><th>名次</th><td>預熱 warm-up 123</td></tr></table></body></html>")
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
    """The naive version: one auto-layout table, full borders, thead, same data/fonts, same furniture
    (header, footer with verification code and page X of Y, QR, seal and signature area)."""
    e = html.escape
    code = e(ctx["verification_code"])
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>plain</title>",
        "<link rel='stylesheet' href='css/pdf/base.css'><style>",
        f"@page{{margin:18mm 12mm 16mm;@bottom-left{{content:'驗證碼 {code}'}}"
        "@bottom-right{content:'第 ' counter(page) ' 頁 共 ' counter(pages) ' 頁'}}",
        "table{border-collapse:collapse;width:100%;font-size:9pt;line-height:1.3}",
        "td,th{border:0.5pt solid #000;padding:0.8mm 1mm}.seal{display:flex;gap:4mm;page-break-inside:avoid}"
        ".qr svg{width:26mm;height:26mm}</style></head><body>",
        f"<header><p>{e(ctx['issuer'])}</p><p>{e(ctx['round_name'])}</p><h1>{e(ctx['title'])}</h1>"
        f"<p>發布日期：{e(ctx['date'])} 金額單位：人民幣元</p></header>",
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
    out.append(
        f"</tbody></table><section class='seal'><div class='qr'>{ctx['qr_svg']}</div>"
        f"<div><p>驗證碼（名單數據 SHA-256）：<br>{code}</p><p>核驗網址：{e(ctx['verify_url'])}</p>"
        f"<p>審計日誌：{e(ctx.get('audit_head') or '')}</p></div>"
        f"<div><p>{e(ctx['issuer'])}（蓋章）</p><p>負責人簽名：</p><p>{e(ctx['date'])}</p></div></section>"
        "</body></html>")
    return "".join(out)


def interleaved(fns: dict, repeat: int, clock) -> tuple[dict, dict, dict]:
    """Run every fn once per round, ``repeat`` rounds, in turn: (best time, all times, last result) per key."""
    times: dict = {key: [] for key in fns}
    results: dict = {}
    for _ in range(repeat):
        for key, fn in fns.items():
            t = clock()
            results[key] = fn()
            times[key].append(clock() - t)
    return {key: min(v) for key, v in times.items()}, times, results


def runs(values) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def describe(label: str, seconds: float, data: bytes) -> str:
    pages = len(PdfReader(io.BytesIO(data)).pages)
    return f"  {label:<14} {seconds:7.2f} s  {pages:4d} pages  {len(data) / 1024:8.0f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[600, 3000])
    parser.add_argument("--quick", action="store_true", help="600 rows only")
    parser.add_argument("--repeat", type=int, default=None,
                        help="rounds of the interleaved runs (default: 3 at up to 1,000 rows, else 2)")
    parser.add_argument("--reference", action="store_true", help="also time the plain table without GC tuning")
    args = parser.parse_args()
    sizes = [600] if args.quick else args.rows
    pdf.html_to_pdf("<p>warm-up</p>")  # start the forkserver (imports WeasyPrint once)
    # First-use costs in THIS process (imports, fontconfig, Pango font map, both faces) paid before timing
    # either side: the CPU comparison below renders in this process.
    pdf.render_in_process(WARM_UP_HTML, check_fonts=False)
    env = pdf.make_jinja_env()
    verdicts = []
    for n in sizes:
        repeat = args.repeat or (3 if n <= 1000 else 2)
        ctx = make_context(n)
        print(f"{n} rows (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"{len(os.sched_getaffinity(0))} CPUs; best of {repeat} interleaved runs; other jobs on the box "
              "skew the figures)")
        plain_html = plain_table_html(ctx)
        ours_html = award_list.award_list_html(ctx, env=env)
        # CPU seconds, both rendered IN THIS PROCESS in turn with the same GC tuning
        # (pdf.render_in_process): the like-for-like figure least disturbed by other jobs on the box.
        cpu, cpu_runs, _ = interleaved({
            "ours": lambda h=ours_html: pdf.render_in_process(h, check_fonts=False),
            "plain": lambda h=plain_html: pdf.render_in_process(h, check_fonts=False),
        }, repeat, time.process_time)
        cpu_one, cpu_plain = cpu["ours"], cpu["plain"]
        print(f"  CPU in this process: ours {cpu_one:.2f} s ({runs(cpu_runs['ours'])}), "
              f"plain {cpu_plain:.2f} s ({runs(cpu_runs['plain'])})")
        # Wall through the child-process engine, in turn: parallel parts, one process, the plain table.
        walls = {
            "ours": lambda ctx=ctx: award_list.render_award_list(ctx, env=env, timeout=1800),
            "ours/1 proc": lambda ctx=ctx: award_list.render_award_list(ctx, env=env, workers=1, timeout=1800),
            "plain (+gc)": lambda h=plain_html: pdf.html_to_pdf(h, timeout=600),
        }
        if args.reference:
            walls["plain/no gc"] = lambda h=plain_html: pdf.html_to_pdf(h, timeout=600, tune_gc=False)
        wall, wall_runs, files = interleaved(walls, repeat, time.perf_counter)
        for key in walls:
            print(describe(key, wall[key], files[key]) + f"  ({runs(wall_runs[key])})")
        t_ours, t_one, t_plain = wall["ours"], wall["ours/1 proc"], wall["plain (+gc)"]
        ours, one, plain = files["ours"], files["ours/1 proc"], files["plain (+gc)"]
        print(f"  load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; wall ratios: one process "
              f"{t_plain / t_one:.2f}x, parallel {t_plain / t_ours:.2f}x")
        for label, value, target, better in (
            ("one process vs plain", cpu_plain / cpu_one, 3.0, "ge"),
            ("parallel vs plain", t_plain / t_ours, 4.0, "ge"),
            ("file size vs plain", len(one) / len(plain), 1.3, "le"),
            ("parallel file vs plain", len(ours) / len(plain), 1.3, "le"),
        ):
            ok = value >= target if better == "ge" else value <= target
            sign = ">=" if better == "ge" else "<="
            line = f"  {n:>5} rows  {label:<22} {value:5.2f}x (target {sign} {target}x)  {'PASS' if ok else 'FAIL'}"
            print(line)
            verdicts.append((line, ok))
        sys.stdout.flush()
    print("\n".join(line for line, _ok in verdicts))
    ok = all(ok for _line, ok in verdicts)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
