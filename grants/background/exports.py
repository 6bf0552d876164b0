"""The large exports as jobs: the proposals spreadsheet, the score matrix and the round's score sheets
(one PDF of every submitted written review), prepared by a worker in the requesting admin's language
and downloaded from the background-work page when ready."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import Job, Proposal, Review, ReviewStatus, Round, Stage
from grants.platform import exports, jobs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(job: Job) -> Round:
    rnd = db.session.get(Round, job.args["round_id"])
    if rnd is None:
        raise LookupError(f"round {job.args['round_id']} no longer exists")
    return rnd


@jobs.handler("export.proposals", label=_l("Proposals spreadsheet"), max_attempts=2, backoff=10)
def proposals_job(job: Job) -> None:
    from grants.screening import exports as screening_exports

    rnd = _round(job)
    with force_locale(job.args.get("locale") or "zh_Hant"):
        data = exports.xlsx_bytes(screening_exports.proposal_sheets(rnd))
        jobs.store_result(job, data, screening_exports.filename(rnd))


@jobs.handler("export.score_matrix", label=_l("Score matrix spreadsheet"), max_attempts=2, backoff=10)
def score_matrix_job(job: Job) -> None:
    from grants.ranking import exports as ranking_exports

    rnd = _round(job)
    with force_locale(job.args.get("locale") or "zh_Hant"):
        data = exports.xlsx_bytes(ranking_exports.score_matrix_sheets(rnd, job.args.get("basis")))
        jobs.store_result(job, data, ranking_exports.filename(rnd))


@jobs.handler("export.score_sheets", label=_l("Score sheets of the round (PDF)"), max_attempts=2, backoff=10)
def score_sheets_job(job: Job) -> None:
    from grants.review.score_sheets import score_sheet_pdf

    rnd = _round(job)
    reviews = db.session.scalars(
        select(Review).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.round_id == rnd.id, Review.stage == Stage.written, Review.status == ReviewStatus.submitted)
        .options(selectinload(Review.proposal), selectinload(Review.reviewer))
        .order_by(Review.reviewer_id, Review.submitted_at, Review.id)).all()
    if not reviews:
        raise LookupError("no submitted reviews in this round")
    jobs.progress(job, 10)
    with force_locale(job.args.get("locale") or "zh_Hant"):
        data = score_sheet_pdf(reviews, rnd, stage_name=str(_l("Written review")))
        jobs.store_result(job, data, f"score-sheets-{rnd.edition}.pdf")


#: the exports an admin can ask for: (job kind, button label)
KINDS = {
    "proposals": ("export.proposals", _l("Proposals spreadsheet")),
    "score-matrix": ("export.score_matrix", _l("Score matrix spreadsheet")),
    "score-sheets": ("export.score_sheets", _l("Score sheets of the round (PDF)")),
}


def mimetype(name: str) -> str:
    return "application/pdf" if name.endswith(".pdf") else XLSX if name.endswith(".xlsx") else "text/csv"
