"""In a real browser: award → agreement issued → the NGO confirms its bank details and uploads the
signed scan → the Federation countersigns → first tranche paid → the NGO confirms receipt."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.agreements import support as s
from tests.e2e._journey_helpers import Shots, login, new_person, tiny_pdf
from tests.factories import Factory


def test_award_to_signed_agreement_to_first_tranche_received(app, live_server, browser, request):
    world = s.build(Factory(app), app, issue=False)
    shots = Shots(request.node.name)
    admin_ctx, admin = new_person(browser)
    ngo_ctx, ngo = new_person(browser)
    try:
        # the Federation issues the agreements for the final list
        login(admin, live_server, s.ADMIN)
        admin.goto(f"{live_server}/admin/rounds/{world.round_id}/agreements")
        admin.get_by_role("button", name="為立項名單發出資助協議").click()
        expect(admin.locator("#agreements")).to_contain_text(s.PROJECT)
        expect(admin.locator("#agreements")).to_contain_text("待機構簽署")
        shots(admin, "admin-issued")

        # the NGO finds it, confirms its bank details, downloads and uploads the signed scan
        login(ngo, live_server, s.NGO)
        ngo.get_by_role("link", name="我的資助協議").click()
        ngo.get_by_role("link", name=s.PROJECT).click()
        expect(ngo.locator("h1")).to_have_text(s.PROJECT)
        expect(ngo.locator("#schedule")).to_contain_text("72,000.30")
        ngo.locator("#bank_name").fill("中國銀行惠州分行")
        ngo.locator("#bank_account").fill("6217 8520 0001 2345 678")
        ngo.get_by_role("button", name="確認收款帳戶").click()
        expect(ngo.locator(".flash-success")).to_contain_text("收款帳戶已確認")
        with ngo.expect_download() as download:
            ngo.locator("#download-pdf").click()
        assert download.value.suggested_filename.endswith(".pdf")
        ngo.locator("#scan").set_input_files(files=[{"name": "資助協議-簽章.pdf", "mimeType": "application/pdf",
                                                     "buffer": tiny_pdf("signed")}])
        ngo.get_by_role("button", name="上傳已簽署的協議").click()
        expect(ngo.locator("#agreement-status")).to_have_text("待會簽")
        shots(ngo, "ngo-signed")

        # the Federation countersigns and pays the first tranche
        admin.reload()
        admin.get_by_role("link", name=re.compile(r"HZXY-")).first.click()
        admin.get_by_role("button", name="標記為已會簽").click()
        expect(admin.locator("#agreement-status")).to_have_text("已簽訂")
        expect(admin.locator("#next-due")).to_contain_text("72,000.30")
        admin.locator("#amount").fill("72000.30")
        admin.locator("#voucher_no").fill("HZFL-2026-0001")
        admin.get_by_role("button", name="記錄此筆撥款").click()
        expect(admin.locator(".flash-success")).to_contain_text("撥款已記錄")
        expect(admin.locator("#payments")).to_contain_text("尚未確認")
        shots(admin, "admin-paid")

        # the NGO confirms receipt
        ngo.reload()
        expect(ngo.locator("#paid-total")).to_have_text("¥72,000.30")
        ngo.get_by_role("button", name="確認收款").click()
        expect(ngo.locator(".flash-success")).to_contain_text("已確認收款")
        expect(ngo.locator("#payments .badge.ok")).to_have_count(1)
        expect(ngo.locator("#bank-account")).to_have_text("****5678")
        shots(ngo, "ngo-received")

        admin.reload()
        expect(admin.locator("#payments .badge.ok")).to_have_count(1)
    finally:
        admin_ctx.close()
        ngo_ctx.close()
