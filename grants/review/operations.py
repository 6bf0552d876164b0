"""Expert review (專家評審): conflict declarations, saving and submitting reviews, reminders,
progress figures and score-sheet data. Flush, never commit; every change is audited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    Assignment,
    ConflictDeclaration,
    Proposal,
    Review,
    ReviewStatus,
    Role,
    Round,
    RubricVersion,
    Stage,
    User,
    utcnow,
)
from grants.platform import audit, conflicts, i18n, mail
from grants.platform.permissions import review_window_open
from grants.rules import rubric as rubric_core
from grants.rules.refusal import Refusal

# Problems a draft may still have: a draft is incomplete by nature, but never malformed.
DRAFT_TOLERATED = frozenset({"score_missing", "score_comment_required", "veto_unanswered", "veto_comment_required"})


# ----------------------------------------------------------------- conflicts (回避)


def declare(reviewer: User, proposal: Proposal, *, has_conflict: bool, relation: str = "",
            note: str = "") -> ConflictDeclaration:
    """Record the reviewer's 回避聲明. A conflict releases the written-stage assignment and
    drops the reviewer's review of the proposal (kept in the audit log), and the admins are
    emailed. The declaration itself is kept."""
    declaration = conflicts.record(reviewer.id, proposal.id, has_conflict=has_conflict, relation=relation,
                                   note=note)
    if not has_conflict:
        audit.record("declare_no_conflict", declaration, proposal_id=proposal.id, reviewer_id=reviewer.id)
        return declaration
    dropped = db.session.scalars(select(Review).where(
        Review.proposal_id == proposal.id, Review.reviewer_id == reviewer.id, Review.stage == Stage.written)).all()
    for review in dropped:
        audit.record("drop_review_conflict", review, proposal_id=proposal.id, reviewer_id=reviewer.id,
                     status=review.status.value, scores=review.scores, total=review.total)
        db.session.delete(review)
    db.session.execute(delete(Assignment).where(
        Assignment.proposal_id == proposal.id, Assignment.reviewer_id == reviewer.id,
        Assignment.stage == Stage.written))
    db.session.flush()
    audit.record("declare_conflict", declaration, proposal_id=proposal.id, reviewer_id=reviewer.id,
                 relation=declaration.relation, note=declaration.note)
    admins = db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
    label = proposal.number or proposal.blind_code or str(proposal.id)
    for email in admins:
        mail.queue(
            email,
            _l("Conflict of interest declared: %(proposal)s", proposal=label),
            _l("Reviewer %(reviewer)s declared a conflict of interest with proposal %(proposal)s (%(name)s).\n"
              "Relation: %(relation)s\nNote: %(note)s\n"
              "The assignment has been released; please assign another reviewer.",
              reviewer=reviewer.name, proposal=label, name=proposal.name,
              relation=declaration.relation, note=declaration.note or "—"),
        )
    return declaration


# ------------------------------------------------------------------------ reviews


@dataclass
class SheetInput:
    """What the reviewer typed, as strings (veto answers True/False/None)."""

    scores: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    veto_answers: dict[str, bool | None] = field(default_factory=dict)
    bonus: dict[str, str] = field(default_factory=dict)


def check_sheet(rubric: rubric_core.Rubric, data: SheetInput, *, submit: bool) -> list[rubric_core.Problem]:
    problems = rubric_core.validate(rubric, data.scores, data.comments, data.veto_answers, data.bonus)
    if not submit:
        problems = [p for p in problems if p.code not in DRAFT_TOLERATED]
    return problems


def _apply(review: Review, rubric: rubric_core.Rubric, data: SheetInput, *, submit: bool) -> None:
    review.scores = rubric_core.number_strings(data.scores, [c.key for c in rubric.criteria])
    comment_keys = [c.key for c in rubric.criteria] + [v.key for v in rubric.veto_items]
    review.comments = {k: data.comments[k].strip() for k in comment_keys if (data.comments.get(k) or "").strip()}
    review.veto_answers = {v.key: data.veto_answers[v.key] for v in rubric.veto_items
                           if data.veto_answers.get(v.key) is not None}
    review.bonus = rubric_core.number_strings(data.bonus, [b.key for b in rubric.bonus_items])
    try:
        review.total = rubric_core.total(rubric, review.scores, review.bonus)
    except rubric_core.ScoreError:
        review.total = None  # an incomplete draft has no total yet
    review.vetoed = rubric_core.is_vetoed(rubric, review.veto_answers)
    review.updated_at = utcnow()  # always an UPDATE, so the version counter checks every save
    if submit:
        review.status = ReviewStatus.submitted
        review.submitted_at = utcnow()


def find_review(reviewer_id: int, proposal_id: int, stage: Stage = Stage.written) -> Review | None:
    return db.session.scalar(select(Review).where(
        Review.proposal_id == proposal_id, Review.reviewer_id == reviewer_id, Review.stage == stage))


def check_window(proposal: Proposal) -> None:
    """Refuse (``review_window_closed``) when the round's review window is not open."""
    if not review_window_open(proposal.round):
        raise Refusal("review_window_closed")


def _check(review: Review | None, rubric: rubric_core.Rubric, data: SheetInput, *, submit: bool,
           expected_version: int | None) -> None:
    if expected_version is not None and (review.version if review is not None else 0) != expected_version:
        raise Refusal("review_changed", field="version")
    submit = submit or (review is not None and review.status == ReviewStatus.submitted)
    problems = check_sheet(rubric, data, submit=submit)
    if problems:
        raise Refusal.of(problems)


def save_review(reviewer_id: int, proposal: Proposal, rubric_version: RubricVersion, data: SheetInput, *,
                submit: bool, existing: Review | None, expected_version: int | None = None) -> Review:
    """Create or update the reviewer's review.

    Refuses (``Refusal``, nothing changed) when the review window is closed
    (``review_window_closed``), when ``expected_version`` is given and the stored review is
    not at that version (``review_changed``: changed in another tab; 0 means "no review
    yet"), or with every problem of the sheet (``check_sheet``: a submitted review is
    checked as a submission, a draft only for malformed input).

    ``existing`` is what the caller loaded. When it is None but another request inserted
    the row meanwhile (two first saves racing), the unique constraint refuses the insert
    and the save is retried as an update of that row: one review, never two (or, with
    ``expected_version``, refused as ``review_changed``)."""
    check_window(proposal)
    review = existing
    rubric = rubric_of_version(review.rubric_version if review is not None else rubric_version)
    _check(review, rubric, data, submit=submit, expected_version=expected_version)
    if review is None:
        review = Review(proposal_id=proposal.id, reviewer_id=reviewer_id, stage=Stage.written,
                        rubric_version_id=rubric_version.id, status=ReviewStatus.draft)
        _apply(review, rubric, data, submit=submit)
        try:
            with db.session.begin_nested():
                db.session.add(review)
                db.session.flush()
            created = True
        except IntegrityError:
            review = find_review(reviewer_id, proposal.id)
            if review is None:  # pragma: no cover - refused for another reason
                raise
            created = False
            rubric = rubric_of_version(review.rubric_version)
            _check(review, rubric, data, submit=submit, expected_version=expected_version)
    else:
        created = False
    if not created:
        before = {"scores": dict(review.scores), "total": review.total, "status": review.status.value}
        _apply(review, rubric, data, submit=submit or review.status == ReviewStatus.submitted)
        db.session.flush()
    else:
        before = None
    audit.record(
        "submit_review" if review.status == ReviewStatus.submitted else "save_review_draft",
        review, proposal_id=proposal.id, reviewer_id=reviewer_id, rubric_version_id=review.rubric_version_id,
        scores=review.scores, bonus=review.bonus, veto_answers=review.veto_answers, total=review.total,
        vetoed=review.vetoed, before=before,
    )
    return review


def rubric_of_version(rv: RubricVersion) -> rubric_core.Rubric:
    return rubric_core.rubric_from_dict(rv.definition)


# ------------------------------------------------------------- progress, reminders


@dataclass
class ReviewerProgress:
    reviewer_id: int
    name: str
    email: str
    assigned: int = 0
    submitted: int = 0
    draft: int = 0
    not_started: int = 0
    conflicts: int = 0

    @property
    def unfinished(self) -> int:
        return self.draft + self.not_started


@dataclass
class ProposalProgress:
    proposal_id: int
    label: str
    name: str
    assigned: int = 0
    submitted: int = 0
    draft: int = 0
    conflicts: int = 0


def progress(round_id: int) -> tuple[list[ReviewerProgress], list[ProposalProgress]]:
    """Review progress per reviewer and per proposal, in a fixed number of queries."""
    assignments = db.session.execute(
        select(Assignment.reviewer_id, Assignment.proposal_id)
        .where(Assignment.round_id == round_id, Assignment.stage == Stage.written)
    ).all()
    reviews = {
        (r.reviewer_id, r.proposal_id): r.status
        for r in db.session.execute(
            select(Review.reviewer_id, Review.proposal_id, Review.status)
            .join(Proposal, Proposal.id == Review.proposal_id)
            .where(Proposal.round_id == round_id, Review.stage == Stage.written)
        ).all()
    }
    conflicts = db.session.execute(
        select(ConflictDeclaration.reviewer_id, ConflictDeclaration.proposal_id)
        .join(Proposal, Proposal.id == ConflictDeclaration.proposal_id)
        .where(Proposal.round_id == round_id, ConflictDeclaration.has_conflict.is_(True))
    ).all()
    reviewer_ids = {a.reviewer_id for a in assignments} | {c.reviewer_id for c in conflicts}
    proposal_ids = {a.proposal_id for a in assignments} | {c.proposal_id for c in conflicts}
    people = {u.id: u for u in db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(reviewer_ids))).all()} if reviewer_ids else {}
    props = {p.id: p for p in db.session.execute(
        select(Proposal.id, Proposal.number, Proposal.blind_code, Proposal.name)
        .where(Proposal.id.in_(proposal_ids))).all()} if proposal_ids else {}
    by_reviewer = {rid: ReviewerProgress(rid, people[rid].name, people[rid].email) for rid in reviewer_ids}
    by_proposal = {pid: ProposalProgress(pid, props[pid].number or props[pid].blind_code or str(pid),
                                         props[pid].name) for pid in proposal_ids}
    for a in assignments:
        rp, pp = by_reviewer[a.reviewer_id], by_proposal[a.proposal_id]
        rp.assigned += 1
        pp.assigned += 1
        status = reviews.get((a.reviewer_id, a.proposal_id))
        if status == ReviewStatus.submitted:
            rp.submitted += 1
            pp.submitted += 1
        elif status == ReviewStatus.draft:
            rp.draft += 1
            pp.draft += 1
        else:
            rp.not_started += 1
    for c in conflicts:
        by_reviewer[c.reviewer_id].conflicts += 1
        by_proposal[c.proposal_id].conflicts += 1
    return (sorted(by_reviewer.values(), key=lambda r: r.name),
            sorted(by_proposal.values(), key=lambda p: p.label))


def send_reminders(rnd: Round, review_url: str) -> list[str]:
    """Email every reviewer with unfinished reviews in the round; returns their addresses."""
    reviewers, _proposals = progress(rnd.id)
    sent = []
    for r in reviewers:
        if r.unfinished <= 0:
            continue
        mail.queue(
            r.email,
            _l("Reminder: %(count)s reviews to finish for %(round)s", count=r.unfinished, round=i18n.label(rnd)),
            _l("Dear %(name)s,\n\nYou have %(count)s of %(assigned)s assigned proposals still to score "
              "(%(drafts)s drafts). The review window closes at %(closes)s (Beijing time).\n\n%(url)s",
              name=r.name, count=r.unfinished, assigned=r.assigned, drafts=r.draft,
              closes=_local(rnd.review_closes_at), url=review_url),
        )
        sent.append(r.email)
    audit.record("send_review_reminders", rnd, recipients=sent)
    return sent


def _local(value) -> str:
    from grants.platform.templating import local_dt

    return local_dt(value)


def count_reviews(round_id: int) -> int:
    return db.session.scalar(select(func.count(Review.id)).join(Proposal, Proposal.id == Review.proposal_id)
                             .where(Proposal.round_id == round_id)) or 0


# ------------------------------------------------------------------- score sheets


def _fmt(d) -> str:
    if d is None:
        return ""
    d = Decimal(d)
    return format(d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize(), "f")


def proposal_label(proposal: Proposal, blind: bool) -> str:
    if blind:
        return f"{proposal.blind_code or proposal.id} · {proposal.name}"
    return f"{proposal.number or proposal.id} · {proposal.name}"


def sheet_data(review: Review, rubric: rubric_core.Rubric, lang: str, *, blind: bool,
               yes: str, no: str, unanswered: str) -> dict:
    """One score sheet as plain data (see templates/review/pdf/score_sheet.html)."""
    criteria = []
    for c in rubric.criteria:
        score = review.scores.get(c.key)
        band = ""
        if score is not None:
            try:
                band = rubric_core.band_for(c, score).label.get(lang)
            except ValueError:
                band = ""
        criteria.append({"label": c.label.get(lang), "max_points": _fmt(c.weighted_max),
                         "score": _fmt(score) if score is not None else "", "band": band,
                         "comment": review.comments.get(c.key, "")})
    veto = []
    for v in rubric.veto_items:
        answer = review.veto_answers.get(v.key)
        veto.append({"label": v.label.get(lang),
                     "answer": yes if answer is True else no if answer is False else unanswered,
                     "vetoed": answer is True, "comment": review.comments.get(v.key, "")})
    bonus = [{"label": b.label.get(lang), "max_points": _fmt(b.max_points), "value": _fmt(review.bonus.get(b.key))}
             for b in rubric.bonus_items]
    return {
        "proposal": proposal_label(review.proposal, blind),
        "reviewer": review.reviewer.name,
        "criteria": criteria,
        "veto": veto,
        "bonus": bonus,
        "bonus_cap": _fmt(rubric.bonus_cap) if rubric.bonus_items else "",
        "total": _fmt(review.total) if review.total is not None else "",
        # the form's "Total: x / 100": the criteria's maximum; bonus points are on top, up to the cap
        "max_total": _fmt(rubric_core.max_total(rubric)),
        "bonus_max": _fmt(rubric_core.max_total(rubric, with_bonus=True) - rubric_core.max_total(rubric))
        if rubric.bonus_items else "",
        "vetoed": review.vetoed,
        "submitted": review.status == ReviewStatus.submitted,
        "submitted_at": _local(review.submitted_at) if review.submitted_at else "",
    }


def reviews_by_rubric_version(reviews: list[Review]) -> dict[int, rubric_core.Rubric]:
    ids = {r.rubric_version_id for r in reviews}
    rows = db.session.scalars(select(RubricVersion).where(RubricVersion.id.in_(ids))).all() if ids else []
    return {rv.id: rubric_of_version(rv) for rv in rows}


def group_by(rows, key):
    out = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out
