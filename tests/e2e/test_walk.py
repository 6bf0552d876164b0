"""The screenshot walk (issue 14): every GET page of every role, in the three languages, on a desktop
(1280×900) and a phone (390×844), with axe-core on each page and the first page of every PDF
rendered to PNG.

Screenshots land in ``build/screens/<lang>-<viewport>/<page>.jpg`` and PDF pages in
``build/screens/<lang>-pdf/<name>.png`` (gitignored; see README, "Screenshots"). The axe findings
of every page go to ``build/screens/axe-report.json``.

The walk is one test per language (each builds the same world and walks it on the desktop and
the phone), so ``make test``'s workers share it out instead of one worker walking all three
languages after the others have finished; each piece replaces its language's entries in
``axe-report.json``. What runs where: screenshots in all six
language × viewport combinations; axe-core on the desktop in all three languages (the text, the
``lang`` attribute and the labels change with the language) and on the phone in Simplified
Chinese (the layout changes with the viewport, not with the language; the phone pass catches the
collapsed menu and the card layouts). Every phone page must also fit the screen's width (no
horizontal scrolling of the whole page: wide tables scroll inside their own container).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e import _walk as walk

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "build" / "screens"
BLOCKING = ("serious", "critical")
ROLES = ("public", "admin", "ngo", "reviewer")


def _axe_wanted(viewport: str, lang: str) -> bool:
    return viewport == "desktop" or lang == "zh_Hans"


def _login(page, base: str, role: str) -> None:
    email, password = walk.LOGINS[role]
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(f"{base}/login")


def _set_language(page, base: str, lang: str) -> None:
    """Press the language button (hidden in the folded phone menu, so pressed by script)."""
    if not page.url.startswith(base):
        page.goto(base + "/login")
    elif page.locator("html").get_attribute("lang") == walk.HTML_LANG[lang]:
        return  # already in it (the same role's next viewport or state)
    page.locator(f".lang-switch button[value={lang}]").evaluate("b => b.click()")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", walk.HTML_LANG[lang])


def _pdf_to_png(data: bytes, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "60", "-singlefile",
                    str(source), str(folder / name)], check=True, timeout=60)
    source.unlink()
    return folder / f"{name}.png"


def _walk_pages(page, base: str, role: str, lang: str, viewport: str, items, axe, axe_wanted, counts: dict,
                spent: Counter, findings: list[dict], failures: list[str]) -> None:
    """One role's pages in one language and viewport: load, screenshot, phone width, axe."""
    folder = SCREENS / f"{lang}-{viewport}"
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        t = time.monotonic()
        response = page.goto(base + item.url)
        spent["load"] += time.monotonic() - t
        expected = 404 if item.name.endswith("not-found") else 200
        if response is None or response.status != expected:
            failures.append(f"{item.url} as {role} ({lang}): HTTP "
                            f"{response.status if response else '-'}, expected {expected}")
        expect(page.locator("html")).to_have_attribute("lang", walk.HTML_LANG[lang])
        t = time.monotonic()
        # JPEG: a third faster to encode than PNG for these full pages, and as good to look at
        page.screenshot(path=str(folder / f"{item.name}.jpg"), full_page=True, type="jpeg", quality=85)
        spent["screenshot"] += time.monotonic() - t
        counts["pages"] += 1
        if viewport == "phone":
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                failures.append(f"{item.url} ({lang}, phone): the page is {overflow}px wider than the screen")
        if axe_wanted(viewport, lang):
            counts["axe"] += 1
            t = time.monotonic()
            result = axe.run(page)
            spent["axe"] += time.monotonic() - t
            for v in result.response["violations"]:
                if v["impact"] in BLOCKING:
                    findings.append({
                        "page": item.name, "url": item.url, "lang": lang, "viewport": viewport,
                        "rule": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"][:5]],
                    })


def run_walk(app, base: str, browser, *, langs=walk.LANGS, viewports=tuple(walk.VIEWPORTS),
             axe_wanted=_axe_wanted, states=walk.STATES) -> dict:
    """Walk the pages; returns the counts, the time spent, the axe findings and the failures."""
    t = time.monotonic()
    world = walk.build_world(app)
    axe = Axe()
    findings: list[dict] = []
    failures: list[str] = []
    counts = {"pages": 0, "axe": 0, "pdfs": 0}
    spent: Counter[str] = Counter({"world": time.monotonic() - t})
    # One browser context per role, signed in once and resized for each viewport (the viewport is the
    # only thing that differs between the desktop and the phone pass: no touch or mobile emulation)
    signed_in: dict[str, tuple] = {}
    try:
        for state in states:
            t = time.monotonic()
            if state == "notice":
                walk.publish(app, world)
            elif state == "final":
                walk.finalise(app, world)
            spent["world"] += time.monotonic() - t
            page_list, pdf_list = walk.pages(world, state), walk.pdfs(world, state)
            for role in ROLES:
                mine = [p for p in page_list if p.role == role]
                my_pdfs = [p for p in pdf_list if p.role == role]
                if not mine and not my_pdfs:
                    continue
                if role not in signed_in:
                    t = time.monotonic()
                    context = browser.new_context(viewport=walk.VIEWPORTS[viewports[0]], locale="zh-TW")
                    page = context.new_page()
                    if role != "public":
                        _login(page, base, role)
                    signed_in[role] = (context, page)
                    spent["sign-in"] += time.monotonic() - t
                context, page = signed_in[role]
                for viewport in viewports:
                    page.set_viewport_size(walk.VIEWPORTS[viewport])
                    for lang in langs:
                        t = time.monotonic()
                        _set_language(page, base, lang)
                        spent["language"] += time.monotonic() - t
                        _walk_pages(page, base, role, lang, viewport, mine, axe, axe_wanted, counts, spent,
                                    findings, failures)
                        if viewport == "desktop":
                            for item in my_pdfs:
                                t = time.monotonic()
                                response = context.request.get(base + item.url)
                                spent["pdf"] += time.monotonic() - t
                                if response.status != 200 or not response.body().startswith(b"%PDF"):
                                    failures.append(f"{item.url} as {role} ({lang}): HTTP {response.status}, "
                                                    "not a PDF")
                                    continue
                                _pdf_to_png(response.body(), SCREENS / f"{lang}-pdf", item.name)
                                counts["pdfs"] += 1
    finally:
        for context, _page in signed_in.values():
            context.close()
    _write_axe_report(findings, {(lang, viewport) for lang in langs for viewport in viewports})
    return {"world": world, "counts": counts, "spent": spent, "findings": findings, "failures": failures,
            "pdfs_expected": sum(len(walk.pdfs(world, s)) for s in states) * len(langs)}


def _write_axe_report(findings: list[dict], walked: set[tuple[str, str]]) -> None:
    """Put this walk's findings into ``axe-report.json`` in place of the entries of the language ×
    viewport passes it walked (the pieces of the walk run in parallel: under a lock)."""
    import fcntl

    SCREENS.mkdir(parents=True, exist_ok=True)
    report = SCREENS / "axe-report.json"
    with (SCREENS / ".axe-report.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            kept = json.loads(report.read_text(encoding="utf-8")) if report.exists() else []
        except ValueError:
            kept = []
        kept = [f for f in kept if (f.get("lang"), f.get("viewport")) not in walked]
        report.write_text(json.dumps(kept + findings, ensure_ascii=False, indent=1), encoding="utf-8")


def axe_summary(findings: list[dict]) -> list[str]:
    return sorted({f"{f['rule']} ({f['impact']}) on {f['page']} [{f['lang']}/{f['viewport']}]: {f['nodes'][:2]}"
                   for f in findings})


@pytest.mark.timeout(1200)  # a cap, not a target: about a minute a language on a quiet 2-core machine, more under load
@pytest.mark.parametrize("lang", walk.LANGS)
def test_walk_every_page_on_desktop_and_phone(app, live_server, browser, lang):
    started = time.monotonic()
    out = run_walk(app, live_server, browser, langs=(lang,))
    counts, spent = out["counts"], out["spent"]
    print(f"walk [{lang}]: {counts['pages']} page views, {counts['axe']} axe runs, {counts['pdfs']} PDFs in "
          f"{time.monotonic() - started:.0f}s; " + ", ".join(f"{k} {v:.0f}s" for k, v in spent.items()))
    assert not out["failures"], "\n".join(out["failures"])
    summary = axe_summary(out["findings"])
    assert not summary, f"{len(summary)} serious/critical axe findings:\n" + "\n".join(summary[:80])
    assert counts["pdfs"] == out["pdfs_expected"]  # every PDF of the walk rendered to PNG
    # axe ran on every page of the passes that want it (desktop always, phone in Simplified Chinese):
    # over the three languages, 4 of the 6 language × viewport passes, as before the walk was split
    wanted = [v for v in walk.VIEWPORTS if _axe_wanted(v, lang)]
    assert counts["pages"] % len(walk.VIEWPORTS) == 0
    assert counts["axe"] == counts["pages"] // len(walk.VIEWPORTS) * len(wanted)
