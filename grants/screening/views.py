"""Eligibility screening (資格審查): the list of a round's submitted proposals, the checklist and
outcome per proposal, the Excel export, and the admin's copy of the proposal PDF."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from grants.extensions import db
from grants.intake import operations as ops
from grants.intake.documents import intake_labels, proposal_pdf_response
from grants.models import (
    District,
    Organization,
    Proposal,
    ProposalStatus,
    Round,
    ScreeningOutcome,
    utcnow,
)
from grants.organizations import operations as org_ops
from grants.platform import exports, i18n, localtime, refusals
from grants.platform.forms import BaseForm, LocalDateTimeField, parse_id
from grants.platform.i18n import DISTRICT_LABELS, PROPOSAL_STATUS_LABELS, SCREENING_OUTCOME_LABELS
from grants.platform.validators import text_problem
from grants.platform.web import admin as bp
from grants.rules import budget
from grants.rules.refusal import Refusal
from grants.screening import exports as screening_exports
from grants.screening import operations as screening_ops

PER_PAGE = 50
LISTED = [s for s in ProposalStatus if s != ProposalStatus.draft]
CHECK_LABELS = {
    "registration_valid": _l("Registration valid (USCC checks out, registered with civil affairs)"),
    "within_cap": _l("Requested amount within the cap per project"),
    "attachments_complete": _l("Required attachments complete"),
    "not_barred": _l("Organization not barred from the competition"),
}


class ScreeningForm(BaseForm):
    registration_valid = BooleanField(CHECK_LABELS["registration_valid"])
    within_cap = BooleanField(CHECK_LABELS["within_cap"])
    attachments_complete = BooleanField(CHECK_LABELS["attachments_complete"])
    outcome = RadioField(_l("Outcome"), validators=[InputRequired(_l("Choose an outcome."))], choices=[])
    reason = TextAreaField(_l("Reason (shown to the organization)"), validators=[Optional(), Length(max=5000)])
    revision_deadline = LocalDateTimeField(_l("Revision deadline (when returning for revision)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(o.value, SCREENING_OUTCOME_LABELS[o.value]) for o in ScreeningOutcome]


class FilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search project or organization"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)


def _filtered(rnd: Round, args) -> tuple:
    query = select(Proposal).where(Proposal.round_id == rnd.id, Proposal.status != ProposalStatus.draft)
    category = parse_id(args.get("category"))
    if category is not None:
        query = query.where(Proposal.category_id == category)
    status = args.get("status", "")
    if status in {s.value for s in LISTED}:
        query = query.where(Proposal.status == ProposalStatus(status))
    q = (args.get("q") or "").strip()[:100]
    if q and text_problem(q, multiline=False) is None:  # a NUL would be a database error on PostgreSQL
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.join(Organization, Organization.id == Proposal.organization_id).where(
            or_(Proposal.name.ilike(like, escape="\\"), Organization.name.ilike(like, escape="\\"),
                Proposal.number.ilike(like, escape="\\")))
    district = args.get("district", "")
    return query, (district if district in {d.value for d in District} else "")


@bp.route("/rounds/<int:round_id>/screening")
def screening_list(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    form = FilterForm(request.args)
    form.category.choices = [SelectChoice("", _l("All"))] + [SelectChoice(str(c.id), i18n.label(c)) for c in rnd.categories]
    form.district.choices = [SelectChoice("", _l("All"))] + [SelectChoice(k.value, v) for k, v in DISTRICT_LABELS.items()]
    form.status.choices = [SelectChoice("", _l("All"))] + [SelectChoice(s.value, PROPOSAL_STATUS_LABELS[s]) for s in LISTED]
    query, district = _filtered(rnd, request.args)
    rows = db.session.scalars(
        query.options(joinedload(Proposal.organization), joinedload(Proposal.category),
                      selectinload(Proposal.screening), selectinload(Proposal.attachments))
        .order_by(Proposal.number, Proposal.id)
    ).unique().all()
    if district:  # JSON list column: filtered here, portable across SQLite and PostgreSQL
        rows = [p for p in rows if district in (p.districts or [])]
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    total = len(rows)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)
    shown = rows[(page - 1) * PER_PAGE: page * PER_PAGE]
    required = rnd.required_documents or []
    complete = {p.id: all(k in {str(a.kind) for a in p.attachments} for k in required) for p in shown}
    counts = dict(db.session.execute(
        select(Proposal.status, func.count(Proposal.id)).where(Proposal.round_id == rnd.id).group_by(Proposal.status)
    ).all())
    args = {k: v for k, v in request.args.items() if k != "page"}
    barred = org_ops.bars_by_organization([p.organization_id for p in shown], localtime.today())
    return render_template("screening/list.html", rnd=rnd, form=form, proposals=shown, total=total, page=page,
                           pages=pages, args=args, complete=complete, counts=counts, labels_intake=intake_labels(),
                           barred=barred)


@bp.route("/proposals/<int:proposal_id>/screening", methods=["GET", "POST"])
def screening_detail(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    if proposal.status == ProposalStatus.draft:
        abort(404)  # a draft is the NGO's own business until submitted
    system = screening_ops.system_checklist(proposal, utcnow())
    if request.method == "GET":
        current = proposal.screening
        data = dict(current.checklist) if current and current.checklist else dict(system)
        data.pop("not_barred", None)
        form = ScreeningForm(data={**data, "outcome": current.outcome.value if current else None,
                                   "reason": current.reason if current else "",
                                   "revision_deadline": current.revision_deadline if current else None})
    else:
        form = ScreeningForm()
    screenable = proposal.status in screening_ops.SCREENABLE
    if request.method == "POST" and form.validate_on_submit():
        if not screenable:
            flash(_("This proposal cannot be screened in its current status."), "error")
            return redirect(url_for("admin.screening_detail", proposal_id=proposal.id))
        checklist = {k: getattr(form, k).data for k in screening_ops.CHECK_ITEMS
                     if k not in screening_ops.COMPUTED_ITEMS}
        try:
            screening_ops.screen(proposal, ScreeningOutcome(form.outcome.data), checklist, form.reason.data or "",
                                 form.revision_deadline.data, current_user.id, utcnow())
        except Refusal as exc:
            db.session.rollback()
            refusals.attach(form, exc)
        else:
            db.session.commit()
            flash(_("The screening outcome has been recorded and the organization notified."), "success")
            return redirect(url_for("admin.screening_list", round_id=proposal.round_id))
    lines = ops.lines_of(proposal)
    return render_template("screening/detail.html", proposal=proposal, rnd=proposal.round, form=form,
                           system=system, check_labels=CHECK_LABELS, screenable=screenable,
                           history=org_ops.summary(proposal.organization, utcnow()),
                           labels_intake=intake_labels(), lines=lines, admin_share=budget.admin_share(lines),
                           deadline=ops.deadline_of(proposal))


@bp.route("/proposals/<int:proposal_id>/pdf")
def proposal_pdf(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    return proposal_pdf_response(proposal)


@bp.route("/rounds/<int:round_id>/proposals.xlsx")
def proposals_export(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    return exports.xlsx_response(screening_exports.proposal_sheets(rnd), screening_exports.filename(rnd))

