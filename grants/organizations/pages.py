"""The history page, shared by the admins' and the NGO's views (what differs: ``for_ngo``)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from grants.agreements.pages import STATUS_LABELS as AGREEMENT_STATUS_LABELS
from grants.models import Organization, utcnow
from grants.organizations import operations as ops
from grants.platform import localtime

REPORT_KIND_LABELS = {"midterm": _l("Mid-term report"), "final": _l("Final report")}
EVALUATION_KIND_LABELS = {"midterm": _l("Mid-term evaluation"), "final": _l("Final evaluation")}
REPORT_STATUS_LABELS = {"draft": _l("Not submitted yet"), "submitted": _l("Submitted"),
                        "returned": _l("Returned for revision"), "accepted": _l("Accepted")}


def history_page(organization: Organization, *, for_ngo: bool):
    editions = ops.history(organization, for_ngo=for_ngo)
    today = localtime.today()
    sanctions = ops.sanctions_of(organization.id)
    return render_template(
        "organizations/history.html", organization=organization, editions=editions, totals=ops.totals(editions),
        for_ngo=for_ngo, sanctions=sanctions, current=ops.in_force([s for s in sanctions if s.lifted_at is None], today),
        today=today, now=utcnow(), agreement_labels=AGREEMENT_STATUS_LABELS, report_kinds=REPORT_KIND_LABELS,
        report_statuses=REPORT_STATUS_LABELS, evaluation_kinds=EVALUATION_KIND_LABELS,
        decided_states={str(s) for s in ops.DECIDED_EVALUATIONS})
