"""Pages anyone can see: the home page and the language switch."""

from flask import current_app, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, ProposalStatus, Publication, PublicationStatus, Round, utcnow
from grants.platform.urls import safe_next
from grants.platform.web import public as bp
from grants.rules import lifecycle


@bp.route("/")
def home():
    """Every round with where it stands for the public, and how to apply to an open one."""
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    published: dict[int, Publication] = {}
    for pub in db.session.scalars(select(Publication).where(
            Publication.kind == "award", Publication.status.in_((PublicationStatus.notice, PublicationStatus.final))).order_by(Publication.id)):
        published[pub.round_id] = pub  # the latest visible one
    # rounds decided before publications were recorded (older editions): their proposals say so
    decided = set(db.session.scalars(select(Proposal.round_id).where(
        Proposal.status.in_((ProposalStatus.awarded, ProposalStatus.not_awarded))).distinct()))
    now = utcnow()
    status = {}
    for r in rounds:
        pub = published.get(r.id)
        shown = str(pub.status) if pub is not None else ("final" if r.id in decided else None)
        stage = lifecycle.round_stage(now, call_opens_at=r.call_opens_at, call_closes_at=r.call_closes_at,
                                      publication=shown)
        # the public sees four states: not open yet, open, closed (under review), results published
        status[r.id] = {"preparing": "upcoming", "call_open": "open", "notice": "notice", "final": "final"}.get(
            stage, "reviewing")
    return render_template("rounds/home.html", rounds=rounds, status=status, published=published,
                           doc_labels=_doc_labels)


def _doc_labels(kinds) -> str:
    from flask_babel import get_locale

    from grants.platform.i18n import ATTACHMENT_KIND_LABELS

    sep = "、" if str(get_locale() or "zh_Hant").startswith("zh") else ", "
    return sep.join(str(ATTACHMENT_KIND_LABELS.get(k, k)) for k in kinds)


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))
