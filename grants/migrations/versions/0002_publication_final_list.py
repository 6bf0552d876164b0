"""final list (立項名單) and objection identity in their own columns

The final list's rows, footer verification code and audit head were read back out of the
``finalise_publication`` audit entry; they are now columns of ``publication``, backfilled from
that entry (the latest one per publication). ``objection.fingerprint`` (unique) stores what
makes two objections the same one, so the same objection sent twice is stored once; existing
objections without evidence are backfilled (the first of identical ones keeps it), those with
evidence keep NULL (their file's hash was never stored).

Revision ID: 0002_publication_final
Revises: 0001
Create Date: 2026-12-01 08:00:00

"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002_publication_final'
down_revision = '0001'
branch_labels = None
depends_on = None

publication = sa.table(
    'publication',
    sa.column('id', sa.Integer), sa.column('status', sa.String), sa.column('final_rows', sa.JSON),
    sa.column('final_code', sa.String), sa.column('final_audit_head', sa.String),
)
audit_entry = sa.table(
    'audit_entry',
    sa.column('id', sa.Integer), sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.Integer), sa.column('details', sa.JSON), sa.column('hash', sa.String),
)
objection = sa.table(
    'objection',
    sa.column('id', sa.Integer), sa.column('publication_id', sa.Integer), sa.column('proposal_id', sa.Integer),
    sa.column('name', sa.String), sa.column('contact', sa.String), sa.column('reasons', sa.Text),
    sa.column('evidence_stored', sa.String), sa.column('fingerprint', sa.String),
)


def _fingerprint(publication_id, proposal_id, name, contact, reasons, evidence_sha256=""):
    """A frozen copy of grants.publication.objections.fingerprint (migrations never import the app)."""
    canonical = json.dumps([publication_id, proposal_id, name.strip(), contact.strip(), reasons.strip(),
                            evidence_sha256], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upgrade():
    # Only ADD COLUMN and CREATE INDEX: no table is rebuilt on SQLite (a rebuild of ``publication``
    # would cascade-delete its objections).
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_rows', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('final_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('final_audit_head', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_publication_final_code'), ['final_code'], unique=False)
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))

    conn = op.get_bind()
    final_ids = conn.execute(sa.select(publication.c.id).where(publication.c.status == 'final')).scalars().all()
    for pub_id in final_ids:
        entry = conn.execute(
            sa.select(audit_entry.c.details, audit_entry.c.hash)
            .where(audit_entry.c.action == 'finalise_publication', audit_entry.c.object_type == 'publication',
                   audit_entry.c.object_id == pub_id)
            .order_by(audit_entry.c.id.desc()).limit(1)
        ).first()
        if entry is None:
            continue
        details = entry.details if isinstance(entry.details, dict) else json.loads(entry.details or "{}")
        rows = (details.get('spec') or {}).get('rows')
        conn.execute(publication.update().where(publication.c.id == pub_id).values(
            final_rows=rows, final_code=details.get('final_code'), final_audit_head=entry.hash))

    seen = set()
    for row in conn.execute(sa.select(objection).order_by(objection.c.id)).all():
        if row.evidence_stored:
            continue
        key = _fingerprint(row.publication_id, row.proposal_id, row.name, row.contact, row.reasons)
        if key in seen:
            continue
        seen.add(key)
        conn.execute(objection.update().where(objection.c.id == row.id).values(fingerprint=key))

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_fingerprint'), ['fingerprint'], unique=True)


def downgrade():
    # recreate="never": SQLite (3.35+) drops the columns in place. Rebuilding ``publication`` would
    # DROP it, and with foreign keys on that deletes every objection (ON DELETE CASCADE).
    with op.batch_alter_table('objection', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_fingerprint'))
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('publication', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_final_code'))
        batch_op.drop_column('final_audit_head')
        batch_op.drop_column('final_code')
        batch_op.drop_column('final_rows')
