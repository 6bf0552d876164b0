"""Reviewer assignment pages: the proposal × reviewers table, manual and bulk assignment, CSV
export/import, and the automatic assignment with a preview that is confirmed before it writes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from grants.assignment import exports as assignment_exports
from grants.assignment import operations as ops
from grants.extensions import db
from grants.models import Assignment, Category, Proposal, ProposalStatus, Role, Round, User
from grants.platform import exports, i18n, refusals
from grants.platform.forms import BaseForm, IntegerField
from grants.platform.i18n import ASSIGNMENT_SOURCE_LABELS
from grants.platform.web import admin as bp
from grants.rules.refusal import Refusal

PER_PAGE = 100
#: the conflict markers of the tables (reason codes from ops.ConflictIndex.reasons)
CONFLICT_LABELS = {"same_organization": _l("same organization"), "affiliation": _l("declared tie"),
                   "declared": _l("declared conflict")}


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid choice: the select reports "Not a valid choice"


class AutoAssignForm(BaseForm):
    category = SelectField(_l("Categories"), coerce=_int_or_none, validators=[Optional()])
    k = IntegerField(_l("Reviewers per proposal"), validators=[InputRequired(_l("This field is required.")),
                                                             NumberRange(1, 20)])
    max_load = IntegerField(_l("Maximum proposals per reviewer"), validators=[Optional(), NumberRange(1, 10000)],
                            description=_l("Leave empty for the computed default."))
    incremental = BooleanField(_l("Keep the existing assignments (only fill the gaps)"), default=True)


class ConfirmForm(AutoAssignForm):
    fingerprint = HiddenField()


class AddForm(BaseForm):
    reviewer = SelectField(_l("Reviewer"), coerce=int, validators=[InputRequired(_l("Choose a reviewer."))])


class BulkForm(BaseForm):
    """Beside the automatic assignment form, which has a ``category`` too: its own prefix keeps the ids
    (and the labels) apart (``bulk-category``)."""

    category = SelectField(_l("Category"), coerce=int, validators=[InputRequired(_l("Choose a category."))])
    reviewer = SelectField(_l("Reviewer"), coerce=int, validators=[InputRequired(_l("Choose a reviewer."))])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)


class ImportForm(BaseForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("Columns proposal_number and reviewer_email (other columns are ignored). "
                                    "Encoding: UTF-8 (with or without BOM, as Excel's \"CSV UTF-8\") or GBK."))


# ---------------------------------------------------------------------------------------------
def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


def _categories(rnd: Round) -> list[Category]:
    return list(rnd.categories)


def _reviewer_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(User.id, User.name, User.email).where(
        User.role == Role.reviewer, User.active.is_(True)).order_by(User.name)).all()
    return [SelectChoice(r.id, f"{r.name} <{r.email}>") for r in rows]


def _setup_auto(form: AutoAssignForm, rnd: Round) -> None:
    form.category.choices = [SelectChoice(None, _("All categories"))] + [
        SelectChoice(c.id, i18n.label(c)) for c in _categories(rnd)]


def _options(form: AutoAssignForm) -> dict:
    return {"category_id": form.category.data, "k": form.k.data, "max_load": form.max_load.data,
            "incremental": bool(form.incremental.data)}


def _page(rnd: Round, *, auto_form=None, bulk_form=None, import_form=None, import_errors=None, status=200):
    category_id = request.args.get("category", type=int)
    if category_id is not None and category_id not in {c.id for c in rnd.categories}:
        category_id = None
    page = request.args.get("page", 1, type=int)
    data = ops.table(rnd, category_id=category_id, page=page, per_page=PER_PAGE)
    if auto_form is None:
        auto_form = AutoAssignForm(formdata=None, k=rnd.reviewers_per_proposal, incremental=True,
                                   category=category_id)
        _setup_auto(auto_form, rnd)
    reviewer_choices = _reviewer_choices()
    if bulk_form is None:
        bulk_form = BulkForm(formdata=None, category=category_id)
    bulk_form.category.choices = [SelectChoice(c.id, i18n.label(c)) for c in rnd.categories]
    bulk_form.reviewer.choices = reviewer_choices
    import_form = import_form or ImportForm(formdata=None)
    import_errors = [(row, refusals.message(problem)) for row, problem in import_errors or ()]
    return render_template("assignment/assignments.html", rnd=rnd, data=data, category_id=category_id,
                           auto_form=auto_form, bulk_form=bulk_form, import_form=import_form,
                           import_errors=import_errors, source_labels=ASSIGNMENT_SOURCE_LABELS,
                           conflict_labels=CONFLICT_LABELS), status


@bp.route("/rounds/<int:round_id>/assignments")
def assignments(round_id: int):
    rnd = _round(round_id)
    return _page(rnd)


@bp.route("/rounds/<int:round_id>/assignments/proposals/<int:proposal_id>")
def assignment_proposal(round_id: int, proposal_id: int):
    """One proposal: its reviewers, every reviewer's conflict status, the form to add one."""
    rnd = _round(round_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != rnd.id:
        abort(404)
    form = AddForm(formdata=None)
    return _proposal_page(rnd, proposal, form)


def _proposal_page(rnd: Round, proposal: Proposal, form: AddForm, status: int = 200):
    detail = ops.proposal_detail(proposal)
    form.reviewer.choices = [SelectChoice(r["id"], f"{r['name']} <{r['email']}>") for r in detail["reviewers"]
                             if not r["conflicts"] and not r["assigned"]]
    return render_template("assignment/proposal.html", rnd=rnd, proposal=proposal, category=detail["category"],
                           current=detail["current"], reviewers=detail["reviewers"], form=form,
                           eligible=proposal.status == ProposalStatus.eligible,
                           source_labels=ASSIGNMENT_SOURCE_LABELS, conflict_labels=CONFLICT_LABELS), status


@bp.route("/rounds/<int:round_id>/assignments/proposals/<int:proposal_id>/add", methods=["POST"])
def assignment_add(round_id: int, proposal_id: int):
    rnd = _round(round_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != rnd.id:
        abort(404)
    form = AddForm()
    # any reviewer id is accepted by the form; the operation gives the precise refusal
    form.reviewer.choices = _reviewer_choices()
    if not form.validate_on_submit():
        return _proposal_page(rnd, proposal, form, 400)
    reviewer = db.session.get(User, form.reviewer.data)
    if reviewer is None:
        abort(404)
    try:
        ops.assign(proposal, reviewer)
    except Refusal as exc:
        db.session.rollback()
        refusals.attach(form, exc, default_field="reviewer")
        return _proposal_page(rnd, proposal, form, 409)
    db.session.commit()
    flash(_("%(reviewer)s now reviews %(proposal)s.", reviewer=reviewer.name, proposal=ops.proposal_label(proposal)),
          "success")
    return redirect(url_for("admin.assignment_proposal", round_id=rnd.id, proposal_id=proposal.id))


@bp.route("/rounds/<int:round_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
def assignment_remove(round_id: int, assignment_id: int):
    rnd = _round(round_id)
    row = db.session.get(Assignment, assignment_id)
    if row is None or row.round_id != rnd.id:
        abort(404)
    target = url_for("admin.assignment_proposal", round_id=rnd.id, proposal_id=row.proposal_id)
    try:
        ops.unassign(row)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(target)
    db.session.commit()
    flash(_("The assignment has been removed."), "success")
    return redirect(target)


@bp.route("/rounds/<int:round_id>/assignments/bulk", methods=["POST"])
def assignment_bulk(round_id: int):
    rnd = _round(round_id)
    form = BulkForm()
    form.category.choices = [SelectChoice(c.id, i18n.label(c)) for c in rnd.categories]
    form.reviewer.choices = _reviewer_choices()
    if not form.validate_on_submit():
        return _page(rnd, bulk_form=form, status=400)
    reviewer = db.session.get(User, form.reviewer.data) or abort(404)
    category = db.session.get(Category, form.category.data)
    try:
        result = ops.assign_category(rnd, category.id, reviewer)
    except Refusal as exc:
        db.session.rollback()
        refusals.attach(form, exc, default_field="reviewer")
        return _page(rnd, bulk_form=form, status=409)
    db.session.commit()
    flash(_("%(reviewer)s was assigned to %(count)d proposals of %(category)s (%(already)d already assigned).",
            reviewer=reviewer.name, count=len(result.assigned), category=i18n.label(category),
            already=len(result.already)), "success")
    if result.skipped:
        flash(_("Skipped because of a conflict of interest: %(list)s",
                list="; ".join(refusals.message(problem) for _label, problem in result.skipped)), "warning")
    return redirect(url_for("admin.assignments", round_id=rnd.id, category=category.id))


@bp.route("/rounds/<int:round_id>/assignments.csv")
def assignment_export(round_id: int):
    rnd = _round(round_id)
    return exports.csv_response(assignment_exports.COLUMNS, assignment_exports.assignment_rows(rnd),
                                assignment_exports.filename(rnd))


@bp.route("/rounds/<int:round_id>/assignments/import", methods=["POST"])
def assignment_import(round_id: int):
    rnd = _round(round_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(rnd, import_form=form, status=400)
    result = ops.import_csv(rnd, form.file.data.read())
    if result.errors:
        db.session.rollback()
        return _page(rnd, import_form=form, import_errors=result.errors, status=400)
    db.session.commit()
    flash(_("Import done: %(added)d assignments added, %(unchanged)d already present.",
            added=result.added, unchanged=result.unchanged), "success")
    return redirect(url_for("admin.assignments", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/assignments/auto/preview", methods=["POST"])
def assignment_preview(round_id: int):
    rnd = _round(round_id)
    form = AutoAssignForm()
    _setup_auto(form, rnd)
    if not form.validate_on_submit():
        return _page(rnd, auto_form=form, status=400)
    plan, summary = ops.preview(rnd, **_options(form))
    confirm = ConfirmForm(formdata=None, fingerprint=summary["fingerprint"], **{
        "category": form.category.data, "k": form.k.data, "max_load": form.max_load.data,
        "incremental": form.incremental.data})
    _setup_auto(confirm, rnd)
    category = db.session.get(Category, form.category.data) if form.category.data else None
    return render_template("assignment/preview.html", rnd=rnd, s=summary, confirm=confirm, category=category,
                           problems=[refusals.message(p) for p in summary["problems"]], chart=_chart(summary))


@bp.route("/rounds/<int:round_id>/assignments/auto/apply", methods=["POST"])
def assignment_apply(round_id: int):
    rnd = _round(round_id)
    form = ConfirmForm()
    _setup_auto(form, rnd)
    if not form.validate_on_submit() or not form.fingerprint.data:
        flash(_("The confirmation was incomplete; nothing was changed. Run the preview again."), "error")
        return redirect(url_for("admin.assignments", round_id=rnd.id))
    try:
        plan = ops.apply(rnd, expected_fingerprint=form.fingerprint.data, **_options(form))
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("admin.assignments", round_id=rnd.id))
    db.session.commit()
    flash(_("Automatic assignment applied: %(new)d assignments added, %(removed)d removed. "
            "The reviewers with new proposals have been notified by email.",
            new=len(plan.insert), removed=len(plan.remove)), "success")
    return redirect(url_for("admin.assignments", round_id=rnd.id, category=form.category.data))


def _chart(summary: dict) -> dict | None:
    """A horizontal bar per reviewer (server-side SVG geometry; no inline style needed)."""
    loads = summary.get("loads") or []
    if not loads or len(loads) > 400:
        return None
    top = max(summary["max_seen"], max(x["max_load"] for x in loads), 1)
    bar_h, gap, label_w, width = 14, 4, 0, 600
    bars = []
    for i, x in enumerate(loads):
        y = i * (bar_h + gap)
        bars.append({"y": y, "w": round(width * x["load"] / top, 1), "kept_w": round(width * (x["load"] - x["new"]) / top, 1),
                     "name": x["name"], "load": x["load"], "text_y": y + bar_h - 3})
    return {"bars": bars, "height": len(loads) * (bar_h + gap), "width": width, "label_w": label_w,
            "bar_h": bar_h, "limit_x": round(width * summary["max_load"] / top, 1)}
