"""Every role's representative form, filled and sent with the keyboard alone (Tab, Shift+Tab, Enter,
Space and typing; no mouse), with a visible focus ring on every control the keyboard lands on.

The forms: sign-in (every role starts there), an admin creating a reviewer, an NGO saving its
proposal, a reviewer's conflict-of-interest declaration, a judge's roadshow score sheet, and the
folded phone menu. The world is the demo round (tests/e2e/_walk.py), in Simplified Chinese.
"""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, Review, Stage, User
from tests.e2e import _walk as walk

MAX_TABS = 250

FOCUS_RING = """() => {
  let el = document.activeElement;
  if (el && el.classList.contains('nav-toggle')) el = document.querySelector('.nav-toggle-label');
  const style = getComputedStyle(el);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; its focus must show."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_RING), f"{selector} has the focus but no visible focus ring"
            return
    raise AssertionError(f"{selector} cannot be reached with {key}")


def start(page: Page, url: str) -> None:
    """Open a page with the focus at its very start, as after a fresh load.

    A form sent with Enter just before may still be navigating (its redirect), which aborts a goto
    begun meanwhile (net::ERR_ABORTED, seen on a loaded machine): let that navigation finish first."""
    page.wait_for_load_state()
    try:
        page.goto(url)
    except PlaywrightError as exc:
        if "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_load_state()
        page.goto(url)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.focus(); }")


def keyboard_login(page: Page, base: str, role: str) -> None:
    email, password = walk.LOGINS[role]
    start(page, base + "/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login$"))


def simplified(page: Page, base: str) -> None:
    start(page, base + "/login")
    tab_to(page, ".lang-switch button[value=zh_Hans]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_every_role_fills_and_sends_a_form_with_the_keyboard_only(app, live_server, browser):
    base = live_server
    world = walk.build_world(app)
    context = browser.new_context(viewport=walk.VIEWPORTS["desktop"], locale="zh-CN")
    page = context.new_page()
    simplified(page, base)

    # the admin signs in and creates a reviewer
    keyboard_login(page, base, "admin")
    start(page, base + "/admin/reviewers/new")
    for selector, text in (("#name", "鍵盤專家"), ("#email", "keyboard@expert.demo"), ("#title", "教授"),
                           ("#employer", "惠州学院"), ("#expertise", "社会工作")):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "main button[type=submit]")
    tab_to(page, "#expertise", backwards=True)  # and back again: Shift+Tab walks the same controls
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == "keyboard@expert.demo")) == "鍵盤專家"
    tab_to(page, "nav button.linkish:not([name])")  # sign out, from the keyboard too
    page.keyboard.press("Enter")
    expect(page.locator("nav a[href='/login']")).to_be_visible()

    # the NGO renames its draft and saves it
    keyboard_login(page, base, "ngo")
    start(page, f"{base}/applicant/proposals/{world['ngo_draft']}/edit")
    tab_to(page, "#name")
    page.keyboard.press("Control+A")
    page.keyboard.type("键盘保存的申报书")
    tab_to(page, "button[name=action][value=save]")
    page.keyboard.press("Space")
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        assert db.session.get(Proposal, world["ngo_draft"]).name == "键盘保存的申报书"
    tab_to(page, "nav button.linkish:not([name])")
    page.keyboard.press("Enter")

    # the reviewer declares no conflict (a radio chosen with Space), then scores the roadshow project on stage
    keyboard_login(page, base, "reviewer")
    start(page, f"{base}/reviewer/proposals/{world['review_waiting']}/declaration")
    tab_to(page, "input[type=radio][value=none]")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/declaration$"))
    start(page, f"{base}/reviewer/rounds/{world['round']}/roadshow")
    scores = page.locator("#judge-sheet input[type=number]")
    for i in range(scores.count()):
        field = scores.nth(i)
        tab_to(page, f"#{field.get_attribute('id')}")
        page.keyboard.type(str(int(float(field.get_attribute("max")) * 0.7)))
    tab_to(page, "#judge-sheet button[type=submit]")
    page.keyboard.press("Space")
    expect(page.locator("div.flash-success")).to_be_visible()
    with app.app_context():
        judged = db.session.scalar(select(Review).where(Review.reviewer_id == world["reviewer"],
                                                        Review.stage == Stage.roadshow)
                                   .order_by(Review.id.desc()))
        assert judged is not None and judged.total > 0
    context.close()

    # on a phone the folded menu opens from the keyboard
    phone = browser.new_context(viewport=walk.VIEWPORTS["phone"], locale="zh-CN")
    page = phone.new_page()
    start(page, base + "/")
    expect(page.locator("nav.nav")).to_be_hidden()
    tab_to(page, "#nav-toggle")
    page.keyboard.press("Space")
    expect(page.locator("nav.nav")).to_be_visible()
    tab_to(page, "nav a[href='/login']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "/login")
    phone.close()
