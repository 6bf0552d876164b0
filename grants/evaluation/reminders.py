"""Reminders of the evaluation stage: admins, when an evaluation-results notice (公示) has ended, with
its open objections, so that the outcomes (tranches due, terminations) are applied without delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.evaluation import operations as ops
from grants.extensions import db
from grants.models import Publication, PublicationStatus, Role, User
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider

#: periods that ended longer ago than this are not announced (e.g. on the first start of the schedule)
LOOK_BACK = timedelta(days=14)


@provider("evaluation.notice_ended")
def notice_ended(now: datetime):
    notices = db.session.scalars(select(Publication).where(
        Publication.kind == ops.NOTICE_KIND, Publication.status == PublicationStatus.notice,
        Publication.notice_end.is_not(None))).all()
    admins = None
    for pub in notices:
        ended = localtime.local_midnight(pub.notice_end + timedelta(days=1))
        if not ended <= now < ended + LOOK_BACK:
            continue
        if admins is None:
            admins = db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
        count = ops.open_objections(pub)
        for to in sorted({a.lower() for a in admins}):
            yield Reminder(
                kind="evaluation_notice_ended", recipient=to, object_type="publication", object_id=pub.id,
                occasion="ended",
                subject=_l("The evaluation notice of %(round)s has ended", round=pub.round.name),
                body=_l("The public notice of the evaluation results of %(round)s ended on %(date)s. Open objections: "
                        "%(count)s. Decide them, then make the results final: passed projects' tranches become due, "
                        "failed projects are terminated.", round=pub.round.name, date=pub.notice_end.isoformat(),
                        count=count))
