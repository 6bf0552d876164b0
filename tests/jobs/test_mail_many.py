"""``mail.queue_many`` / ``jobs.enqueue_many`` (a thousand assignment mails in one run): the same outbox
rows and jobs as ``mail.queue`` one by one, in the recipients' languages, with few statements."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from grants.extensions import db
from grants.models import Job, OutboxMail, Role, User
from grants.platform import jobs, mail


def test_queue_many_writes_what_queue_writes_with_few_statements(app):
    with app.test_request_context():
        db.session.add_all([User(email="Hans@Example.org", name="簡", role=Role.reviewer, locale="zh_Hans"),
                            User(email="hant@example.org", name="繁", role=Role.reviewer, locale="zh_Hant")])
        db.session.flush()
        messages = [("hans@example.org", _l("Send a mail"), "正文"), ("hant@example.org", _l("Send a mail"), "內文"),
                    ("nobody@example.org", "Plain subject", "body")]
        one_by_one = [mail.queue(*m) for m in messages]
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            many = mail.queue_many(messages)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert [(r.to, r.subject, r.body) for r in many] == [(r.to, r.subject, r.body) for r in one_by_one]
        assert many[0].subject == "发送邮件" and many[1].subject != many[0].subject
        # one query for the languages and one for the job keys, whatever the number of mails; the inserts are
        # batched where the database returns many ids at once (PostgreSQL), one per row on SQLite
        assert sum(st.lstrip().upper().startswith("SELECT") for st in statements) == 2
        assert not any("SAVEPOINT" in st.upper() for st in statements)
        if db.engine.dialect.name == "postgresql":
            assert len(statements) <= 6
        job_rows = db.session.scalars(select(Job).where(Job.key.in_([f"mail:{r.id}" for r in many]))).all()
        assert sorted(j.args["outbox_id"] for j in job_rows) == sorted(r.id for r in many)
        assert {j.status for j in job_rows} == {"waiting"}
        pending = {job_id for job_id, _delay in g.jobs_pending}
        assert {j.id for j in job_rows} <= pending
        db.session.commit()
        assert db.session.scalar(select(db.func.count(OutboxMail.id))) == 6


def test_enqueue_many_restarts_a_failed_key_and_returns_one_job_per_key(app):
    with app.test_request_context():
        failed = jobs.enqueue("mail.send", {"outbox_id": 1}, key="mail:test-1")
        failed.status = jobs.FAILED
        db.session.flush()
        out = jobs.enqueue_many("mail.send", [({"outbox_id": 1}, "mail:test-1"), ({"outbox_id": 2}, "mail:test-2"),
                                              ({"outbox_id": 2}, "mail:test-2"), ({"outbox_id": 3}, None)])
        assert out[0] is failed and failed.status == jobs.WAITING
        assert out[1] is out[2] and out[1].id != failed.id and out[3].key is None
        assert db.session.scalar(select(db.func.count(Job.id))) == 3
