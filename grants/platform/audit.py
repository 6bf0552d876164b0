"""Writing and verifying the tamper-evident audit log.

Each entry's hash covers its content and the previous entry's hash, so editing a row or
deleting the tail breaks the chain. Entries are added in the caller's transaction (never
committed here); on PostgreSQL a transaction-level advisory lock serialises writers so the
chain cannot fork.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from flask_login import current_user
from sqlalchemy import select, text

from grants.extensions import db
from grants.models import AuditEntry, utcnow

GENESIS = "0" * 64
_LOCK_KEY = 0x6772616E7473  # "grants"


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details,
        "prev": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def record(action: str, obj=None, *, object_type: str | None = None, object_id: int | None = None,
           actor_id: int | None = None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    if actor_id is None and current_user and getattr(current_user, "is_authenticated", False):
        actor_id = current_user.id
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    prev = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        details=json.loads(json.dumps(details, default=str, ensure_ascii=False)),
        prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_chain(entries: Iterable[AuditEntry]) -> tuple[bool, int | None, str]:
    """Walk entries in id order: (ok, id of the first broken entry, head hash)."""
    prev = GENESIS
    for entry in entries:
        if entry.prev_hash != prev or entry_hash(entry) != entry.hash:
            return False, entry.id, prev
        prev = entry.hash
    return True, None, prev


def head_hash() -> str:
    return db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
