"""Reminders of the intake stage: NGOs whose proposal is still a draft, 3 days and 1 day before the call closes."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, ProposalStatus, Round
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider

#: occasion -> how long before the deadline it falls due (the nearest due occasion is the one sent)
OCCASIONS = (("1d", timedelta(days=1)), ("3d", timedelta(days=3)))


def occasion(now: datetime, deadline: datetime) -> str | None:
    """Which draft reminder is due at ``now`` for a call closing at ``deadline`` (None: none)."""
    if now >= deadline:
        return None
    for name, before in OCCASIONS:
        if now >= deadline - before:
            return name
    return None


@provider("intake.draft_deadline")
def draft_deadline(now: datetime):
    rounds = db.session.scalars(select(Round).where(Round.call_closes_at > now,
                                                    Round.call_closes_at <= now + timedelta(days=3))).all()
    for rnd in rounds:
        name = occasion(now, rnd.call_closes_at)
        if name is None:
            continue
        deadline = localtime.stamp(rnd.call_closes_at)
        drafts = db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id,
                                                           Proposal.status == ProposalStatus.draft)).all()
        for proposal in drafts:
            org = proposal.organization
            recipients = {org.contact_email, *(m.email for m in org.members if m.active)}
            title = proposal.name or proposal.number or "—"
            for to in sorted(r for r in recipients if r):
                yield Reminder(
                    kind="draft_deadline", recipient=to.lower(), object_type="proposal", object_id=proposal.id,
                    occasion=name,
                    subject=_l("Reminder: “%(name)s” is not submitted yet", name=title),
                    body=_l("The call of %(round)s closes on %(deadline)s. Your proposal “%(name)s” "
                            "is still a draft: submit it before the deadline, or it cannot be considered.",
                            round=rnd.name, deadline=deadline, name=title))
