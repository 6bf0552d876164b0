"""An NGO registers, fills a proposal with three budget lines, meets a budget error, fixes it,
submits and downloads its PDF, in a real browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from grants import uploads
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

    # a new draft
    page.locator("form[action$='/proposals/new'] button").click()
    expect(page.locator("#name")).to_be_visible()
    page.locator("#name").fill("「蘭花姐妹」婦女互助成長計劃")
    page.locator("#category_id").select_option(index=1)
    page.locator("input[name=target_groups][value=women]").check()
    page.locator("#beneficiaries").fill("800")
    page.locator("#start_date").fill("2027-03-01")
    page.locator("#end_date").fill("2027-12-31")
    page.locator("#need").fill("蘭花社區外來務工婦女多，缺乏互助平台。")
    page.locator("#objectives").fill("建立婦女互助小組4個。")
    page.locator("#risks").fill("人員流動：建立骨幹梯隊。")
    page.locator("[name='activities-0-month']").fill("2027-03")
    page.locator("[name='activities-0-activity']").fill("招募組員")
    page.locator("[name='outcomes-0-indicator']").fill("互助小組數")
    page.locator("[name='outcomes-0-target']").fill("4")
    page.locator("[name='team-0-name']").fill("林淑貞")
    page.locator("[name='team-0-role']").fill("項目主管")
    budget = [("personnel", "社工補貼", "4000", "12"), ("activities", "小組活動", "800", "20"),
              ("administration", "行政費", "3000", "1")]
    page.locator("button.add-row[data-section=budget_lines]").click()  # a third row, by JavaScript
    for i, (category, item, price, qty) in enumerate(budget):
        page.locator(f"[name='budget_lines-{i}-category']").select_option(category)
        page.locator(f"[name='budget_lines-{i}-item']").fill(item)
        page.locator(f"[name='budget_lines-{i}-unit_price']").fill(price)
        page.locator(f"[name='budget_lines-{i}-quantity']").fill(qty)
    page.locator("#requested").fill("60000")
    page.locator("#matching_funds").fill("5000")  # 48000 + 16000 + 3000 = 67000, not 65000
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("[name='budget_lines-2-item']")).to_have_value("行政費")
    shot("draft-saved")

    # attachments
    pdf_file = tmp_path / "證書.pdf"
    pdf_file.write_bytes(uploads.tiny_pdf())
    page.locator("a[href$='/attachments']").first.click()
    for kind in ("registration_certificate", "annual_report"):
        page.locator("#kind").select_option(kind)
        page.locator("#file").set_input_files(str(pdf_file))
        page.locator("form[enctype] button[type=submit]").click()
        expect(page.locator(".flash-success")).to_be_visible()
    shot("attachments")
    page.locator("a.button[href$='/edit']").click()

    # submit: the budget does not add up
    page.locator("button[name=action][value=submit]").click()
    error = page.locator("#sec-budget .error")
    expect(error.first).to_be_visible()
    expect(error.first).to_contain_text("¥67,000.00")
    expect(page.locator("#name")).to_have_value("「蘭花姐妹」婦女互助成長計劃")  # nothing typed is lost
    shot("budget-error")

    # fix and submit
    page.locator("#matching_funds").fill("7000")
    page.locator("button[name=action][value=submit]").click()
    number = page.locator(".submission-number")
    expect(number).to_have_text(__import__("re").compile(r"HZ-\d{4}-08-0001"))
    shot("submitted")

    with page.expect_download() as info:
        page.locator("a[href$='/pdf']").first.click()
    path = Path(info.value.path())
    assert path.read_bytes()[:5] == b"%PDF-"
    page.goto(live_server + "/applicant/")
    expect(page.locator(".status-submitted").first).to_be_visible()
    shot("dashboard-after")
