"""The score matrix (matrix.xlsx): the ranking as the ranking page shows it, and one sheet per stage
with every submitted review (criterion scores, the bonus that counts, total, veto).

Built from the ranking operations' named data: :func:`operations.round_scores` (the ranked rows)
and :func:`operations.review_lines` (each review with its bonus capped by its rubric version's
``bonus_cap``, as ``Review.total`` and therefore the ranking page count it).
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from grants.models import Round
from grants.platform.exports import DATETIME, DECIMAL, INTEGER, SCORE, Column, Sheet
from grants.ranking import operations as ranking_ops

STAGE_SHEETS = {"written": _l("Written review"), "roadshow": _l("Roadshow")}


def filename(rnd: Round) -> str:
    return f"score-matrix-round-{rnd.edition}.xlsx"


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def summary_sheet(data: ranking_ops.Ranking, lang: str) -> Sheet:
    columns = [
        Column(_("Rank"), INTEGER), Column(_("Rank in category"), INTEGER), Column(_("Number"), width=14),
        Column(_("Blind code"), width=12), Column(_("Project"), width=36), Column(_("Organization"), width=30),
        Column(_("Category"), width=12), Column(_("Written score"), SCORE), Column(_("Roadshow score"), SCORE),
        Column(_("Score"), SCORE), Column(_("Disqualified"), width=10), Column(_("Tie-break"), width=40),
    ]
    rows = [[r.rank, r.category_rank, r.number, r.blind_code, r.name, r.organization, r.category,
             r.written, r.roadshow, r.score, _yes(r.disqualified), ranking_ops.explain(r.decided_by, data.rubrics, lang)]
            for r in data.rows]
    return Sheet(_("Summary"), columns, rows)


def stage_sheet(stage: str, data: ranking_ops.Ranking, reviews: list[ranking_ops.ReviewLine], lang: str) -> Sheet:
    rub = data.rubrics.get(stage)
    keys = [c.key for c in rub.criteria] if rub else []
    labels = [c.label.get(lang) for c in rub.criteria] if rub else []
    for review in reviews:  # criteria of older rubric versions, under their keys
        for key in review.scores:
            if key not in keys:
                keys.append(key)
                labels.append(key)
    columns = [
        Column(_("Number"), width=14), Column(_("Blind code"), width=12), Column(_("Project"), width=36),
        Column(_("Reviewer"), width=14), *[Column(label, DECIMAL) for label in labels],
        Column(_("Bonus"), DECIMAL), Column(_("Total"), SCORE), Column(_("Vetoed"), width=8),
        Column(_("Submitted at"), DATETIME),
    ]
    by_id = data.by_id
    rows = []
    for review in reviews:
        p = by_id.get(review.proposal_id)
        if p is None:  # a withdrawn proposal: not in the ranking
            continue
        rows.append([p.number, p.blind_code, p.name, review.reviewer, *[review.scores.get(k) for k in keys],
                     review.bonus, review.total, _yes(review.vetoed), review.submitted_at])
    return Sheet(str(STAGE_SHEETS[stage]), columns, rows)


def score_matrix_sheets(rnd: Round, basis: str | None = None) -> list[Sheet]:
    lang = str(get_locale() or "zh_Hant")
    data = ranking_ops.round_scores(rnd, basis)
    by_stage: dict[str, list[ranking_ops.ReviewLine]] = {stage: [] for stage in ranking_ops.STAGES}
    for review in ranking_ops.review_lines(rnd.id):
        by_stage.setdefault(review.stage, []).append(review)
    return [summary_sheet(data, lang), *(stage_sheet(stage, data, by_stage[stage], lang)
                                         for stage in ranking_ops.STAGES)]
