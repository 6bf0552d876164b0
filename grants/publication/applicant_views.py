"""The NGO's results: a review summary PDF (scores per criterion, comments, no reviewer names)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Award, Proposal, Review, ReviewStatus, Stage
from grants.platform import downloads, i18n, numbers, pdf
from grants.platform.web import applicant as bp
from grants.publication import operations as ops
from grants.rules import rubric as rubric_core


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return numbers.quantize(sum(values, Decimal(0)) / len(values))


def summary_context(proposal: Proposal, lang: str) -> dict:
    """Plain data for templates/publication/pdf/review_summary.html. Reviewers are numbered, never named."""
    reviews = db.session.scalars(
        select(Review).where(Review.proposal_id == proposal.id, Review.stage == Stage.written,
                             Review.status == ReviewStatus.submitted).order_by(Review.id)
    ).all()
    criteria: list[dict] = []
    labels: dict[str, str] = {}
    seen: set[str] = set()
    for review in reviews:
        try:
            rubric = rubric_core.rubric_from_dict(review.rubric_version.definition)
        except rubric_core.RubricError:
            continue
        for c in rubric.criteria:
            labels.setdefault(c.key, c.label.get(lang))
            if c.key not in seen:
                seen.add(c.key)
                criteria.append({"key": c.key, "label": c.label.get(lang), "max": numbers.points(c.max_points),
                                 "_max": c.max_points})
        for v in rubric.veto_items:
            labels.setdefault(v.key, v.label.get(lang))
    for row in criteria:
        values = [Decimal(str(r.scores[row["key"]])) for r in reviews if r.scores.get(row["key"]) not in (None, "")]
        mean = _mean(values)
        row["mean"] = numbers.score(mean)
        row["count"] = len(values)
        row["comments"] = [
            {"reviewer": n, "text": r.comments[row["key"]]}
            for n, r in enumerate(reviews, start=1) if (r.comments or {}).get(row["key"])
        ]
    other_comments = [
        {"reviewer": n, "label": labels.get(key, key), "text": text}
        for n, r in enumerate(reviews, start=1) for key, text in (r.comments or {}).items()
        if text and key not in seen
    ]
    totals = [{"reviewer": n, "total": numbers.score(r.total)
               if r.total is not None else "—"} for n, r in enumerate(reviews, start=1)]
    mean_total = _mean([Decimal(r.total) for r in reviews if r.total is not None])
    award = db.session.scalars(select(Award).where(Award.proposal_id == proposal.id)).first()
    return {
        "title": _("Review summary"),
        "round_name": i18n.label(proposal.round),
        "issuer": i18n.label(proposal.round, "issuer"),
        "project": proposal.name,
        "number": proposal.number or "",
        "organization": proposal.organization.name,
        "review_count": len(reviews),
        "criteria": criteria,
        "totals": totals,
        "mean_total": numbers.score(mean_total),
        "max_total": numbers.points(sum((row["_max"] for row in criteria), Decimal(0))) if criteria else "",
        "published_score": numbers.score(award.score) if award is not None and award.score is not None else "",
        "amount": numbers.money(award.amount) if award is not None and not award.withdrawn else "",
        "other_comments": other_comments,
    }


@bp.route("/proposals/<int:proposal_id>/review-summary.pdf")
def review_summary(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or current_user.organization_id != proposal.organization_id:
        abort(404)
    if ops.latest_publication(proposal.round_id, visible_only=True) is None:
        abort(404)  # nothing is published yet: the summary does not exist for the NGO
    # A personal document: in the reader's language (words, rubric labels, faces).
    locale = pdf.reader_locale()
    try:
        data = pdf.render("publication/pdf/review_summary.html",
                          lambda: summary_context(proposal, rubric_core.normalize_lang(locale)), locale=locale)
    except pdf.PdfError:
        current_app.logger.exception("review summary PDF of proposal %s failed", proposal.id)
        abort(503)
    return downloads.download(data, filename=f"{_('Review summary')}-{proposal.number or proposal.id}.pdf",
                              mimetype="application/pdf")
