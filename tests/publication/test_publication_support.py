"""Builders shared by the publication tests (awards, publications, reviews); no tests here."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Award,
    Category,
    Proposal,
    ProposalStatus,
    Publication,
    PublicationStatus,
    Review,
    ReviewStatus,
    Role,
    RubricVersion,
    Stage,
    utcnow,
)
from grants.rules import rubric

ADMIN = "admin@example.org"
# (project name, category position, rank, score, amount)
SPECS = [
    ("陽光婦女就業支持計劃", 0, 1, "92.35", "150000"),
    ("留守兒童安全教育行動", 1, 2, "90.125", "120000.50"),
    ("家庭和諧親子成長營", 0, 3, "88.5", "80000"),
]


def category_ids(app, round_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            select(Category.id).where(Category.round_id == round_id).order_by(Category.position)))


def add_awards(make, app, rnd, specs=SPECS) -> list[int]:
    """Proposals (shortlisted) with awards; returns the proposal ids in spec order."""
    cats = category_ids(app, rnd.id)
    ids = []
    for name, cat, rank, score, amount in specs:
        proposal = make.proposal(rnd.id, name=name, category_id=cats[cat], status=ProposalStatus.shortlisted)
        with app.app_context():
            db.session.add(Award(round_id=rnd.id, proposal_id=proposal.id, rank=rank, score=Decimal(score),
                                 requested=Decimal(amount), amount=Decimal(amount)))
            db.session.commit()
        ids.append(proposal.id)
    return ids


def direct_publication(app, round_id: int, *, start: date | None = None, end: date | None = None,
                       published_days_ago: int = 1, status=PublicationStatus.notice) -> int:
    """A notice publication written straight to the database (no PDF), with chosen dates."""
    from grants.models import Round
    from grants.publication import operations as ops

    today = date.today()
    with app.test_request_context():
        rnd = db.session.get(Round, round_id)
        pub = Publication(round_id=round_id, status=status, rows=ops.current_rows(rnd),
                          notice_start=start or today - timedelta(days=published_days_ago),
                          notice_end=end or today + timedelta(days=7),
                          published_at=utcnow() - timedelta(days=published_days_ago), progress=100)
        db.session.add(pub)
        db.session.commit()
        return pub.id


def admin_login(make, auth, email=ADMIN):
    make.user(Role.admin, email=email)
    response = auth.login(email)
    assert response.status_code == 302
    return email


def wait_done(client, round_id: int, timeout: float = 90) -> dict:
    """Poll the admin status endpoint (bounded) until the background render is done."""
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(f"/admin/rounds/{round_id}/publication/status.json").get_json()
        if data["done"]:
            return data
        assert time.monotonic() < deadline, f"render did not finish in {timeout} s: {data}"
        time.sleep(0.2)


def publication(app, pub_id: int) -> Publication:
    with app.app_context():
        pub = db.session.get(Publication, pub_id)
        db.session.expunge(pub)
        return pub


def latest_publication_id(app, round_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Publication.id).where(Publication.round_id == round_id)
                                 .order_by(Publication.id.desc()).limit(1))


def add_reviews(make, app, proposal_id: int, reviewers: list[str], scores: list[dict], comments: list[dict],
                round_id: int) -> None:
    """Submitted written reviews of ``proposal_id`` by new reviewers named ``reviewers``."""
    definition = rubric.rubric_to_dict(rubric.default_written_rubric())
    with app.app_context():
        rv = db.session.scalars(select(RubricVersion).where(RubricVersion.round_id == round_id,
                                                            RubricVersion.stage == Stage.written)).first()
        if rv is None:
            rv = RubricVersion(round_id=round_id, stage=Stage.written, version=1, definition=definition)
            db.session.add(rv)
            db.session.commit()
        rv_id = rv.id
    for name, sheet, notes in zip(reviewers, scores, comments, strict=True):
        reviewer = make.user(Role.reviewer, name=name)
        total = sum((Decimal(v) for v in sheet.values()), Decimal(0))
        with app.app_context():
            db.session.add(Review(proposal_id=proposal_id, reviewer_id=reviewer.id, stage=Stage.written,
                                  rubric_version_id=rv_id, status=ReviewStatus.submitted, scores=sheet,
                                  comments=notes, total=total, submitted_at=utcnow()))
            db.session.commit()


def proposal_status(app, proposal_id: int) -> ProposalStatus:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).status
