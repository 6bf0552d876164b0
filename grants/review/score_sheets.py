"""Score sheets (評分表) as PDFs: one page per review, for reviewers, admins and roadshow judges."""

from __future__ import annotations

from flask import Response, current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from grants.models import Review, Round
from grants.platform import downloads, i18n, pdf
from grants.review import operations as review_ops
from grants.rules import rubric as rubric_core


def _lang() -> str:
    return rubric_core.normalize_lang(str(get_locale() or "zh_Hant"))


def score_sheet_pdf(reviews: list[Review], rnd: Round, *, stage_name: str) -> bytes:
    """Render one sheet per review (one per page) with templates/review/pdf/score_sheet.html."""
    lang = _lang()
    rubrics = review_ops.reviews_by_rubric_version(reviews)
    sheets = [review_ops.sheet_data(r, rubrics[r.rubric_version_id], lang, blind=rnd.blind_review,
                                    yes=_("Yes"), no=_("No"), unanswered=_("Not answered")) for r in reviews]
    context = {
        "lang": {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans"}.get(lang, "en"),
        "title": _("Score sheet"),
        "round_name": i18n.label(rnd),
        "stage_name": stage_name,
        "sheets": sheets,
        "labels": sheet_labels(),
    }
    return pdf.render_template_to_pdf(current_app.jinja_env, "review/pdf/score_sheet.html", context)



def sheet_labels() -> dict[str, str]:
    return {
        "title": _("Score sheet"), "round": _("Round"), "proposal": _("Proposal"), "reviewer": _("Reviewer"),
        "criterion": _("Criterion"), "max_points": _("Max."), "score": _("Score"), "band": _("Band"),
        "comment": _("Comment"), "veto": _("Veto items"), "answer": _("Answer"), "bonus": _("Bonus items"),
        "bonus_cap": _("capped at"), "total": _("Total"), "vetoed": _("Vetoed: the proposal is disqualified"),
        "signature": _("Signature"), "date": _("Date"), "submitted_at": _("Submitted"),
        "draft": _("DRAFT — not submitted"),
    }



def pdf_response(data: bytes, filename: str) -> Response:
    return downloads.download(data, filename=filename, mimetype="application/pdf")

