"""The evaluation PDFs, in the round's official language, through the locked-down engine
(grants.platform.pdf), rendered as jobs on the queue like the award lists:

* the evaluation-results list of a notice (評估結果公示名單): rows, verdicts, the verification code
  in the footer and a QR code to /verify (code: SHA-256 of the printed list data, the award list's
  ``award_list_verification_code``; stored as ``Publication.data_code``, the file's hash as
  ``Publication.pdf_sha256``);
* the 結項證書 (completion certificate) of a passed final evaluation, with its own code
  (``operations.certificate_code``; the file's hash in ``Evaluation.certificate_sha256``).

``find_document`` is the /verify page's lookup for both.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from grants.evaluation import operations as ops
from grants.extensions import db
from grants.models import Evaluation, EvaluationState, Job, Publication, PublicationStatus, ReportKind
from grants.platform import audit, i18n, jobs, localtime, numbers, pdf
from grants.publication import award_list
from grants.publication import operations as publication_ops

RESULTS_TEMPLATE = "evaluation/pdf/results.html"
CERTIFICATE_TEMPLATE = "evaluation/pdf/certificate.html"
KIND = "evaluation.render"


# --------------------------------------------------------------------------- words


def kind_label(kind: str) -> str:
    return _("Mid-term evaluation") if kind == ReportKind.midterm.value else _("Final evaluation")


def verdict_label(passed: bool, reason: str = "") -> str:
    if passed:
        return _("Passed")
    if reason == "overdue":
        return _("Failed (report overdue)")
    return _("Failed the evaluation")


def method_label(method: str) -> str:
    return {"papers": _("Papers"), "phone": _("Phone"), "site_visit": _("Site visit")}.get(method, method)


def locale_of(rnd) -> str:
    return pdf.normalize_locale(rnd.official_language)


# --------------------------------------------------------------------------- results list


def results_context(pub: Publication, locale: str) -> dict:
    """Plain data for templates/evaluation/pdf/results.html (call inside ``locale``)."""
    rnd = pub.round
    issuer, round_name = i18n.label(rnd, "issuer", locale), i18n.label(rnd, "name", locale)
    title = _("Evaluation results: public notice")
    day = publication_ops.document_date(localtime.local_date(pub.published_at), locale)
    rows = [{"n": i + 1, "number": r["number"], "project": r["project"], "organization": r["organization"],
             "kind": kind_label(r["kind"]), "score": numbers.score(r["score"], blank="—") if r["score"] else "—",
             "methods": pdf.LIST_SEPARATOR[locale].join(method_label(m) for m in r["methods"]) or "—",
             "verdict": verdict_label(r["passed"], r["reason"]), "passed": r["passed"]}
            for i, r in enumerate(pub.rows)]
    code = award_list.award_list_verification_code(
        issuer=issuer, round_name=round_name, title=title, date=day,
        rows=[[r["number"], r["project"], r["organization"], r["kind"], r["score"], r["verdict"]] for r in rows])
    verify_url = f"{publication_ops.verify_base_url()}?code={code}"
    return {
        "title": title, "issuer": issuer, "round_name": round_name, "date": day, "rows": rows,
        "passed": sum(1 for r in rows if r["passed"]), "failed": sum(1 for r in rows if not r["passed"]),
        "notice_end": publication_ops.document_date(pub.notice_end, locale) if pub.notice_end else "",
        "verification_code": code, "verify_url": verify_url, "audit_head": pub.audit_head or "",
        "footer_code_css": Markup(pdf.css_string(f"{_('Verification code')} {code}")),  # noqa: S704  # nosec B704
        "qr_svg": Markup(award_list.qr_svg(verify_url, size_mm=22)),  # noqa: S704  # nosec B704 - generated here
    }


def render_results(pub: Publication) -> tuple[bytes, str]:
    """(PDF bytes, verification code) of a results notice."""
    locale = locale_of(pub.round)
    holder: dict = {}

    def context():
        holder.update(results_context(pub, locale))
        return holder

    data = pdf.render(RESULTS_TEMPLATE, context, locale=locale)
    return data, holder["verification_code"]


# --------------------------------------------------------------------------- certificate


def certificate_context(e: Evaluation, locale: str) -> dict:
    rnd = e.agreement.round
    code = e.certificate_code or ops.certificate_code(e)
    verify_url = f"{publication_ops.verify_base_url()}?code={code}"
    return {
        "title": _("Project completion certificate"), "issuer": i18n.label(rnd, "issuer", locale),
        "round_name": i18n.label(rnd, "name", locale), "organization": e.organization.name,
        "uscc": e.organization.uscc, "project": e.proposal.name, "number": e.agreement.number,
        "amount": numbers.money(e.agreement.amount), "score": numbers.score(e.score, blank="—"),
        "date": publication_ops.document_date(e.certificate_issued_on or localtime.today(), locale),
        "verification_code": code, "verify_url": verify_url,
        "footer_code_css": Markup(pdf.css_string(f"{_('Verification code')} {code}")),  # noqa: S704  # nosec B704
        "qr_svg": Markup(award_list.qr_svg(verify_url, size_mm=24)),  # noqa: S704  # nosec B704 - generated here
    }


def render_certificate(e: Evaluation) -> bytes:
    locale = locale_of(e.agreement.round)
    return pdf.render(CERTIFICATE_TEMPLATE, lambda: certificate_context(e, locale), locale=locale)


# --------------------------------------------------------------------------- jobs


def enqueue_results(pub: Publication) -> Job:
    return jobs.enqueue(KIND, {"what": "results", "id": pub.id}, key=f"evaluation:results:{pub.id}", again=True)


def enqueue_certificate(e: Evaluation) -> Job:
    return jobs.enqueue(KIND, {"what": "certificate", "id": e.id}, key=f"evaluation:certificate:{e.id}", again=True)


def _store(data: bytes, name: str) -> None:
    folder = Path(current_app.config["PDF_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


def _mark_failed(job: Job) -> None:
    if job.args.get("what") == "results":
        pub = db.session.get(Publication, job.args["id"])
        if pub is not None and pub.status == PublicationStatus.rendering:
            pub.status = PublicationStatus.failed
            pub.error = job.error[:2000]


@jobs.handler(KIND, label=_l("Render an evaluation document"), max_attempts=3, backoff=20, on_failure=_mark_failed)
def render_job(job: Job) -> None:
    """Idempotent: a document already stored is left as it is."""
    what, ident = job.args["what"], job.args["id"]
    if what == "results":
        pub = db.session.get(Publication, ident)
        if pub is None or pub.pdf_sha256:
            return
        data, code = render_results(pub)
        digest = pdf.sha256_hex(data)
        name = f"evaluation-results-{pub.id}-{digest[:16]}.pdf"
        _store(data, name)
        pub.pdf_path, pub.pdf_sha256, pub.data_code = name, digest, code
        if pub.status in (PublicationStatus.rendering, PublicationStatus.failed):
            pub.status = PublicationStatus.notice
        pub.progress, pub.error = 100, ""
        audit.record("render_evaluation_results", pub, sha256=digest, verification_code=code)
    else:
        e = db.session.get(Evaluation, ident)
        if e is None or e.certificate_sha256 or not e.certificate_code:
            return
        data = render_certificate(e)
        digest = pdf.sha256_hex(data)
        name = f"certificate-{e.id}-{digest[:16]}.pdf"
        _store(data, name)
        e.certificate_path, e.certificate_sha256 = name, digest
        audit.record("render_certificate", e, sha256=digest, verification_code=e.certificate_code)
    db.session.commit()


def retry(pub: Publication) -> Job:
    """Render the results list again after a failure."""
    if pub.pdf_sha256:
        from grants.rules.refusal import Refusal

        raise Refusal("render_not_needed")
    pub.status = PublicationStatus.rendering
    pub.error = ""
    return enqueue_results(pub)


# --------------------------------------------------------------------------- verify


def find_document(value: str) -> dict | None:
    """The /verify lookup: a results list or a certificate by file SHA-256 or footer code, as plain data."""
    value = (value or "").strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        return None
    kind = Publication.kind == ops.NOTICE_KIND
    pub = db.session.scalars(select(Publication).where(kind, Publication.pdf_sha256 == value)).first()
    how = "file"
    if pub is None:
        pub = db.session.scalars(select(Publication).where(kind, Publication.data_code == value,
                                                           Publication.pdf_sha256.is_not(None))).first()
        how = "code"
    if pub is not None:
        return {"type": "results", "how": how, "round": pub.round, "round_id": pub.round_id, "publication": pub,
                "published_at": pub.published_at, "rows": len(pub.rows), "final": pub.status == PublicationStatus.final}
    e = db.session.scalars(select(Evaluation).where(Evaluation.certificate_sha256 == value)).first()
    how = "file"
    if e is None:
        e = db.session.scalars(select(Evaluation).where(Evaluation.certificate_code == value,
                                                        Evaluation.certificate_sha256.is_not(None))).first()
        how = "code"
    if e is not None and e.state == EvaluationState.final and e.passed:
        return {"type": "certificate", "how": how, "round": e.agreement.round, "round_id": e.round_id,
                "number": e.agreement.number, "project": e.proposal.name, "organization": e.organization.name,
                "score": e.score, "issued_on": e.certificate_issued_on}
    return None


# --------------------------------------------------------------------------- serving


def frozen_pdf(name: str | None, sha256: str | None, download_name: str, *, inline: bool = False):
    """The stored PDF byte for byte (checked against its recorded SHA-256), or 404."""
    from flask import abort, request

    from grants.platform import downloads

    if not name or not sha256:
        abort(404)
    folder = Path(current_app.config["PDF_FOLDER"]).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    data = path.read_bytes()
    if pdf.sha256_hex(data) != sha256:
        current_app.logger.error("stored file %s does not match its recorded SHA-256", name)
        abort(500)
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = downloads.content_disposition(download_name, inline=inline)
    response.set_etag(sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def certificate_filename(e: Evaluation) -> str:
    return f"結項證書-{e.agreement.number}.pdf"


def results_filename(pub: Publication) -> str:
    return f"評估結果公示-{pub.round.edition}-{pub.id}.pdf"
