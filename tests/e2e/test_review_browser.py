"""Expert review in a real browser: declare no conflict, score with a validation error, fix it,
submit, download the score sheet; a second reviewer declares a conflict and loses access."""

from playwright.sync_api import expect

from grants.models import ProposalStatus, Role
from tests.factories import PASSWORD
from tests.review.test_review_support import GOOD_SCORES, VETO_KEYS, assign, review_round


def _login(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("電子郵件").fill(email)
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()


def test_reviewer_scores_and_conflicted_reviewer_loses_access(app, make, live_server, page, shot):
    rnd = review_round(make)
    proposal = make.proposal(rnd.id, status=ProposalStatus.eligible)
    first = make.user(Role.reviewer, email="expert1@example.org", name="評審一")
    second = make.user(Role.reviewer, email="expert2@example.org", name="評審二")
    for reviewer in (first, second):
        assign(app, proposal.id, reviewer.id, rnd.id, declared=None)

    _login(page, live_server, first.email)
    page.goto(live_server + "/reviewer/")
    shot("dashboard")
    page.locator(f"a[href='/reviewer/proposals/{proposal.id}/declaration']").click()
    page.locator("input[name=answer][value=none]").check()
    shot("declaration")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server}/reviewer/proposals/{proposal.id}")
    expect(page.locator("h1")).to_contain_text(proposal.blind_code)
    shot("proposal")
    page.locator(f"a[href='/reviewer/proposals/{proposal.id}/review']").first.click()

    for key in VETO_KEYS:
        page.locator(f"input[name=veto_{key}][value=no]").check()
    for key, value in dict(GOOD_SCORES, need="5").items():  # "need" in the lowest band, no comment
        page.locator(f"#score_{key}").fill(value)
    expect(page.locator("#running-total")).to_have_text("65")  # the browser's preview
    shot("score-form-filled")
    page.locator("button[name=action][value=submit]").click()
    error = page.locator("#comment_need").locator("xpath=..").locator(".error")
    expect(error).to_be_visible()
    expect(page.locator("#score_need")).to_have_value("5")  # nothing typed is lost
    shot("validation-error")
    page.locator("#comment_need").fill("需求論證薄弱，缺乏本地數據。")
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#running-total")).to_have_text("65")
    shot("submitted")
    with page.expect_download() as download_info:
        page.locator(f"a[href='/reviewer/proposals/{proposal.id}/score-sheet.pdf']").first.click()
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    page.context.clear_cookies()
    _login(page, live_server, second.email)
    page.goto(f"{live_server}/reviewer/proposals/{proposal.id}")
    expect(page).to_have_url(f"{live_server}/reviewer/proposals/{proposal.id}/declaration")
    page.locator("input[name=answer][value=conflict]").check()
    page.locator("#relation").select_option("board")
    page.locator("#note").fill("曾任該機構理事")
    shot("conflict-declaration")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server}/reviewer/")
    shot("after-conflict")
    response = page.goto(f"{live_server}/reviewer/proposals/{proposal.id}")
    assert response.status in (403, 404)
    shot("proposal-refused")
