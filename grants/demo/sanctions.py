"""Demo: one barred organization (取消資格), so the bar shows on the organizations list, its history
page and its bars page. It is an organization of the earlier editions (no demo login is barred):
the one with the most past proposals, barred for three years from four months ago, through the
same operation an admin uses (so the audit log has the entry)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Organization, Proposal
from grants.organizations import operations as org_ops
from grants.platform import localtime
from grants.rules import sanctions as rules

REASON = "上一屆資助項目結項評估不合格，項目終止並責令退回未使用資金；依協議取消申報資格三年。"


def seed(context: dict) -> None:
    org_id = db.session.scalar(
        select(Organization.id)
        .join(Proposal, Proposal.organization_id == Organization.id)
        .where(Organization.contact_email.like("%@history-ngo.demo"))
        .group_by(Organization.id)
        .order_by(func.count(Proposal.id).desc(), Organization.id)
        .limit(1))
    if org_id is None:
        return
    starts_on = localtime.local_date(context["now"]) - timedelta(days=120)
    org_ops.bar(db.session.get(Organization, org_id), starts_on, rules.add_years(starts_on, 3) - timedelta(days=1),
                REASON, context["admin"].id, context["now"])
