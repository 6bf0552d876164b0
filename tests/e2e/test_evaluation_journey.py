"""In a real browser, in Simplified Chinese (the Done-when of issue 17): the NGO fills and submits its
mid-term report → the Federation accepts it and assigns the evaluation panel → the evaluator declares no
conflict, records the method and scores → the Federation decides and publishes the results for public
notice (公示) → after the notice period finalises them → pass → the mid-term tranche is due on the
agreement page → the NGO submits the final report (with the settlement and the audit report) → final
evaluation → pass → the 結項 certificate PDF downloads → /verify with its code says genuine.

The notice period is passed by moving the notice's end date into the past (as the other stages' tests
do with their notices); nothing else is written behind the browser's back."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from playwright.sync_api import Page, expect

from grants.extensions import db
from grants.models import Evaluation, Publication
from grants.platform import localtime
from tests.agreements import support as people
from tests.e2e._journey_helpers import Shots, catalog, login, new_person, tiny_pdf
from tests.factories import Factory
from tests.reports import support as s

LOCALE = "zh_Hans"


def t(msgid: str) -> str:
    return catalog(LOCALE, msgid)


def _fill_report(page: Page, *, final: bool) -> None:
    page.locator("[name='activities-0-state']").select_option("done")
    page.locator("[name='activities-0-done']").fill("办了 4 场安全讲座，共 160 人次")
    page.locator("[name='activities-1-state']").select_option("done")
    page.locator("[name='activities-1-done']").fill("亲子户外活动 2 场")
    page.locator("[name='sessions_held']").fill("6")
    page.locator("[name='volunteers']").fill("12")
    page.locator("[name='volunteer_hours']").fill("36.5")
    page.locator("[name='indicators-0-actual']").fill("88%")
    for i in range(8):
        page.locator(f"[name='served-{i}-person_times']").fill(str([100, 60, 0, 0, 20, 0, 0, 0][i]))
    page.locator("[name='spending-0-spent']").fill("50000")
    page.locator("[name='spending-1-spent']").fill("0")
    page.locator("[name='matching_funds']").fill("10000")
    if final:
        page.locator("[name='settlement-0-amount']").fill("90000")
        page.locator("[name='settlement-1-amount']").fill("30000.50")


def _write_and_submit(ngo: Page, base: str, agreement_id: int, kind: str, *, final: bool) -> None:
    ngo.goto(f"{base}/applicant/agreements/{agreement_id}/reports")
    ngo.locator(f"#report-{kind}").get_by_role("button").first.click()
    expect(ngo.locator("#report-form")).to_be_visible()
    _fill_report(ngo, final=final)
    ngo.get_by_role("button", name=t("Save draft"), exact=True).click()
    expect(ngo.locator("#report-form")).to_be_visible()
    if final:
        ngo.locator("#sec-evidence select").select_option("audit")
        ngo.locator("#sec-evidence input[type=file]").set_input_files(files=[{
            "name": "审计报告.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("audit")}])
        ngo.get_by_role("button", name=t("Save the draft and upload the file")).click()
        expect(ngo.locator("#evidence-files")).to_contain_text("审计报告.pdf")
    ngo.get_by_role("button", name=t("Check and submit")).click()
    ngo.get_by_role("button", name=t("Yes, submit the report")).click()
    expect(ngo.locator(".flash-success")).to_be_visible()


def _evaluate(admin: Page, reviewer: Page, app, base: str, round_id: int, agreement_id: int, kind: str,
              shots: Shots, reviewer_id: int) -> None:
    """Accept the report, assign the panel, score, decide, publish, pass the notice period, finalise."""
    admin.goto(f"{base}/admin/agreements/{agreement_id}/reports")
    admin.locator(f"#report-{kind}").get_by_role("link").first.click()
    admin.locator("form[action$='/accept'] button").click()
    expect(admin.locator(".flash-success")).to_be_visible()

    admin.goto(f"{base}/admin/rounds/{round_id}/evaluations?kind={kind}")
    row = admin.locator(f"#agreement-{agreement_id}")
    row.locator(".assign-form select[name=evaluator_id]").select_option(value=str(reviewer_id))
    row.locator(".assign-form button").click()
    expect(admin.locator(f"#agreement-{agreement_id}")).to_contain_text(REVIEWER_NAME)

    with app.app_context():
        evaluation_id = db.session.scalar(db.select(Evaluation.id).where(
            Evaluation.agreement_id == agreement_id, Evaluation.kind == kind))
    reviewer.goto(f"{base}/reviewer/evaluations")
    reviewer.locator(f"#evaluation-{evaluation_id} a.primary").click()
    if "/declaration" in reviewer.url:  # the first evaluation of this project: declare first
        reviewer.locator("input[name=answer][value=none]").check()
        reviewer.locator("form button[type=submit]").last.click()
    expect(reviewer.locator("#evaluation-form")).to_be_visible()
    reviewer.locator("input[name=method][value=site_visit]").check()
    with app.app_context():
        visited = localtime.today() - timedelta(days=2)
    reviewer.locator("[name=visited_on]").fill(visited.isoformat())
    reviewer.locator("[name=visit_notes]").fill("实地走访社区活动点，查看签到表和活动照片。")
    for key, value in (("implementation", "26"), ("resources", "17"), ("finance", "18"), ("outcomes", "25")):
        reviewer.locator(f"[name=score_{key}]").fill(value)
    reviewer.locator("#evaluation-form button[value=submit]").click()
    expect(reviewer.locator(".flash-success")).to_be_visible()

    admin.goto(f"{base}/admin/rounds/{round_id}/evaluations?kind={kind}")
    admin.locator(f"#agreement-{agreement_id} a[href*='/admin/evaluations/']").first.click()
    admin.locator("#decide-form button[type=submit]").click()
    expect(admin.locator(".flash-success")).to_be_visible()
    admin.goto(f"{base}/admin/rounds/{round_id}/evaluations?kind={kind}")
    admin.locator("form[action*='/evaluations/publish'] button").click()
    expect(admin.locator(".flash-success")).to_be_visible()
    with app.app_context():  # the notice period is over (the notice ended yesterday)
        pub = db.session.scalars(db.select(Publication).where(Publication.round_id == round_id,
                                                              Publication.kind == "evaluation")
                                 .order_by(Publication.id.desc())).first()
        pub.notice_end = localtime.today() - timedelta(days=1)
        db.session.commit()
    admin.goto(f"{base}/admin/rounds/{round_id}/evaluations?kind={kind}")
    admin.locator("form[action*='/evaluations/finalise'] button").click()
    expect(admin.locator(".flash-success")).to_be_visible()
    if kind == "final":
        shots(admin, "final-evaluation-final")


REVIEWER_NAME = "张评估"


def test_midterm_report_to_completion_certificate(app, live_server, browser, request):
    make = Factory(app)
    world = s.build(make, app)
    with app.app_context():
        from grants.models import User
        reviewer_user = db.session.scalar(db.select(User).where(User.email == people.REVIEWER))
        reviewer_user.name = REVIEWER_NAME
        db.session.commit()
        reviewer_id = reviewer_user.id
    shots = Shots(request.node.name)
    contexts = []
    try:
        (ngo_ctx, ngo), (admin_ctx, admin), (rev_ctx, reviewer) = (new_person(browser, "zh-CN") for _ in range(3))
        contexts = [ngo_ctx, admin_ctx, rev_ctx]
        login(ngo, live_server, people.NGO)
        login(admin, live_server, people.ADMIN)
        login(reviewer, live_server, people.REVIEWER)
        aid, rid = world.agreement_id, world.round_id

        _write_and_submit(ngo, live_server, aid, "midterm", final=False)
        _evaluate(admin, reviewer, app, live_server, rid, aid, "midterm", shots, reviewer_id)

        # pass: the mid-term tranche (30% of 120,000.50) is due on the agreement page
        with app.app_context():
            today = localtime.today().isoformat()
        ngo.goto(f"{live_server}/applicant/agreements/{aid}")
        midterm_tranche = ngo.locator("#schedule tbody tr").nth(1)
        expect(midterm_tranche).to_contain_text("36,000.15")
        expect(midterm_tranche).to_contain_text(today)  # due since today
        expect(ngo.locator("#schedule tbody tr").nth(2)).not_to_contain_text(today)  # the final one waits
        shots(ngo, "midterm-tranche-due")

        _write_and_submit(ngo, live_server, aid, "final", final=True)
        _evaluate(admin, reviewer, app, live_server, rid, aid, "final", shots, reviewer_id)

        # 結項: the NGO downloads its certificate, and /verify says it is genuine
        with app.app_context():
            e = db.session.scalar(db.select(Evaluation).where(Evaluation.agreement_id == aid,
                                                              Evaluation.kind == "final"))
            assert e.passed and e.certificate_code
            code = e.certificate_code
        ngo.goto(f"{live_server}/applicant/evaluations")
        with ngo.expect_download() as download:
            ngo.locator(f"#evaluation-{e.id} a[href$='certificate.pdf']").click()
        pdf = download.value.path().read_bytes()
        assert pdf.startswith(b"%PDF")
        ngo.goto(f"{live_server}/verify?code={code}")
        expect(ngo.locator("#evaluation-genuine")).to_be_visible()
        ngo.goto(f"{live_server}/verify?code={hashlib.sha256(pdf).hexdigest()}")
        expect(ngo.locator("#evaluation-genuine")).to_be_visible()
        shots(ngo, "verified")
    finally:
        for c in contexts:
            c.close()
