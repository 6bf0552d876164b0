"""One realistic world for the security tests (no tests here).

A blind round in its review window with:
- org A (distinctive name, USCC, contact, address) and its eligible proposal ``p`` (team members,
  an attachment), a draft ``draft`` of org A, and org B with its own draft ``other``;
- users: ``appA`` (org A), ``appB`` (org B), ``rev`` (assigned to ``p``, declared no conflict,
  a draft review), ``revU`` (unassigned), ``revC`` (declared a conflict on ``p``), ``admin``;
- a submitted review of ``p`` by a peer, a notice publication with a frozen (fake) PDF,
  and an objection with evidence.

``World.ids`` maps URL argument names to ids; ``World.url_values(rule)`` fills a rule's arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Assignment,
    Attachment,
    AttachmentKind,
    ConflictDeclaration,
    Objection,
    Proposal,
    ProposalStatus,
    Publication,
    Review,
    ReviewStatus,
    Role,
    Stage,
    TeamMember,
    utcnow,
)
from grants.platform import pdf as pdf_mod
from grants.platform import uploads
from tests.factories import valid_uscc

ROLES = ["anonymous", "appA", "appB", "rev", "revU", "revC", "admin"]
EMAILS = {"appA": "ngo-a@example.org", "appB": "ngo-b@example.org", "rev": "rev@example.org",
          "revU": "rev-unassigned@example.org", "revC": "rev-conflicted@example.org", "admin": "admin@example.org"}

# What must never reach a reviewer of a blind round (org A's identity).
SECRETS = {
    "org_name": "翠湖秘密關愛協會",
    "uscc": valid_uscc(987654),
    "contact_name": "歐陽保密",
    "contact_phone": "13912345678",
    "contact_email": "secret-contact@ngo-a.example",
    "address": "惠州市惠城區秘密巷88號",
    "team_1": "隱名隊員甲",
    "team_2": "Hidden Teammate",
    "bank_account": "6217852099998765",  # org A's bank account (its grant agreement)
}
OTHER_ORG = {"org_name": "乙方鄰里互助社", "uscc": valid_uscc(876543), "project": "乙方專屬項目名稱"}
PEER_COMMENT = "同行評審意見：預算偏高"
PEER_SCORES = {"need": "13", "design": "17", "innovation": "9", "budget": "9", "capacity": "9", "sustainability": "6"}
OWN_SCORES = {"need": "14", "design": "18"}


@dataclass
class World:
    round_id: int
    users: dict[str, int]
    ids: dict[str, int] = field(default_factory=dict)

    def url_values(self, rule, overrides: dict | None = None) -> dict:
        values = {}
        for arg in rule.arguments:
            if overrides and arg in overrides:
                values[arg] = overrides[arg]
            elif arg == "stage":
                values[arg] = "written"
            elif arg == "kind":  # an evaluation's kind
                values[arg] = "midterm"
            elif arg == "token":
                values[arg] = "not-a-real-token"
            elif arg == "reviewer_id":
                values[arg] = self.users["rev"]
            elif arg == "user_id":
                values[arg] = self.users["appA"]
            else:
                values[arg] = self.ids[arg]
        return values


def build(make, app, *, blind: bool = True, reveal_peer_scores: bool = False, secrets: dict | None = None,
          proposal_text: dict | None = None) -> World:
    """Build the world; ``proposal_text`` overrides text fields of ``p`` (XSS payloads)."""
    from tests.publication.test_publication_support import add_awards, direct_publication
    from tests.ranking.test_ranking_builders import rubric_version

    s = dict(SECRETS, **(secrets or {}))
    now = utcnow()
    rnd = make.round(review_opens_at=now - timedelta(days=1), review_closes_at=now + timedelta(days=5),
                     blind_review=blind, reveal_peer_scores=reveal_peer_scores)
    org_a = make.organization(name=s["org_name"], uscc=s["uscc"], contact_name=s["contact_name"],
                              contact_phone=s["contact_phone"], contact_email=s["contact_email"], address=s["address"])
    org_b = make.organization(name=OTHER_ORG["org_name"], uscc=OTHER_ORG["uscc"])
    users = {
        "appA": make.user(Role.applicant, email=EMAILS["appA"], organization_id=org_a.id, name="甲方用戶").id,
        "appB": make.user(Role.applicant, email=EMAILS["appB"], organization_id=org_b.id, name="乙方用戶").id,
        "rev": make.user(Role.reviewer, email=EMAILS["rev"], name="評審專家甲").id,
        "revU": make.user(Role.reviewer, email=EMAILS["revU"], name="評審專家乙").id,
        "revC": make.user(Role.reviewer, email=EMAILS["revC"], name="評審專家丙").id,
        "admin": make.user(Role.admin, email=EMAILS["admin"], name="婦聯管理員").id,
    }
    text = {"name": "守護花蕾兒童安全教育計劃"} | (proposal_text or {})
    p = make.proposal(rnd.id, organization_id=org_a.id, status=ProposalStatus.eligible, **text,
                      team=[TeamMember(position=0, name=s["team_1"], role="項目主管", qualification="社工師", hours=100),
                            TeamMember(position=1, name=s["team_2"], role="社工", qualification="社工", hours=80)])
    draft = make.proposal(rnd.id, organization_id=org_a.id, status=ProposalStatus.draft, name="甲方草稿")
    other = make.proposal(rnd.id, organization_id=org_b.id, status=ProposalStatus.draft, name=OTHER_ORG["project"])
    other_sub = make.proposal(rnd.id, organization_id=org_b.id, status=ProposalStatus.eligible,
                              name=OTHER_ORG["project"] + "二")
    rv_id = rubric_version(app, rnd.id, "written")
    peer = make.user(Role.reviewer, email="peer@example.org", name="同行專家")
    award_ids = add_awards(make, app, rnd)
    with app.app_context():
        folder = app.config["UPLOAD_FOLDER"]
        stored, digest = uploads.store(folder, uploads.tiny_pdf(), "pdf")
        att = Attachment(proposal_id=p.id, kind=AttachmentKind.other, original_name="項目計劃附件.pdf",
                         stored_name=stored, content_type="application/pdf", size=1, sha256=digest,
                         uploaded_by_id=users["appA"])
        stored_i, digest_i = uploads.store(folder, uploads.tiny_pdf(), "pdf")
        identity = Attachment(proposal_id=p.id, kind=AttachmentKind.registration_certificate,
                              original_name="登記證書.pdf", stored_name=stored_i, content_type="application/pdf",
                              size=1, sha256=digest_i, uploaded_by_id=users["appA"])
        stored_b, digest_b = uploads.store(folder, uploads.tiny_pdf(), "pdf")
        att_b = Attachment(proposal_id=other_sub.id, kind=AttachmentKind.registration_certificate,
                           original_name="乙方證書.pdf", stored_name=stored_b, content_type="application/pdf", size=1,
                           sha256=digest_b)
        db.session.add_all([att, identity, att_b])
        db.session.add(Assignment(round_id=rnd.id, proposal_id=p.id, reviewer_id=users["rev"]))
        # the assigned reviewer also sits on the roadshow panel (judge page: waiting, nothing on stage)
        db.session.add(Assignment(round_id=rnd.id, proposal_id=award_ids[0], reviewer_id=users["rev"],
                                  stage=Stage.roadshow))
        db.session.add(Assignment(round_id=rnd.id, proposal_id=p.id, reviewer_id=peer.id))
        db.session.add(ConflictDeclaration(reviewer_id=users["rev"], proposal_id=p.id, has_conflict=False))
        db.session.add(ConflictDeclaration(reviewer_id=peer.id, proposal_id=p.id, has_conflict=False))
        db.session.add(ConflictDeclaration(reviewer_id=users["revC"], proposal_id=p.id, has_conflict=True,
                                           relation="employment", note="曾任該機構理事"))
        own = Review(proposal_id=p.id, reviewer_id=users["rev"], stage=Stage.written, rubric_version_id=rv_id,
                     status=ReviewStatus.draft, scores=dict(OWN_SCORES), comments={}, veto_answers={}, bonus={})
        peer_review = Review(proposal_id=p.id, reviewer_id=peer.id, stage=Stage.written, rubric_version_id=rv_id,
                             status=ReviewStatus.submitted, scores=dict(PEER_SCORES), comments={"need": PEER_COMMENT},
                             veto_answers={}, bonus={}, total=Decimal("63"), submitted_at=now)
        # a review of org B's proposal by the unassigned reviewer: an object id nobody else may reach
        db.session.add(Assignment(round_id=rnd.id, proposal_id=other_sub.id, reviewer_id=users["revU"]))
        db.session.add(ConflictDeclaration(reviewer_id=users["revU"], proposal_id=other_sub.id, has_conflict=False))
        other_review = Review(proposal_id=other_sub.id, reviewer_id=users["revU"], stage=Stage.written,
                              rubric_version_id=rv_id, status=ReviewStatus.submitted, scores=dict(PEER_SCORES),
                              comments={}, veto_answers={}, bonus={}, total=Decimal("63"), submitted_at=now)
        db.session.add_all([own, peer_review, other_review])
        db.session.commit()
        ids = {"round_id": rnd.id, "proposal_id": p.id, "draft_id": draft.id, "other_id": other.id,
               "other_submitted_id": other_sub.id, "attachment_id": att.id, "identity_attachment_id": identity.id, "other_attachment_id": att_b.id,
               "review_id": own.id, "peer_review_id": peer_review.id, "other_review_id": other_review.id,
               "award_proposal_id": award_ids[0], "peer_id": peer.id}
    pub_id = direct_publication(app, rnd.id)
    with app.app_context():
        pdf_folder = Path(app.config["PDF_FOLDER"])
        pdf_folder.mkdir(parents=True, exist_ok=True)
        data = uploads.tiny_pdf()
        (pdf_folder / f"notice-{pub_id}.pdf").write_bytes(data)
        pub = db.session.get(Publication, pub_id)
        pub.pdf_path, pub.pdf_sha256 = f"notice-{pub_id}.pdf", pdf_mod.sha256_hex(data)
        ev_dir = os.path.join(app.config["UPLOAD_FOLDER"], "objections")
        ev_stored, _digest = uploads.store(ev_dir, uploads.tiny_pdf(), "pdf")
        objection = Objection(publication_id=pub_id, proposal_id=award_ids[0], name="市民甲", contact="13800000000",
                              reasons="評分不公，請覆核。", evidence_name="證據.pdf", evidence_stored=ev_stored,
                              evidence_type="application/pdf")
        db.session.add(objection)
        db.session.commit()
        ids |= {"publication_id": pub_id, "objection_id": objection.id}
        ids["assignment_id"] = db.session.scalar(select(Assignment.id).where(
            Assignment.proposal_id == p.id, Assignment.reviewer_id == users["rev"]))
    ids |= _agreements(app, rnd.id, {"mine": (p.id, org_a.id), "other": (other_sub.id, org_b.id)})
    ids |= _reports(app, ids)
    ids |= _sanction(app, org_a.id, org_b.id)
    ids |= _background_job(app)
    ids |= _evaluations(app, rnd.id, ids, users)
    return World(round_id=rnd.id, users=users, ids=ids)


def _sanction(app, org_a_id: int, org_b_id: int) -> dict:
    """Org A's page (its history and bars) and a past bar of org B, ended long ago (nobody is barred now)."""
    from datetime import date

    from grants.models import Sanction

    with app.app_context():
        sanction = Sanction(organization_id=org_b_id, starts_on=date(2019, 1, 1), ends_on=date(2020, 12, 31),
                            reason="逾期未提交結項報告")
        db.session.add(sanction)
        db.session.commit()
        return {"organization_id": org_a_id, "sanction_id": sanction.id}


def _background_job(app) -> dict:
    """A finished export job with a result file (the admin's background-work page and its download)."""
    from grants.models import Job

    with app.app_context():
        job = Job(kind="mail.send", args={"outbox_id": 0}, status="done", attempts=1, error="",
                  result_path="job-result-world.bin", result_name="result.xlsx")
        db.session.add(job)
        db.session.commit()
        results = Path(app.config["JOB_RESULTS_FOLDER"])
        results.mkdir(parents=True, exist_ok=True)
        (results / "job-result-world.bin").write_bytes(b"PK\x03\x04 not a real workbook")
        return {"job_id": job.id}


def _evaluations(app, round_id: int, ids: dict, users: dict) -> dict:
    """Org A's mid-term evaluation being scored (panel: ``rev``, who declared no conflict, and ``revC``,
    who declared one), its passed final evaluation with a stored completion certificate, and the
    round's evaluation-results notice (kind "evaluation") open for objections, its list PDF stored."""
    from grants.models import (
        Agreement,
        Evaluation,
        EvaluationPanel,
        EvaluationState,
        PublicationStatus,
        ReportKind,
    )
    from grants.platform import localtime

    with app.app_context():
        a = db.session.get(Agreement, ids["agreement_id"])
        common = {"agreement_id": a.id, "round_id": round_id, "proposal_id": a.proposal_id,
                  "organization_id": a.organization_id}
        mid = Evaluation(kind=ReportKind.midterm, state=EvaluationState.scoring, **common)
        folder = Path(app.config["PDF_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        data = uploads.tiny_pdf()
        (folder / "certificate-world.pdf").write_bytes(data)
        (folder / "evaluation-list-world.pdf").write_bytes(data)
        final = Evaluation(kind=ReportKind.final, state=EvaluationState.final, passed=True, score=Decimal("88"),
                           certificate_code="c" * 64, certificate_issued_on=localtime.today(),
                           certificate_path="certificate-world.pdf", certificate_sha256=pdf_mod.sha256_hex(data),
                           **common)
        db.session.add_all([mid, final])
        db.session.flush()
        db.session.add_all([EvaluationPanel(evaluation_id=mid.id, evaluator_id=users["rev"]),
                            EvaluationPanel(evaluation_id=mid.id, evaluator_id=users["revC"])])
        pub = Publication(round_id=round_id, kind="evaluation", status=PublicationStatus.notice,
                          notice_start=localtime.today(), notice_end=localtime.today() + timedelta(days=7),
                          rows=[{"evaluation_id": final.id, "proposal_id": a.proposal_id, "rank": "", "amount": "",
                                 "number": a.number, "project": "評估項目", "organization": "評估機構",
                                 "kind": "final", "score": "88.00", "passed": True, "reason": "", "methods": [],
                                 "refund": ""}],
                          pdf_path="evaluation-list-world.pdf", pdf_sha256=pdf_mod.sha256_hex(data),
                          data_code="d" * 64)
        db.session.add(pub)
        db.session.commit()
        return {"evaluation_id": mid.id, "final_evaluation_id": final.id, "evaluation_publication_id": pub.id}


BANK_ACCOUNT = SECRETS["bank_account"]  # only org A and admins may ever see it


def _agreements(app, round_id: int, proposals: dict) -> dict:
    """Signed grant agreements for org A's proposal and org B's (awarded after the notice list was
    frozen, so the public list is unchanged): a paid first tranche, a voucher scan, a pending budget change."""
    from datetime import date

    from grants.models import (
        Agreement,
        AgreementFile,
        AgreementStatus,
        Award,
        BudgetChange,
        BudgetVersion,
        Payment,
        Tranche,
    )

    ids = {}
    with app.app_context():
        for key, (proposal_id, org_id) in proposals.items():
            award = Award(round_id=round_id, proposal_id=proposal_id, rank=9, requested=Decimal("100000"),
                          amount=Decimal("100000"))
            db.session.add(award)
            db.session.flush()
            a = Agreement(award_id=award.id, round_id=round_id, proposal_id=proposal_id, organization_id=org_id,
                          number=f"HZXY-T-{key}", status=AgreementStatus.signed, amount=Decimal("100000"),
                          issued_on=date(2026, 1, 5), deadline=date(2026, 1, 26), countersigned_on=date(2026, 1, 9),
                          bank_account_name="甲方賬戶" if key == "mine" else "乙方賬戶", bank_name="中國銀行",
                          bank_account=BANK_ACCOUNT if key == "mine" else "6217852011112222",
                          conditions_met=["signing"], verification_code=("a" if key == "mine" else "b") * 64,
                          tranches=[Tranche(position=0, percent=Decimal(60), condition="signing",
                                            amount=Decimal(60000), due_on=date(2026, 1, 9)),
                                    Tranche(position=1, percent=Decimal(40), condition="final", amount=Decimal(40000))],
                          budget_versions=[BudgetVersion(number=1, lines={"activities": "100000.00"})])
            db.session.add(a)
            db.session.flush()
            stored, digest = uploads.store(os.path.join(app.config["UPLOAD_FOLDER"], "agreements"),
                                           uploads.tiny_pdf(), "pdf")
            scan = AgreementFile(agreement_id=a.id, kind="voucher", original_name="憑證.pdf", stored_name=stored,
                                 content_type="application/pdf", size=1, sha256=digest)
            db.session.add(scan)
            db.session.flush()
            payment = Payment(agreement_id=a.id, tranche_id=a.tranches[0].id, amount=Decimal(30000),
                              paid_on=date(2026, 1, 12), voucher_no="PZ-1", scan_id=scan.id)
            change = BudgetChange(agreement_id=a.id, source="activities", target="personnel", amount=Decimal(50000),
                                  reason="增聘社工", status="pending", base_version=1)
            db.session.add_all([payment, change])
            db.session.commit()
            prefix = "" if key == "mine" else "other_"
            ids |= {f"{prefix}agreement_id": a.id, f"{prefix}file_id": scan.id, f"{prefix}payment_id": payment.id,
                    f"{prefix}change_id": change.id}
    return ids


def _reports(app, ids: dict) -> dict:
    """A mid-term report in draft (due in the future) with one evidence file under each signed agreement."""
    from grants.models import Agreement, Report, ReportFile, ReportKind

    out = {"kind": "midterm"}
    with app.app_context():
        for prefix in ("", "other_"):
            agreement_id = ids[f"{prefix}agreement_id"]
            a = db.session.get(Agreement, agreement_id)
            report = Report(agreement_id=a.id, round_id=a.round_id, organization_id=a.organization_id,
                            kind=ReportKind.midterm, due_on=utcnow().date() + timedelta(days=60),
                            activities=[{"position": 0, "month": "2026-03", "planned": "講座", "done": "",
                                         "state": ""}], spending={"activities": ""})
            db.session.add(report)
            db.session.flush()
            stored, digest = uploads.store(os.path.join(app.config["UPLOAD_FOLDER"], "reports"),
                                           uploads.tiny_pdf(), "pdf")
            row = ReportFile(report_id=report.id, kind="photo", original_name="活動照片.pdf", stored_name=stored,
                             content_type="application/pdf", size=1, sha256=digest)
            db.session.add(row)
            db.session.commit()
            out |= {f"{prefix}report_id": report.id, f"{prefix}report_file_id": row.id}
    return out


def login(app, role: str):
    """A fresh test client signed in as ``role`` (anonymous: not signed in)."""
    from tests.conftest import Actions
    from tests.factories import PASSWORD

    client = app.test_client()
    if role != "anonymous":
        response = Actions(client).login(EMAILS[role], PASSWORD)
        assert response.status_code == 302, f"login of {role} failed"
    return client


def snapshot(app, tables=("proposal", "proposal_team_member", "proposal_budget_line", "attachment", "review",
                          "assignment", "conflict_declaration", "objection", "publication", "award", "screening",
                          "competition_round", "organization")) -> dict:
    """Every row of the given tables, as sorted tuples of strings (compare before/after)."""
    from sqlalchemy import text

    out = {}
    with app.app_context():
        for table in tables:
            rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608 - fixed names
            out[table] = sorted(tuple(str(v) for v in row) for row in rows)
        db.session.remove()
    return out


def report(name: str, figure: str) -> None:
    """Print a figure and append it to test-artifacts/security-report.txt."""
    print(f"{name}: {figure}")
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "security-report.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{name}: {figure}\n")


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


__all__ = ["Proposal", "ROLES", "World", "build", "login", "snapshot", "report", "pdf_text"]
