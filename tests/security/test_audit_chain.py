"""The audit log is tamper-evident: editing a row or deleting the tail is detected."""

from sqlalchemy import delete, select, update

from grants.extensions import db
from grants.models import AuditEntry, Role
from grants.platform import audit


def _make_entries(app, make, n=6):
    user = make.user(Role.admin)
    with app.app_context():
        for i in range(n):
            audit.record("test_action", object_type="thing", object_id=i, actor_id=user.id, step=i, text="紅紫荊")
        db.session.commit()
        return [e.hash for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_chain_verifies(app, make, runner):
    hashes = _make_entries(app, make)
    result = runner.invoke(args=["audit-verify", "--expect-head", hashes[-1]])
    print(result.output.strip())
    assert result.exit_code == 0 and hashes[-1] in result.output


def test_edited_row_detected(app, make, runner):
    _make_entries(app, make)
    with app.app_context():
        third = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(2).limit(1)).one()
        db.session.execute(update(AuditEntry).where(AuditEntry.id == third.id).values(details={"step": 99}))
        db.session.commit()
        broken_at = third.id
    result = runner.invoke(args=["audit-verify"])
    print(result.output.strip())
    assert result.exit_code != 0 and f"broken at entry {broken_at}" in result.output


def test_deleted_tail_detected_by_anchor(app, make, runner):
    hashes = _make_entries(app, make)
    with app.app_context():
        last_id = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        db.session.execute(delete(AuditEntry).where(AuditEntry.id >= last_id - 1))
        db.session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0  # a shorter chain is still a chain…
    result = runner.invoke(args=["audit-verify", "--expect-head", hashes[-1]])
    print(result.output.strip())
    assert result.exit_code != 0 and "deleted" in result.output  # …but the recorded head is gone


def test_deleted_middle_row_detected(app, make, runner):
    _make_entries(app, make)
    with app.app_context():
        second = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(1).limit(1)).one()
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == second))
        db.session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code != 0
