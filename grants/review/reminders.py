"""Reminders of the review stage: reviewers with unsubmitted reviews, 2 days before the review window closes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from grants.extensions import db
from grants.models import Assignment, Review, ReviewStatus, Round, Stage, User
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider

BEFORE = timedelta(days=2)


@provider("review.window_closing")
def window_closing(now: datetime):
    rounds = db.session.scalars(select(Round).where(Round.review_closes_at.is_not(None),
                                                    Round.review_closes_at > now,
                                                    Round.review_closes_at <= now + BEFORE)).all()
    for rnd in rounds:
        submitted = and_(Review.proposal_id == Assignment.proposal_id, Review.reviewer_id == Assignment.reviewer_id,
                         Review.stage == Assignment.stage, Review.status == ReviewStatus.submitted)
        pending = Counter(db.session.scalars(
            select(Assignment.reviewer_id).where(Assignment.round_id == rnd.id, Assignment.stage == Stage.written,
                                                 ~select(Review.id).where(submitted).exists())).all())
        deadline = localtime.stamp(rnd.review_closes_at)
        for reviewer_id, count in sorted(pending.items()):
            reviewer = db.session.get(User, reviewer_id)
            if reviewer is None or not reviewer.active:
                continue
            yield Reminder(
                kind="review_window", recipient=reviewer.email.lower(), object_type="round", object_id=rnd.id,
                occasion="2d",
                subject=_l("Reminder: %(count)s review(s) to submit for %(round)s", count=count, round=rnd.name),
                body=_l("The review window of %(round)s closes on %(deadline)s. You have %(count)s "
                        "assigned proposal(s) whose review is not submitted yet.",
                        round=rnd.name, deadline=deadline, count=count))
