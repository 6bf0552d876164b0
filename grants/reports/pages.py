"""Loading reports and their files with the object-level check, shared by the NGO's and the admins'
views: only the owning organization (404 for anyone else's) and admins; reviewers never (their
blueprint does not reach these routes; evaluators read reports through the evaluation pages)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from grants.extensions import db
from grants.models import Agreement, Report, ReportFile, Role
from grants.platform import downloads, permissions
from grants.reports import operations as ops
from grants.rules.refusal import Refusal


def may_see(organization_id: int) -> bool:
    if permissions.is_admin(current_user):
        return True
    return bool(current_user.is_authenticated and current_user.role == Role.applicant
                and current_user.organization_id == organization_id)


def load_agreement(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not may_see(agreement.organization_id):
        abort(404)
    return agreement


def load_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or not may_see(report.organization_id):
        abort(404)
    return report


def load_file(file_id: int) -> ReportFile:
    row = db.session.get(ReportFile, file_id)
    if row is None:
        abort(404)
    load_report(row.report_id)
    return row


def file_response(row: ReportFile):
    try:
        with open(ops.file_path(row), "rb") as fh:
            data = fh.read()
    except (OSError, Refusal):
        abort(404)
    return downloads.download(data, filename=row.original_name, mimetype=row.content_type)
