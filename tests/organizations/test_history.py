"""Each NGO's history across editions: the admin's page and the NGO's own, what an NGO may see
(published scores, noticed evaluations), other NGOs kept out, a constant number of queries, and
the summary on the screening page."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import EvaluationState, Organization, ProposalStatus, Role
from grants.organizations import operations as org_ops
from tests.conftest import counting_queries
from tests.intake.helpers import EN
from tests.organizations.helpers import local_noon, past_edition


def test_history_for_admin_and_owner_and_other_ngos(app, client, auth, make):
    org = make.organization(name="甲方婦女之家")
    other = make.organization(name="乙方鄰里互助社")
    make.user(Role.applicant, email="a@example.org", organization_id=org.id)
    make.user(Role.applicant, email="b@example.org", organization_id=other.id)
    make.user(Role.admin, email="admin@example.org")
    first = past_edition(app, make, org.id, 2021, name="巾幗創業扶持計劃", amount="120000",
                         extra_not_funded="未獲資助的項目")
    make.proposal(first, org.id, status=ProposalStatus.rejected, name="資格審查未通過的項目")
    past_edition(app, make, org.id, 2023, name="四點半課堂", amount="80000", passed=False, overdue=True)
    past_edition(app, make, org.id, 2024, name="尚待公示的評估", amount="50000", evaluation=EvaluationState.decided,
                 passed=False)
    past_edition(app, make, other.id, 2024, name="乙方專屬項目名稱")
    current = make.round()
    submitted = make.proposal(current.id, org.id, status=ProposalStatus.submitted, name="本屆新申報")
    with app.app_context():
        org_ops.bar(db.session.get(Organization, org.id), date(2020, 1, 1), date(2020, 12, 31), "早年逾期未報",
                    None, local_noon(date(2020, 1, 1)))
        db.session.commit()

    auth.login("admin@example.org")
    page = client.get(f"/admin/organizations/{org.id}/history", headers=EN).get_data(as_text=True)
    for text in ("巾幗創業扶持計劃", "四點半課堂", "未獲資助的項目", "本屆新申報", "¥120,000.00", "86.45",
                 "Overdue", "failed", "passed", "report overdue", "早年逾期未報", "Ended", "尚待公示的評估",
                 "資格審查未通過的項目"):
        assert text in page, text
    assert "乙方專屬項目名稱" not in page
    assert page.index("本屆新申報") < page.index("四點半課堂") < page.index("巾幗創業扶持計劃")  # newest first
    # the screening page's summary: editions, funded count, total granted, failed evaluations
    screening = client.get(f"/admin/proposals/{submitted.id}/screening", headers=EN).get_data(as_text=True)
    summary = screening[screening.index('id="history-summary"'):]
    assert "<dd>4</dd>" in summary and "3 of 6 proposals" in summary and "¥250,000.00" in summary
    assert f"/admin/organizations/{org.id}/history" in summary
    assert '<span class="badge err">2</span>' in summary  # two failed evaluations (one not yet noticed)
    auth.logout()

    auth.login("a@example.org")
    own = client.get("/applicant/history", headers=EN).get_data(as_text=True)
    assert "巾幗創業扶持計劃" in own and "四點半課堂" in own and "乙方專屬項目名稱" not in own
    assert "/admin/" not in own
    # a decided evaluation not yet publicly noticed is not shown to the NGO; the admin sees it
    block = own[own.index("尚待公示的評估"):]
    block = block[:block.index("</article>")]
    assert "failed" not in block and "52.00" not in block
    assert "86.45" in own  # the final list's score of an edition made final before the platform
    auth.logout()

    auth.login("b@example.org")
    theirs = client.get("/applicant/history", headers=EN).get_data(as_text=True)
    assert "乙方專屬項目名稱" in theirs and "巾幗創業扶持計劃" not in theirs and "甲方婦女之家" not in theirs
    assert client.get(f"/admin/organizations/{org.id}/history").status_code == 403


def test_history_queries_do_not_grow_with_editions(app, make):
    org = make.organization()
    past_edition(app, make, org.id, 2019, name="第一屆項目", extra_not_funded="第一屆未獲資助")

    def count() -> int:
        with app.app_context():
            organization = db.session.get(Organization, org.id)
            with counting_queries(app) as seen:
                editions = org_ops.history(organization, for_ngo=True)
                org_ops.totals(editions)
                for ed in editions:  # what the template reads
                    for e in ed.entries:
                        _ = [e.proposal.round.edition, e.agreement and e.agreement.tranches,
                             e.agreement and e.agreement.payments, e.reports, e.evaluations]
            return len(seen), len(editions)

    few, n_few = count()
    for year in (2020, 2021, 2022, 2023, 2024):
        past_edition(app, make, org.id, year, name=f"{year}年項目", extra_not_funded=f"{year}年未獲資助")
    many, n_many = count()
    assert (n_few, n_many) == (1, 6)
    assert many == few, (few, many)
