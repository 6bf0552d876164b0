"""The NGO's pages: dashboard, proposal form (drafts, rows, submission), attachments, PDF, timeline.

Attachments are downloaded through a small blueprint of their own (``attachments.download``),
open to every signed-in role and guarded per object by
``grants.platform.permissions.can_download_attachment`` (owner, admins, assigned reviewers without a
declared conflict). It is registered on the app together with the applicant blueprint.
"""

from __future__ import annotations

import os
from collections import defaultdict

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db
from grants.intake import operations as ops
from grants.intake.documents import intake_labels, proposal_pdf_response
from grants.intake.forms import MORE_ROWS, AttachmentForm, ConfirmSubmitForm, ProposalForm
from grants.models import Attachment, Proposal, ProposalStatus, Round, utcnow
from grants.organizations import operations as org_ops
from grants.platform import downloads, localtime, refusals, uploads
from grants.platform.permissions import can_download_attachment, owns_proposal
from grants.platform.web import applicant as bp
from grants.platform.web import attachments as files_bp
from grants.rules import budget, lifecycle
from grants.rules.refusal import Refusal

NEXT_ACTION = {
    ProposalStatus.draft: "edit",
    ProposalStatus.returned: "edit",
    ProposalStatus.withdrawn: "reopen",
}




def _own_proposal(proposal_id: int) -> Proposal:
    """The proposal, or 404 for anyone but its organization (existence is not revealed)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not owns_proposal(current_user, proposal):
        abort(404)
    return proposal


@bp.errorhandler(413)
def upload_too_large(error):
    """A body over MAX_CONTENT_LENGTH: nothing was read or stored; say so and lead back to the draft."""
    db.session.rollback()
    proposal_id = (request.view_args or {}).get("proposal_id")
    back = url_for("applicant.proposal_attachments", proposal_id=proposal_id) if proposal_id else url_for("applicant.dashboard")
    return render_template("intake/upload_too_large.html", back=back,
                           limit_mb=uploads.MAX_FILE_BYTES // (1024 * 1024)), 413


# ------------------------------------------------------------------ dashboard

@bp.route("/")
def dashboard():
    organization = current_user.organization
    rounds = db.session.scalars(select(Round).order_by(Round.edition.desc())).all()
    by_round = defaultdict(list)
    if organization is not None:
        rows = db.session.scalars(
            select(Proposal).where(Proposal.organization_id == organization.id)
            .options(selectinload(Proposal.category)).order_by(Proposal.created_at)
        ).all()
        for p in rows:
            by_round[p.round_id].append(p)
    now = utcnow()
    open_rounds = {r.id for r in rounds if r.call_opens_at <= now < r.call_closes_at}
    active = {r.id: len(ops.counted(by_round[r.id])) for r in rounds}
    mine = [p for ps in by_round.values() for p in ps]
    bar = org_ops.bar_in_force(organization.id, now) if organization is not None else None
    return render_template("intake/dashboard.html", organization=organization, rounds=rounds, by_round=by_round,
                           current=bar,
                           open_rounds=open_rounds, active=active, now=now, next_action=NEXT_ACTION,
                           editable=lambda p: ops.is_editable(p, now), deadline_of=ops.deadline_of,
                           outcomes=ops.outcomes(mine), is_empty=ops.is_empty)


# ------------------------------------------------------------------ create and edit

@bp.route("/rounds/<int:round_id>/proposals/new", methods=["POST"])
def proposal_new(round_id: int):
    rnd = db.session.get(Round, round_id) or abort(404)
    if current_user.organization is None:
        abort(403)
    try:
        proposal = ops.create_proposal(rnd, current_user.organization, current_user.id, utcnow())
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.dashboard"))
    db.session.commit()
    flash(_("A new draft has been created. You can save it at any time and come back later."), "success")
    return redirect(url_for("applicant.proposal_edit", proposal_id=proposal.id))


def _budget_summary(form: ProposalForm) -> dict:
    lines = [budget.Line(f.category.data or "other", f.item.data or "", f.unit_price.data, f.quantity.data)
             for _, f in form.filled("budget_lines")]
    subtotals = {i: budget.line_subtotal(f.unit_price.data, f.quantity.data) for i, f in form.filled("budget_lines")}
    requested = form.requested.data or 0
    matching = form.matching_funds.data or 0
    return {"subtotals": subtotals, "total": budget.budget_total(lines), "sum": requested + matching,
            "admin_share": budget.admin_share(lines)}


def _render_form(proposal: Proposal, form: ProposalForm, status: int = 200):
    return render_template(
        "intake/proposal_form.html", proposal=proposal, rnd=proposal.round, form=form,
        summary=_budget_summary(form), deadline=ops.deadline_of(proposal), labels_intake=intake_labels(),
        attachments=proposal.attachments, required=proposal.round.required_documents or [],
    ), status


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def proposal_edit(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    now = utcnow()
    if not ops.is_editable(proposal, now):
        if request.method == "POST":
            code = "deadline_passed" if str(proposal.status) in lifecycle.EDITABLE else "not_editable"
            refusals.flash_refusal(Refusal(code, field="status", deadline=ops.deadline_of(proposal),
                                           status=str(proposal.status)))
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
    if request.method == "GET":
        form = ProposalForm(obj=proposal, version=proposal.version)
        form.set_choices(proposal.round)
        try:
            extra = min(int(request.args.get("extra", 0)), 20)
        except ValueError:
            extra = 0
        form.pad_rows(2 + max(extra, 0))
        return _render_form(proposal, form)

    form = ProposalForm()
    form.set_choices(proposal.round)
    action, _sep, section = request.form.get("action", "save").partition(":")
    if not form.validate():
        flash(_("The draft was not saved: please correct the fields marked below."), "error")
        form.pad_rows(0)
        return _render_form(proposal, form)
    if (form.version.data or "") != str(proposal.version):
        flash(_("This proposal was changed in another window while you were editing. Your changes were not saved: "
                "review the current version and apply them again."), "error")
        return _render_form(proposal, form, 409)
    try:
        proposal = ops.save_draft(proposal, form.values(), current_user.id, now)
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))
    if action == "confirm":  # the form's submit button: save, check everything, then ask to confirm
        problems = ops.submission_problems(proposal, now)
        try:
            db.session.commit()  # the draft is kept either way
        except StaleDataError:
            db.session.rollback()
            abort(409)
        if problems:
            return _show_problems(proposal, form, problems)
        return redirect(url_for("applicant.proposal_submit", proposal_id=proposal_id))
    if action == "submit":  # one-step submission (no confirmation page): kept for scripted clients
        try:
            ops.submit_proposal(proposal, current_user.id, now)
        except Refusal as exc:
            db.session.commit()  # the draft is kept
            return _show_problems(proposal, form, exc.problems)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            abort(409)
        return redirect(url_for("applicant.proposal_submitted", proposal_id=proposal_id))
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        abort(409)
    if action == "attachments":
        flash(_("Draft saved at %(time)s.", time=localtime.stamp(now, "%H:%M:%S")), "success")
        return redirect(url_for("applicant.proposal_attachments", proposal_id=proposal_id))
    if action == "add_rows":
        flash(_("Draft saved. More blank rows have been added."), "success")
        anchor = section if section in ("activities", "outcomes", "team") else "budget"
        return redirect(url_for("applicant.proposal_edit", proposal_id=proposal_id, extra=MORE_ROWS) + "#sec-" + anchor)
    flash(_("Draft saved at %(time)s.", time=localtime.stamp(now, "%H:%M:%S")), "success")
    # proposal_id, not proposal.id: after the commit that would read the row again just for the address
    return redirect(url_for("applicant.proposal_edit", proposal_id=proposal_id))


def _show_problems(proposal: Proposal, form: ProposalForm, problems):
    """The form again with every problem next to its field (all at once), the draft saved."""
    db.session.refresh(proposal)
    form.version.data = str(proposal.version)
    form.version.raw_data = [str(proposal.version)]
    placed = form.apply_problems(problems)
    flash(_("Your draft was saved, but it cannot be submitted yet: please correct the fields marked below."),
          "error")
    for problem in problems:
        if problem.field in ("attachments", "status") or not placed:
            flash(refusals.message(problem), "error")
    return _render_form(proposal, form)


@bp.route("/proposals/<int:proposal_id>/submit", methods=["GET", "POST"])
def proposal_submit(proposal_id: int):
    """The confirmation step: what will be submitted, and one button to submit it (no JS needed)."""
    proposal = _own_proposal(proposal_id)
    now = utcnow()
    form = ConfirmSubmitForm()
    if request.method == "POST" and form.validate_on_submit():
        if (form.version.data or "") != str(proposal.version):
            flash(_("This proposal was changed in another window. Check it again before you submit."), "error")
            return redirect(url_for("applicant.proposal_submit", proposal_id=proposal.id))
        try:
            ops.submit_proposal(proposal, current_user.id, now)
        except Refusal as exc:
            db.session.rollback()
            for problem in exc.problems:
                flash(refusals.message(problem), "error")
            return redirect(url_for("applicant.proposal_edit", proposal_id=proposal.id))
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            abort(409)
        return redirect(url_for("applicant.proposal_submitted", proposal_id=proposal.id))
    if request.method == "POST":  # CSRF refused: nothing submitted
        flash(_("The form expired. Please confirm again."), "error")
    if not ops.is_editable(proposal, now):
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
    problems = ops.submission_problems(proposal, now)
    if problems:
        for problem in problems:
            flash(refusals.message(problem), "error")
        return redirect(url_for("applicant.proposal_edit", proposal_id=proposal.id))
    form.version.data = str(proposal.version)
    lines = ops.lines_of(proposal)
    return render_template("intake/confirm_submit.html", proposal=proposal, rnd=proposal.round, form=form,
                           deadline=ops.deadline_of(proposal), total=budget.budget_total(lines),
                           labels_intake=intake_labels(), resubmission=proposal.status == ProposalStatus.returned)


@bp.route("/proposals/<int:proposal_id>/delete", methods=["POST"])
def proposal_delete(proposal_id: int):
    """Delete a never-submitted draft (audited); a numbered proposal is withdrawn instead."""
    proposal = _own_proposal(proposal_id)
    form = ConfirmSubmitForm()  # only its CSRF token is used
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
    try:
        stored = ops.delete_draft(proposal, current_user.id, utcnow())
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))
    db.session.commit()
    for name in stored:
        uploads.remove(ops.upload_folder(), name)
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("applicant.dashboard"))


@bp.route("/proposals/<int:proposal_id>/submitted")
def proposal_submitted(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    if proposal.submitted_at is None:
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
    return render_template("intake/submitted.html", proposal=proposal)


@bp.route("/proposals/<int:proposal_id>")
def proposal_view(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    now = utcnow()
    deadline = ops.deadline_of(proposal)
    return render_template(
        "intake/proposal_view.html", proposal=proposal, rnd=proposal.round, deadline=deadline,
        editable=ops.is_editable(proposal, now), labels_intake=intake_labels(),
        can_withdraw=lifecycle.can_withdraw(str(proposal.status), deadline, now) is None,
        can_reopen=lifecycle.can_reopen(str(proposal.status), proposal.round.call_closes_at, now) is None,
        lines=ops.lines_of(proposal), admin_share=budget.admin_share(ops.lines_of(proposal)),
    )


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
def proposal_withdraw(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    try:
        ops.withdraw_proposal(proposal, current_user.id, utcnow())
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))
    db.session.commit()
    flash(_("The proposal has been withdrawn. You can reopen it as a draft until the deadline."), "success")
    return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/reopen", methods=["POST"])
def proposal_reopen(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    try:
        ops.reopen_proposal(proposal, current_user.id, utcnow())
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))
    db.session.commit()
    flash(_("The proposal is a draft again. Submit it before the deadline."), "success")
    return redirect(url_for("applicant.proposal_edit", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/pdf")
def proposal_pdf(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    return proposal_pdf_response(proposal)




# ------------------------------------------------------------------ attachments

@bp.route("/proposals/<int:proposal_id>/attachments", methods=["GET", "POST"])
def proposal_attachments(proposal_id: int):
    proposal = _own_proposal(proposal_id)
    now = utcnow()
    editable = ops.is_editable(proposal, now)
    form = AttachmentForm()
    status = 200
    if request.method == "POST":
        if not editable:
            flash(_("Attachments can be changed only while the proposal is a draft or returned, before the deadline."),
                  "error")
            return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
        if form.validate_on_submit():
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                form.file.errors = refusals.messages(Refusal("upload_empty"))
            else:
                data = upload.read(uploads.MAX_FILE_BYTES + 1)
                upload.close()
                try:
                    ops.add_attachment(proposal, form.kind.data, upload.filename, data, current_user.id, now)
                except Refusal as exc:
                    db.session.rollback()
                    if not exc.code.startswith("upload_"):
                        refusals.flash_refusal(exc)
                        return redirect(url_for("applicant.proposal_view", proposal_id=proposal.id))
                    form.file.errors = refusals.messages(exc)
                else:
                    db.session.commit()
                    flash(_("The file has been uploaded."), "success")
                    return redirect(url_for("applicant.proposal_attachments", proposal_id=proposal.id))
        status = 400 if form.errors else 200
    return render_template("intake/attachments.html", proposal=proposal, form=form, editable=editable,
                           labels_intake=intake_labels(), required=proposal.round.required_documents or [],
                           limit_mb=uploads.MAX_FILE_BYTES // (1024 * 1024),
                           total_mb=uploads.MAX_TOTAL_BYTES // (1024 * 1024)), status


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
def attachment_delete(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not owns_proposal(current_user, attachment.proposal):
        abort(404)
    proposal_id = attachment.proposal_id
    try:
        stored = ops.delete_attachment(attachment, current_user.id, utcnow())
    except Refusal as exc:
        db.session.rollback()
        refusals.flash_refusal(exc)
        return redirect(url_for("applicant.proposal_view", proposal_id=proposal_id))
    db.session.commit()
    uploads.remove(ops.upload_folder(), stored)
    flash(_("The file has been removed."), "success")
    return redirect(url_for("applicant.proposal_attachments", proposal_id=proposal_id))


@files_bp.route("/<int:attachment_id>")
def download(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_download_attachment(current_user, attachment.proposal, attachment.kind):
        abort(404)
    path = uploads.path_of(ops.upload_folder(), attachment.stored_name)
    if not os.path.isfile(path):
        abort(404)
    with open(path, "rb") as fh:  # at most 10 MB; read whole so no file handle outlives the request
        data = fh.read()
    return downloads.download(data, filename=attachment.original_name, mimetype=attachment.content_type)
