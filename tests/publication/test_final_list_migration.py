"""Migration 0002: the final list's columns and the objection fingerprints are backfilled from
what a database made before it holds (the ``finalise_publication`` audit entry, the objections)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from grants.extensions import db
from grants.models import AuditEntry, Objection, ObjectionStatus, Publication
from tests import factories
from tests.conftest import PG_ADMIN_URL
from tests.publication.test_publication_support import add_awards, direct_publication


@pytest.fixture
def fresh_url(backend, tmp_path):
    """An empty database of its own: this test moves the schema down and up again."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/migration.sqlite"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"grants_mig_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    # A pool other than the test app's engine keeps one idle connection to this throw-away database
    # (seen since the job queue landed; not traced yet). Close it here rather than let the garbage
    # collector warn inside whichever test runs next.
    import gc

    import psycopg

    for obj in gc.get_objects():
        if isinstance(obj, psycopg.Connection) and not obj.closed and obj.info.dbname == name:
            obj.close()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_backfills_the_final_list_and_objection_fingerprints(fresh_url, tmp_path):
    from grants import create_app
    from grants.publication import objections as objection_ops
    from grants.publication import operations as ops

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_url, "UPLOAD_FOLDER": str(tmp_path / "up"),
                      "PDF_FOLDER": str(tmp_path / "pdf"), "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
    make = factories.Factory(app)
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    pub_id = direct_publication(app, rnd.id, start=date.today() - timedelta(days=9),
                                end=date.today() - timedelta(days=1), published_days_ago=10)
    with app.test_request_context():
        pub = db.session.get(Publication, pub_id)
        same = {"publication_id": pub_id, "proposal_id": ids[0], "name": "李市民", "contact": "138",
                "reasons": "評分不公。", "status": ObjectionStatus.dismissed}
        db.session.add_all([Objection(**same), Objection(**same),  # stored twice before the fix
                            Objection(**(same | {"reasons": "另一理由。"})),
                            Objection(**(same | {"evidence_stored": "a" * 32 + ".pdf"}))])
        db.session.flush()
        ops.finalise(pub)
        db.session.commit()
        expected = (pub.final_rows, pub.final_code, pub.final_audit_head)
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "finalise_publication")).one()
        assert expected[1] == entry.details["final_code"] and expected[2] == entry.hash
        assert [r["proposal_id"] for r in expected[0]] == [ids[0], ids[2], ids[1]] and expected[1]

        db.session.remove()  # no transaction of ours may hold the tables while the schema changes
        downgrade(revision="0001")  # a database as it was before: nothing but the audit entry knows
        upgrade()
        pub = db.session.get(Publication, pub_id)
        assert (pub.final_rows, pub.final_code, pub.final_audit_head) == expected
        prints = [o.fingerprint for o in db.session.scalars(select(Objection).order_by(Objection.id))]
        first = objection_ops.fingerprint(pub_id, ids[0], "李市民", "138", "評分不公。")
        other = objection_ops.fingerprint(pub_id, ids[0], "李市民", "138", "另一理由。")
        assert prints == [first, None, other, None]  # the first of identical ones; evidence: unknown hash
        assert ops.find_by_hash(expected[1]) is None  # the final PDF was never rendered here
        db.session.remove()
        db.engine.dispose()
