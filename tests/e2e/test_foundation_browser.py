"""The foundation's promise in a real browser: a Chinese home page; the admin signs in and creates a round."""

from playwright.sync_api import expect

from grants.demo import seed as demo


def test_admin_creates_a_round(app, live_server, runner, page, shot):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.get_by_role("heading", level=1)).to_contain_text("紅紫荊")
    shot("home")
    page.get_by_role("link", name="登入").first.click()
    page.get_by_label("電子郵件").fill(demo.ADMIN_EMAIL)
    page.get_by_label("密碼").fill(demo.ADMIN_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page).to_have_url(live_server + "/admin/")
    page.goto(live_server + "/admin/rounds/new")
    page.locator("#edition").fill("9")
    page.locator("#name").fill("第九屆紅紫荊婦女兒童公益項目創投活動")
    page.locator("#issuer").fill("惠州市婦女聯合會")
    page.locator("#funding_pool").fill("3000000")
    page.locator("#project_cap").fill("200000")
    page.locator("#call_opens_at").fill("2027-03-01T09:00")
    page.locator("#call_closes_at").fill("2027-02-01T09:00")  # before it opens: an error
    page.locator("#categories-0-name").fill("婦女發展")
    page.get_by_role("button", name="保存").click()
    error = page.locator("#call_closes_at").locator("xpath=..").locator(".error")
    expect(error).to_be_visible()
    expect(page.locator("#name")).to_have_value("第九屆紅紫荊婦女兒童公益項目創投活動")  # nothing typed is lost
    shot("round-form-error")
    page.locator("#call_closes_at").fill("2027-04-30T17:00")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(live_server + "/admin/rounds")
    expect(page.get_by_role("cell", name="第九屆紅紫荊婦女兒童公益項目創投活動")).to_be_visible()
    shot("rounds")
    # and on a phone-sized screen the menu folds away
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("nav.nav")).to_be_hidden()
    page.locator(".nav-toggle-label").click()
    expect(page.locator("nav.nav")).to_be_visible()
    shot("phone-menu")
