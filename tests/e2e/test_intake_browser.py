"""An NGO registers, fills a proposal with three budget lines, meets a budget error, fixes it,
submits and downloads its PDF, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e._journey_helpers import fill_proposal, save_draft, upload_required
from tests.factories import valid_uscc

PASSWORD = "Violet-Harbour-Kite-59"  # noqa: S105


def test_ngo_files_a_proposal(app, live_server, make, page, shot, tmp_path):
    make.round(edition=8)
    # register
    page.goto(live_server + "/register")
    page.locator("#org_name").fill("惠州市蘭花社區婦女兒童服務中心")
    page.locator("#uscc").fill(valid_uscc(777001))
    page.locator("#org_type").select_option("social_service")
    page.locator("#registered_on").fill("2016-05-20")
    page.locator("#district").select_option("boluo")
    page.locator("#address").fill("惠州市博羅縣羅陽街道蘭花路8號")
    page.locator("#contact_name").fill("林淑貞")
    page.locator("#contact_phone").fill("13902221234")
    page.locator("#email").fill("lanhua@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(live_server + "/applicant/")
    shot("dashboard")

    # a new draft with three budget lines (the third added by JavaScript)
    fill_proposal(page, "「蘭花姐妹」婦女互助成長計劃")
    page.locator("#matching_funds").fill("5000")  # 48000 + 16000 + 3000 = 67000, not 65000
    save_draft(page)
    shot("draft-saved")

    # attachments
    upload_required(page, tmp_path)
    shot("attachments")

    # submit: the budget does not add up
    page.locator("button[name=action][value=confirm]").click()
    error = page.locator("#sec-budget .error")
    expect(error.first).to_be_visible()
    expect(error.first).to_contain_text("¥67,000.00")
    expect(page.locator("#name")).to_have_value("「蘭花姐妹」婦女互助成長計劃")  # nothing typed is lost
    shot("budget-error")

    # fix and submit
    page.locator("#matching_funds").fill("7000")
    page.locator("button[name=action][value=confirm]").click()
    page.locator("#confirm-submit").click()
    number = page.locator(".submission-number")
    expect(number).to_have_text(re.compile(r"HZ-\d{4}-08-0001"))
    shot("submitted")

    with page.expect_download() as info:
        page.locator("a[href$='/pdf']").first.click()
    path = Path(info.value.path())
    assert path.read_bytes()[:5] == b"%PDF-"
    page.goto(live_server + "/applicant/")
    expect(page.locator(".status-submitted").first).to_be_visible()
    shot("dashboard-after")
