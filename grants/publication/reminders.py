"""Reminders of the publication stage: admins, when a 公示 period has ended (with the open objections)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Objection, ObjectionStatus, Publication, PublicationStatus, Role, User
from grants.platform import localtime
from grants.platform.reminders import Reminder, provider

#: periods that ended longer ago than this are not announced (e.g. on the first start of the schedule)
LOOK_BACK = timedelta(days=14)


def period_ended_at(publication: Publication) -> datetime:
    """The end of the notice period: local midnight after its last day, as UTC."""
    return localtime.local_midnight(publication.notice_end + timedelta(days=1))


@provider("publication.notice_ended")
def notice_ended(now: datetime):
    publications = db.session.scalars(select(Publication).where(
        Publication.kind == "award", Publication.status == PublicationStatus.notice,
        Publication.notice_end.is_not(None))).all()
    admins = None
    for pub in publications:
        ended = period_ended_at(pub)
        if not ended <= now < ended + LOOK_BACK:
            continue
        if admins is None:
            admins = db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
        open_count = db.session.scalar(select(func.count(Objection.id)).where(
            Objection.publication_id == pub.id,
            Objection.status.in_((ObjectionStatus.open, ObjectionStatus.investigating))))
        for to in sorted(set(a.lower() for a in admins)):
            yield Reminder(
                kind="notice_ended", recipient=to, object_type="publication", object_id=pub.id, occasion="ended",
                subject=_l("The notice period of %(round)s has ended", round=pub.round.name),
                body=_l("The public notice period of %(round)s ended on %(date)s. Open objections: %(count)s. "
                        "Decide them, then make the award list final.",
                        round=pub.round.name, date=pub.notice_end.isoformat(), count=open_count))
