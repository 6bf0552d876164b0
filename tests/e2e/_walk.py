"""The world and the page list of the screenshot walk (tests/e2e/test_walk.py).

The world is the demo round (``grants.demo.seed``: the 8th edition with 40 proposals, reviews, a
roadshow in progress and awards), walked in three states: ``live`` (before publication),
``notice`` (published, one objection filed) and ``final`` (the list made final). Every GET page
of every role is listed here with the state it is walked in; PDFs are listed separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from grants.demo import seed as demo
from grants.extensions import db
from grants.models import (
    Agreement,
    Assignment,
    Evaluation,
    EvaluationPanel,
    EvaluationState,
    Objection,
    ObjectionStatus,
    Proposal,
    ProposalStatus,
    PublicationStatus,
    Report,
    Review,
    ReviewStatus,
    Round,
    Sanction,
    Stage,
    User,
    utcnow,
)

LANGS = ("zh_Hant", "zh_Hans", "en")
HTML_LANG = {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans", "en": "en"}
STATES = ("live", "notice", "final")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOGINS = {
    "admin": (demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD),
    "ngo": ("ngo01@ngo.demo", demo.NGO_PASSWORD),
    "reviewer": ("reviewer1@expert.demo", demo.REVIEWER_PASSWORD),  # also a roadshow judge
}


@dataclass(frozen=True)
class Page:
    role: str  # public, admin, ngo, reviewer (who opens it)
    name: str  # file name of the screenshot
    url: str


def build_world(app) -> dict:
    """Seed the demo; return the ids the page list needs (all read in one app context)."""
    with app.app_context():
        demo.seed()
        db.session.commit()
        rnd = db.session.scalars(select(Round).where(Round.edition == 8)).one()
        ngo = db.session.scalars(select(User).where(User.email == LOGINS["ngo"][0])).one()
        mine = {p.status: p.id for p in db.session.scalars(
            select(Proposal).where(Proposal.organization_id == ngo.organization_id, Proposal.round_id == rnd.id)
            .order_by(Proposal.id.desc()))}
        reviewer = db.session.scalars(select(User).where(User.email == LOGINS["reviewer"][0])).one()
        assigned = list(db.session.scalars(select(Assignment.proposal_id).where(
            Assignment.reviewer_id == reviewer.id, Assignment.stage == Stage.written).order_by(Assignment.id)))
        done = db.session.scalars(select(Review).where(
            Review.reviewer_id == reviewer.id, Review.stage == Stage.written,
            Review.status == ReviewStatus.submitted).order_by(Review.id)).first()
        waiting = [pid for pid in assigned if pid != done.proposal_id]
        judged = db.session.scalars(select(Review.proposal_id).where(
            Review.reviewer_id == reviewer.id, Review.stage == Stage.roadshow).order_by(Review.id)).first()
        submitted = db.session.scalars(select(Proposal.id).where(
            Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.submitted).order_by(Proposal.id)).first()
        eligible = db.session.scalars(select(Proposal.id).where(
            Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.eligible).order_by(Proposal.id)).first()
        agreement = db.session.scalars(select(Agreement.id).where(
            Agreement.organization_id == ngo.organization_id).order_by(Agreement.id)).first()
        # after 立項 (grants.demo.outcomes): ngo01's project with its accepted mid-term report, the evaluation
        # the walking reviewer sits on, a completed project with its 結項 certificate, the barred organization
        report = db.session.scalars(select(Report.id).where(Report.agreement_id == agreement)
                                    .order_by(Report.id)).first()
        evaluation = db.session.scalars(select(EvaluationPanel.evaluation_id).join(Evaluation).where(
            EvaluationPanel.evaluator_id == reviewer.id,
            Evaluation.state.in_((EvaluationState.panel, EvaluationState.scoring)))
            .order_by(EvaluationPanel.id)).first()
        certified = db.session.scalars(select(Evaluation.id).where(
            Evaluation.organization_id == ngo.organization_id, Evaluation.certificate_code.is_not(None))
            .order_by(Evaluation.id)).first()
        barred = db.session.scalars(select(Sanction.organization_id).order_by(Sanction.id)).first()
        with app.test_request_context():
            from grants.accounts import operations as accounts_ops

            newcomer = accounts_ops.create_reviewer(email="newcomer@expert.demo", name="新專家")
            link = accounts_ops.issue_password_link(newcomer)
            db.session.commit()
        return {
            "round": rnd.id, "ngo_user": ngo.id, "reviewer": reviewer.id, "ngo_agreement": agreement,
            "ngo_draft": mine.get(ProposalStatus.draft) or mine.get(ProposalStatus.returned),
            "ngo_submitted": mine.get(ProposalStatus.eligible) or mine.get(ProposalStatus.shortlisted),
            "ngo_shortlisted": mine.get(ProposalStatus.shortlisted),
            "review_done": done.proposal_id, "judged": judged, "review_id": done.id, "review_waiting": waiting[0],
            "screen": submitted, "assign": eligible,
            "report": report, "evaluation": evaluation, "certified": certified, "barred": barred,
            "set_password": link.split("://", 1)[1].split("/", 1)[1],
        }


def publish(app, world: dict) -> None:
    """Publish the demo round's awards (the notice PDF rendered) and file one objection."""
    from grants.publication import objections, rendering
    from grants.publication import operations as ops

    with app.test_request_context():
        rnd = db.session.get(Round, world["round"])
        pub, spec = ops.publish(rnd)
        rendering.enqueue_render(pub, "notice", spec)
        db.session.commit()
        world["publication"] = pub.id
    # the render job is handed to the queue when the context ends (tests: run there and then, in-process)
    with app.test_request_context():
        pub = ops.latest_publication(world["round"])
        assert pub.pdf_sha256 and pub.status == PublicationStatus.notice, (pub.status, pub.error)
        world["notice_sha256"] = pub.pdf_sha256
        objection = objections.file_objection(
            pub, proposal_id=pub.rows[0]["proposal_id"], name="李女士", contact="13902220000",
            reasons="該項目的服務對象與申報書所述不一致，請核查。")
        db.session.commit()
        world["objection"] = objection.id


def finalise(app, world: dict) -> None:
    """Close the objection, let the notice period end, and make the list final (PDF rendered)."""
    from grants.publication import operations as ops
    from grants.publication import rendering

    with app.test_request_context():
        objection = db.session.get(Objection, world["objection"])
        objection.status = ObjectionStatus.dismissed
        objection.decided_at = utcnow()
        objection.investigation = "已核查申報材料與走訪記錄。"
        objection.decision = "異議不成立。"
        pub = ops.latest_publication(world["round"])
        spec, _outcome = ops.finalise(pub, today=pub.notice_end + timedelta(days=1))
        rendering.enqueue_render(pub, "final", spec)
        db.session.commit()
    with app.test_request_context():
        assert ops.latest_publication(world["round"]).final_pdf_sha256, "the final list PDF was not rendered"


def pages(world: dict, state: str) -> list[Page]:
    r, w = world["round"], world
    if state == "live":
        admin = [
            ("dashboard", "/admin/"), ("overview", "/admin/overview"), ("organizations", "/admin/organizations"),
            ("reviewers", "/admin/reviewers"), ("reviewer-new", "/admin/reviewers/new"),
            ("rounds", "/admin/rounds"), ("round-new", "/admin/rounds/new"), ("round", f"/admin/rounds/{r}"),
            ("round-edit", f"/admin/rounds/{r}/edit"), ("round-dashboard", f"/admin/rounds/{r}/dashboard"),
            ("rubrics", f"/admin/rounds/{r}/rubrics"), ("screening", f"/admin/rounds/{r}/screening"),
            ("screening-detail", f"/admin/proposals/{w['screen']}/screening"),
            ("assignments", f"/admin/rounds/{r}/assignments"),
            ("assignment-proposal", f"/admin/rounds/{r}/assignments/proposals/{w['assign']}"),
            ("review-progress", f"/admin/rounds/{r}/review-progress"), ("ranking", f"/admin/rounds/{r}/ranking"),
            ("roadshow", f"/admin/rounds/{r}/roadshow"), ("roadshow-host", f"/admin/rounds/{r}/roadshow/host"),
            ("allocation", f"/admin/rounds/{r}/allocation"), ("publication", f"/admin/rounds/{r}/publication"),
            ("work-calendar", "/admin/work-calendar"), ("password", "/account/password"),
            ("background", "/admin/background"), ("agreements", f"/admin/rounds/{r}/agreements"),
            ("agreement-template", f"/admin/rounds/{r}/agreements/template"),
            ("agreement", f"/admin/agreements/{w['ngo_agreement']}"),
            ("reports", f"/admin/rounds/{r}/reports"),
            ("agreement-reports", f"/admin/agreements/{w['ngo_agreement']}/reports"),
            ("report", f"/admin/reports/{w['report']}"), ("evaluations", f"/admin/rounds/{r}/evaluations"),
            ("evaluation", f"/admin/evaluations/{w['evaluation']}"),
            ("organization-history", f"/admin/organizations/{w['barred']}/history"),
            ("sanctions", f"/admin/organizations/{w['barred']}/sanctions"),
        ]
        ngo = [
            ("dashboard", "/applicant/"), ("proposal-edit", f"/applicant/proposals/{w['ngo_draft']}/edit"),
            ("attachments", f"/applicant/proposals/{w['ngo_draft']}/attachments"),
            ("proposal", f"/applicant/proposals/{w['ngo_submitted']}"),
            ("submitted", f"/applicant/proposals/{w['ngo_submitted']}/submitted"),
            ("agreements", "/applicant/agreements"), ("agreement", f"/applicant/agreements/{w['ngo_agreement']}"),
            ("reports", f"/applicant/agreements/{w['ngo_agreement']}/reports"),
            ("report", f"/applicant/reports/{w['report']}"), ("evaluations", "/applicant/evaluations"),
            ("history", "/applicant/history"),
        ]
        reviewer = [
            ("dashboard", "/reviewer/"), ("declaration", f"/reviewer/proposals/{w['review_waiting']}/declaration"),
            ("proposal", f"/reviewer/proposals/{w['review_done']}"),
            ("review", f"/reviewer/proposals/{w['review_done']}/review"),
            ("roadshow-judge", f"/reviewer/rounds/{r}/roadshow"),
            ("evaluations", "/reviewer/evaluations"), ("evaluation", f"/reviewer/evaluations/{w['evaluation']}"),
            ("evaluation-sheet", f"/reviewer/evaluations/{w['evaluation']}/sheet"),
        ]
        public = [("home", "/"), ("login", "/login"), ("register", "/register"), ("verify", "/verify"),
                  ("set-password", "/" + w["set_password"]), ("not-found", "/no-such-page"),
                  ("forgot-password", "/forgot-password"), ("evaluation-results", f"/results/{r}/evaluations")]
    elif state == "notice":
        admin = [("publication", f"/admin/rounds/{r}/publication"), ("objections", f"/admin/rounds/{r}/objections"),
                 ("objection", f"/admin/objections/{w['objection']}")]
        ngo = [("dashboard", "/applicant/")]
        reviewer = []
        public = [("results", f"/results/{r}"), ("objection-form", f"/results/{r}/objection"),
                  ("verify-found", f"/verify?sha256={w['notice_sha256']}")]
    else:
        admin = [("publication", f"/admin/rounds/{r}/publication"), ("objection", f"/admin/objections/{w['objection']}")]
        ngo = [("dashboard", "/applicant/"), ("proposal", f"/applicant/proposals/{w['ngo_submitted']}")]
        reviewer = [("dashboard", "/reviewer/")]
        public = [("results", f"/results/{r}")]
    out = []
    for role, items in (("public", public), ("admin", admin), ("ngo", ngo), ("reviewer", reviewer)):
        out += [Page(role, f"{role}-{name}" + ("" if state == "live" else f"-{state}"), url) for name, url in items]
    return out


def pdfs(world: dict, state: str) -> list[Page]:
    r, w = world["round"], world
    if state == "live":
        return [
            Page("admin", "admin-proposal", f"/admin/proposals/{w['ngo_submitted']}/pdf"),
            Page("admin", "admin-score-sheet", f"/admin/reviews/{w['review_id']}/score-sheet.pdf"),
            Page("admin", "admin-reviewer-score-sheets", f"/admin/rounds/{r}/reviewers/{w['reviewer']}/score-sheets.pdf"),
            Page("admin", "admin-roadshow-order", f"/admin/rounds/{r}/roadshow/order.pdf"),
            Page("ngo", "ngo-agreement", f"/applicant/agreements/{w['ngo_agreement']}/agreement.pdf"),
            Page("ngo", "ngo-certificate", f"/applicant/evaluations/{w['certified']}/certificate.pdf"),
            Page("ngo", "ngo-proposal", f"/applicant/proposals/{w['ngo_submitted']}/pdf"),
            Page("reviewer", "reviewer-score-sheet", f"/reviewer/proposals/{w['review_done']}/score-sheet.pdf"),
            Page("reviewer", "reviewer-score-sheets", f"/reviewer/rounds/{r}/score-sheets.pdf"),
            Page("reviewer", "judge-roadshow-sheet", f"/reviewer/rounds/{r}/roadshow/{w['judged']}/sheet.pdf"),
        ]
    if state == "notice":
        return [Page("public", "public-notice", f"/results/{r}/{w['publication']}/notice.pdf")]
    return [Page("public", "public-final", f"/results/{r}/{w['publication']}/final.pdf"),
            Page("ngo", "ngo-review-summary", f"/applicant/proposals/{w['ngo_submitted']}/review-summary.pdf")]
