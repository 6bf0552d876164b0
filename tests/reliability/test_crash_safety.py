"""kill -9 of the server at random points during proposal submissions and uploads, 100 times,
then a restart (issue #8 part B).

The crash loop runs in its own process (tests/reliability/_crash_driver.py: the app is built
once, each iteration forks a serving child and SIGKILLs it 5–300 ms later). Afterwards, here:

* no partial proposal: every proposal is either its seeded draft or, as a whole, one of the
  submissions sent (all budget lines from one request, subtotals and budget_total consistent);
  a submitted proposal has a number, lines, submitted_at, its attachments and its timeline event;
* every submission that got its success response is in the database (nothing acknowledged is lost);
* every attachment row points at a complete file (size and SHA-256), and after the orphan sweep
  (grace 0) no file is left that no row refers to;
* SQLite: ``PRAGMA integrity_check`` = ok and no foreign-key violations; both: the audit hash
  chain still verifies; the restarted server serves a submission normally.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import (
    Attachment,
    AttachmentKind,
    AuditEntry,
    BudgetCategory,
    BudgetLine,
    Proposal,
    ProposalStatus,
    Role,
)
from grants.platform import audit, uploads
from grants.platform.maintenance import sweep_orphan_files
from tests.factories import PASSWORD
from tests.reliability._server import report

ROOT = Path(__file__).resolve().parents[2]
ITERATIONS = 100
DRAFTS = 320  # the driver uses at most 3 per iteration
SEED_PDF = uploads.tiny_pdf()


def _seed(app, make) -> tuple[int, list[int], str]:
    rnd = make.round(max_proposals_per_org=DRAFTS + 10)
    user = make.user(Role.applicant, email="crash@example.org")
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(SEED_PDF).hexdigest()
    with app.app_context():
        from grants.models import Category

        category_id = db.session.scalar(select(Category.id).where(Category.round_id == rnd.id).order_by(Category.position))
        proposals = []
        for i in range(DRAFTS):
            lines = [BudgetLine(position=j, category=BudgetCategory.activities, item=f"seed{i}-n2-{j}",
                                unit_price=Decimal("1000"), quantity=Decimal(j + 1), subtotal=Decimal(1000 * (j + 1)))
                     for j in range(2)]
            p = Proposal(round_id=rnd.id, organization_id=user.organization_id, status=ProposalStatus.draft,
                         name=f"草稿 {i}", districts=["huicheng"], target_groups=["children"],
                         budget_lines=lines, budget_total=Decimal("3000"))
            for kind in (AttachmentKind.registration_certificate, AttachmentKind.annual_report):
                stored = secrets.token_hex(16) + ".pdf"
                (folder / stored).write_bytes(SEED_PDF)
                p.attachments.append(Attachment(kind=kind, original_name="證書.pdf", stored_name=stored,
                                                content_type="application/pdf", size=len(SEED_PDF), sha256=digest))
            proposals.append(p)
        db.session.add_all(proposals)
        db.session.commit()
        ids = [p.id for p in proposals]
    return category_id, ids, user.email


def _run_driver(app, tmp_path, category_id, drafts, email) -> dict:
    config = {
        "database_url": app.config["SQLALCHEMY_DATABASE_URI"], "secret_key": secrets.token_hex(32),
        "upload_folder": app.config["UPLOAD_FOLDER"], "pdf_folder": app.config["PDF_FOLDER"],
        "email": email, "password": PASSWORD, "drafts": drafts, "category_id": category_id,
        "iterations": ITERATIONS, "seed": 20260808, "min_ms": 5, "max_ms": 300,
    }
    path = tmp_path / "crash.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with open(tmp_path / "driver.log", "wb") as log:
        done = subprocess.run(  # noqa: S603  (our own driver, fixed arguments)
            [sys.executable, "-m", "tests.reliability._crash_driver", str(path)], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=log, timeout=240, check=False, env={**os.environ, "GRANTS_INSTANCE_PATH": str(tmp_path / "inst")},
        )
    assert done.returncode == 0, (tmp_path / "driver.log").read_text(errors="replace")[-3000:]
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _tag_of(p: Proposal) -> str | None:
    """The request all budget lines came from; None when they came from different requests."""
    tags = {line.item.rsplit("-", 2)[0] for line in p.budget_lines}
    counts = {line.item.rsplit("-", 2)[1] for line in p.budget_lines}
    if len(tags) != 1 or counts != {f"n{len(p.budget_lines)}"}:
        return None
    return tags.pop()


def _check_proposals(app, out: dict, seeded: set[int]) -> Counter:
    states = Counter()
    acknowledged = {int(k): v for k, v in {**out["acknowledged"], **out["restart"]["acknowledged"]}.items()}
    with app.app_context():
        rows = db.session.scalars(select(Proposal).options(
            selectinload(Proposal.budget_lines), selectinload(Proposal.attachments), selectinload(Proposal.events))).all()
        assert {p.id for p in rows} == seeded  # no proposal lost, none half-created
        for p in rows:
            tag = _tag_of(p)
            assert tag is not None, f"proposal {p.id}: budget lines from different saves"
            assert [line.position for line in p.budget_lines] == list(range(len(p.budget_lines)))
            for line in p.budget_lines:
                assert line.subtotal == (line.unit_price * line.quantity).quantize(Decimal("0.01"))
            assert p.budget_total == sum(line.subtotal for line in p.budget_lines), f"proposal {p.id}"
            kinds = {str(a.kind) for a in p.attachments}
            assert {"registration_certificate", "annual_report"} <= kinds
            if p.status == ProposalStatus.submitted:
                assert p.number and p.submitted_at and p.budget_lines and not tag.startswith("seed")
                assert p.requested + p.matching_funds == p.budget_total
                assert p.name == f"守護花蕾 {tag}"  # the fields and the lines come from the same request
                assert any(e.status == ProposalStatus.submitted for e in p.events)
                states["submitted"] += 1
            else:
                assert p.status == ProposalStatus.draft and p.number is None and p.submitted_at is None
                states["draft_seeded" if tag.startswith("seed") else "draft_saved"] += 1
            if p.id in acknowledged:  # the server said "submitted": it must be, exactly as sent
                assert p.status == ProposalStatus.submitted and tag == acknowledged[p.id], f"lost: {p.id}"
        numbers = [p.number for p in rows if p.number]
        assert len(numbers) == len(set(numbers))
    return states


def _check_files(app) -> tuple[list[str], int]:
    removed = sweep_orphan_files(app, grace_seconds=0)
    folder = Path(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        attachments = db.session.scalars(select(Attachment)).all()
        stored = {a.stored_name for a in attachments}
        for a in attachments:  # every row points at a complete file
            data = (folder / a.stored_name).read_bytes()
            assert len(data) == a.size and hashlib.sha256(data).hexdigest() == a.sha256, a.stored_name
    on_disk = {f.name for f in folder.iterdir() if f.is_file()}
    assert on_disk == stored, f"orphans left: {sorted(on_disk - stored)[:5]}"
    return removed, len(attachments)


def _check_database(app) -> str:
    with app.app_context():
        ok, broken, _head = audit.verify_chain(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert ok, f"audit chain broken at {broken}"
        if db.engine.dialect.name == "sqlite":
            result = db.session.execute(text("PRAGMA integrity_check")).scalars().all()
            assert result == ["ok"], result
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
            return "integrity_check=ok"
        orphans = db.session.execute(text(
            "SELECT count(*) FROM proposal_budget_line l LEFT JOIN proposal p ON p.id = l.proposal_id "
            "WHERE p.id IS NULL")).scalar()
        assert orphans == 0
        return "consistency queries ok"


def test_kill_9_during_submissions(app, make, backend, tmp_path):
    category_id, ids, email = _seed(app, make)
    out = _run_driver(app, tmp_path, category_id, ids, email)
    states = _check_proposals(app, out, set(ids))
    removed, attachments = _check_files(app)
    database = _check_database(app)
    restart = out["restart"]
    report(f"crash-safety[{backend}]: kills={out['kills']} mid_request={out['interrupted']} "
           f"requests={out['requests']} uploads_acknowledged={out['uploads_ok']} "
           f"submissions_acknowledged={len(out['acknowledged'])} states={dict(states)} "
           f"orphans_swept={len(removed)} attachments={attachments} partial=0 lost=0 {database} "
           f"restart_submission={'ok' if restart['acknowledged'] else 'FAILED'} ({out['elapsed']} s)")
    assert out["kills"] == ITERATIONS and out["interrupted"] > ITERATIONS // 4  # most kills land mid-request
    assert not out["unexpected"] and not restart["unexpected"], out["unexpected"][:5]
    assert len(restart["acknowledged"]) == 1 and restart["uploads_ok"] == 1
    assert states["submitted"] >= 10


def test_sweep_files_cli(app, runner, make):
    """``flask sweep-files``: dry run lists, grace keeps young files, references are never removed."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    category_id, ids, _ = _seed_small(app, make)
    orphan = folder / (secrets.token_hex(16) + ".pdf")
    orphan.write_bytes(b"%PDF-orphan")
    (folder / ".tmp-partial").write_bytes(b"%PDF-")
    evidence = folder / "objections"
    evidence.mkdir()
    (evidence / (secrets.token_hex(16) + ".png")).write_bytes(b"png")
    result = runner.invoke(args=["sweep-files", "--grace-minutes", "5"])
    assert result.exit_code == 0 and "0 orphan file(s) removed" in result.output  # all younger than 5 min
    result = runner.invoke(args=["sweep-files", "--grace-minutes", "0", "--dry-run"])
    assert result.exit_code == 0 and "3 orphan file(s) found" in result.output and orphan.exists()
    result = runner.invoke(args=["sweep-files", "--grace-minutes", "0"])
    assert result.exit_code == 0 and f"removed {orphan.name}" in result.output
    assert not orphan.exists() and not (folder / ".tmp-partial").exists() and not any(evidence.iterdir())
    with app.app_context():
        for name in db.session.scalars(select(Attachment.stored_name)):
            assert (folder / name).exists()


def _seed_small(app, make):
    global DRAFTS
    saved, DRAFTS = DRAFTS, 2
    try:
        return _seed(app, make)
    finally:
        DRAFTS = saved
