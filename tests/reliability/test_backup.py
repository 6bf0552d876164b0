"""Backup while the app runs, restore into a new database, and find every proposal, review and file."""

import os
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db
from grants.models import (
    Attachment,
    AttachmentKind,
    Proposal,
    Review,
    ReviewStatus,
    Role,
    RubricVersion,
    Stage,
)
from grants.rules.rubric import default_written_rubric, rubric_to_dict
from tests.conftest import PG_ADMIN_URL


def _seed(app, make):
    rnd = make.round()
    proposals = [make.proposal(rnd.id) for _ in range(3)]
    reviewer = make.user(Role.reviewer)
    files = {}
    with app.app_context():
        version = RubricVersion(round_id=rnd.id, stage=Stage.written, version=1,
                                definition=rubric_to_dict(default_written_rubric()))
        db.session.add(version)
        db.session.flush()
        for i, p in enumerate(proposals):
            name = uuid.uuid4().hex
            data = f"%PDF-1.4 backup test {i}".encode()
            folder = Path(app.config["UPLOAD_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
            files[name] = data
            db.session.add(Attachment(proposal_id=p.id, kind=AttachmentKind.other, original_name=f"f{i}.pdf",
                                      stored_name=name, content_type="application/pdf", size=len(data), sha256="x"))
            db.session.add(Review(proposal_id=p.id, reviewer_id=reviewer.id, rubric_version_id=version.id,
                                  status=ReviewStatus.submitted, scores={"need": "18"}, total=Decimal("81.50")))
        db.session.commit()
    return files


def _target_url(app, tmp_path):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/restored.sqlite", None
    name = f"grants_restore_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), (admin, name)


def test_backup_and_restore(app, make, runner, tmp_path):
    files = _seed(app, make)
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    print(f"backup: {archive.stat().st_size} bytes, {len(files)} files")
    target_url, cleanup = _target_url(app, tmp_path)
    try:
        restored = create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url,
            "UPLOAD_FOLDER": str(tmp_path / "r-uploads"), "PDF_FOLDER": str(tmp_path / "r-pdfs"),
        })
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        with restored.app_context():
            assert db.session.scalar(select(func.count(Proposal.id))) == 3
            reviews = db.session.scalars(select(Review)).all()
            assert len(reviews) == 3 and {r.total for r in reviews} == {Decimal("81.50")}
            for attachment in db.session.scalars(select(Attachment)):
                stored = Path(restored.config["UPLOAD_FOLDER"]) / attachment.stored_name
                assert stored.read_bytes() == files[attachment.stored_name]
            db.session.remove()
            db.engine.dispose()
        # restoring over a database that has data is refused on SQLite
        if cleanup is None:
            again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
            assert again.exit_code != 0
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
