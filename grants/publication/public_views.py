"""Public results: the 公示 list, the frozen PDF / xlsx downloads, objections (異議), verification."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from grants.agreements import operations as agreement_ops
from grants.evaluation import documents as evaluation_documents
from grants.extensions import db, limiter
from grants.models import Proposal, Publication, Round
from grants.platform import downloads, exports, pdf, uploads
from grants.platform.forms import BaseForm
from grants.platform.web import public as bp
from grants.publication import objections as objection_ops
from grants.publication import operations as ops

MAX_AGE = 86400


class ObjectionForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    contact = StringField(_l("How to reach you (phone or email)"), validators=[DataRequired(), Length(max=200)])
    proposal = SelectField(_l("Project concerned"), validators=[DataRequired()])
    reasons = TextAreaField(_l("Reasons for the objection"), validators=[DataRequired(), Length(min=10, max=10_000)])
    evidence = FileField(_l("Evidence (optional; PDF, JPEG or PNG, at most 10 MB)"))


class VerifyForm(BaseForm):
    file = FileField(_l("The PDF file"))
    value = StringField(_l("Or its SHA-256 / the verification code"), validators=[Optional(), Length(max=100)])


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id) or abort(404)


def _publication(round_id: int, publication_id: int) -> Publication:
    pub = db.session.get(Publication, publication_id)
    if pub is None or pub.round_id != round_id:
        abort(404)
    return pub


def serve_frozen(name: str | None, sha256: str | None, *, download_name: str, mimetype: str, inline: bool):
    """The stored file, byte for byte, with its SHA-256 as the ETag."""
    if not name or not sha256:
        abort(404)
    folder = Path(current_app.config["PDF_FOLDER"]).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    data = path.read_bytes()
    if mimetype == "application/pdf" and pdf.sha256_hex(data) != sha256:
        current_app.logger.error("stored file %s does not match its published SHA-256", name)
        abort(500)
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = downloads.content_disposition(download_name, inline=inline)
    response.set_etag(sha256)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.route("/results/<int:round_id>")
def results(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_publication(rnd.id, visible_only=True)
    rendering = pub is None and ops.latest_publication(rnd.id) is not None
    rows = ops.visible_rows(pub) if pub is not None else []
    mine = []
    if pub is not None and current_user.is_authenticated and current_user.organization_id:
        ids = {r["proposal_id"] for r in pub.rows}
        mine = db.session.scalars(select(Proposal).where(
            Proposal.round_id == rnd.id, Proposal.organization_id == current_user.organization_id)
            .order_by(Proposal.id)).all()
        mine = [(p, p.id in ids) for p in mine]
    return render_template(
        "publication/results.html", rnd=rnd, pub=pub, rows=rows, total=ops.rows_total(rows), rendering=rendering,
        groups=ops.rows_by_category(rows),
        panel=ops.panel_names(rnd.id) if (pub is not None and rnd.publish_panel_names) else [],
        objections_open=ops.objection_window_open(pub), mine=mine,
        final_code=ops.final_code(pub) if pub is not None else None,
    )


@bp.route("/results/<int:round_id>/<int:publication_id>/notice.pdf")
def results_pdf(round_id: int, publication_id: int):
    pub = _publication(round_id, publication_id)
    return serve_frozen(pub.pdf_path, pub.pdf_sha256, download_name=f"公示名單-{pub.round.edition}-{pub.id}.pdf",
                        mimetype="application/pdf", inline=request.args.get("inline") == "1")


@bp.route("/results/<int:round_id>/<int:publication_id>/final.pdf")
def results_final_pdf(round_id: int, publication_id: int):
    pub = _publication(round_id, publication_id)
    return serve_frozen(pub.final_pdf_path, pub.final_pdf_sha256,
                        download_name=f"立項名單-{pub.round.edition}-{pub.id}.pdf",
                        mimetype="application/pdf", inline=request.args.get("inline") == "1")


@bp.route("/results/<int:round_id>/<int:publication_id>/list.xlsx")
def results_xlsx(round_id: int, publication_id: int):
    pub = _publication(round_id, publication_id)
    if not pub.xlsx_path:
        abort(404)
    folder = Path(current_app.config["PDF_FOLDER"])
    try:
        digest = pdf.sha256_hex((folder / pub.xlsx_path).read_bytes())
    except OSError:
        abort(404)
    return serve_frozen(pub.xlsx_path, digest, download_name=f"公示名單-{pub.round.edition}-{pub.id}.xlsx",
                        mimetype=exports.XLSX_MIMETYPE, inline=False)


def _objection_limit() -> str:
    return current_app.config.get("OBJECTION_LIMIT_PER_ADDRESS", "5 per hour")


@bp.route("/results/<int:round_id>/objection", methods=["GET", "POST"])
@limiter.limit(_objection_limit, methods=["POST"])
def objection_new(round_id: int):
    rnd = _round(round_id)
    pub = ops.latest_publication(rnd.id, visible_only=True)
    is_open = ops.objection_window_open(pub)
    form = ObjectionForm()
    if not is_open:
        status = 403 if request.method == "POST" else 200
        return render_template("publication/objection_form.html", rnd=rnd, pub=pub, form=None, closed=True), status
    form.proposal.choices = [SelectChoice("", _("Choose a project"))] + [
        SelectChoice(str(r["proposal_id"]), f"{r['rank']}. {r['project']} — {r['organization']}") for r in pub.rows
    ]
    if form.validate_on_submit() and objection_ops.file_from_form(pub, form):
        return redirect(url_for("public.results", round_id=rnd.id))
    return render_template("publication/objection_form.html", rnd=rnd, pub=pub, form=form, closed=False)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    result = None
    checked = False
    value = (request.args.get("code") or request.args.get("sha256") or "").strip()
    if request.method == "POST":
        if form.validate_on_submit():
            upload = uploads.upload_of(form.file)
            if upload is not None:
                value = pdf.sha256_hex(upload[1])
            else:
                value = (form.value.data or "").strip()
            if not value:
                form.value.errors = [_("Choose the PDF file or enter a hash.")]
        else:
            value = ""
    agreement = None
    evaluation_document = None
    if value:
        checked = True
        result = ops.find_by_hash(value)
        if result is None:  # a grant agreement's code (grants/agreements): genuine, never its bank details
            agreement = agreement_ops.find_by_code(value)
        if result is None and agreement is None:  # an evaluation-results list or a 結項 certificate
            evaluation_document = evaluation_documents.find_document(value)
    status = 200
    return render_template("publication/verify.html", form=form, checked=checked, value=value, result=result,
                           published_at=_published_at(result), agreement=agreement,
                           evaluation_document=evaluation_document), status


def _published_at(result):
    if result is None:
        return None
    pub, kind, _how = result
    return pub.finalised_at if kind == "final" else pub.published_at
