"""The NGO's form in a real browser, the pieces that need JavaScript: live budget totals (with every
budget problem listed as the clerk types), the warning before unsaved changes are lost, and the
confirmation step before submitting."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from grants.models import Role
from tests.e2e import _journey_helpers as h


def test_live_totals_unsaved_warning_and_confirmed_submission(app, live_server, make, page, shot, tmp_path):
    make.round(edition=8, project_cap=200000)
    make.user(Role.applicant, email="clerk@ngo.example")
    page.set_viewport_size({"width": 1280, "height": 900})
    h.login(page, live_server, "clerk@ngo.example")

    # live totals: nothing saved yet, the figures follow the typing
    h.fill_proposal(page, "「蘭花姐妹」婦女互助成長計劃")
    expect(page.locator("#budget-total")).to_have_text("¥67,000.00")
    expect(page.locator("#budget-sum")).to_have_text("¥67,000.00")
    expect(page.locator("#budget-admin-share")).to_have_text("4.48%")
    expect(page.locator("[name='budget_lines-0-unit_price']").locator("xpath=../..").locator("output")).to_have_text(
        "¥48,000.00")
    expect(page.locator("#budget-live li")).to_have_count(0)
    # over the cap, not adding up and too much administration: all three at once, before any save
    page.locator("#requested").fill("250000")
    page.locator("[name='budget_lines-2-unit_price']").fill("30000")
    live = page.locator("#budget-live li")
    expect(live).to_have_count(3)
    expect(live.nth(0)).to_contain_text("¥200,000.00")
    expect(live.nth(1)).to_contain_text("¥94,000.00")
    expect(live.nth(2)).to_contain_text("31.91")
    shot("live-budget-problems")
    page.locator("#requested").fill("60000")
    page.locator("[name='budget_lines-2-unit_price']").fill("3000")
    expect(live).to_have_count(0)

    # unsaved changes: leaving the page asks first; staying keeps what was typed
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    edit_url = page.url
    page.locator("a[href='/applicant/']").first.click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url == edit_url
    expect(page.locator("#name")).to_have_value("「蘭花姐妹」婦女互助成長計劃")
    page.remove_listener("dialog", stay)

    # "save and manage attachments" saves first: no warning, nothing lost
    h.upload_required(page, tmp_path)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#name")).to_have_value("「蘭花姐妹」婦女互助成長計劃")
    expect(page.locator("#budget-total")).to_have_text("¥67,000.00")

    # submitting asks for confirmation; nothing is submitted until the clerk confirms
    page.locator("button[name=action][value=confirm]").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/submit$"))
    expect(page.locator("h1")).to_have_text(h.catalog("zh_Hant", "Submit this proposal?"))
    shot("confirm-submit")
    page.locator("a.button[href$='/edit']").click()  # back to editing: still a draft
    expect(page.locator("#name")).to_be_visible()
    h.submit(page)
    shot("submitted")
