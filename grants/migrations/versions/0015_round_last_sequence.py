"""competition_round.last_sequence: the last submission sequence handed out in the round, so numbering a submission reads one row instead of every number in the round

Revision ID: 0015_round_last_sequence
Revises: 0014_drop_org_barred
Create Date: 2026-12-01 17:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_round_last_sequence'
down_revision = '0014_drop_org_barred'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_sequence', sa.Integer(), server_default='0', nullable=False))
    conn = op.get_bind()
    highest: dict[int, int] = {}
    for round_id, number in conn.execute(sa.text("SELECT round_id, number FROM proposal WHERE number IS NOT NULL")):
        tail = number.rsplit("-", 1)[-1]
        if tail.isdigit():
            highest[round_id] = max(highest.get(round_id, 0), int(tail))
    for round_id, sequence in highest.items():
        conn.execute(sa.text("UPDATE competition_round SET last_sequence = :s WHERE id = :id"),
                     {"s": sequence, "id": round_id})


def downgrade():
    # recreate="never": in place on SQLite (a rebuilt competition_round would cascade deletes, see 0014)
    with op.batch_alter_table('competition_round', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('last_sequence')
