"""organization.barred dropped: whether an organization is barred is its sanctions' answer (0012_sanctions), the old flag was no longer read

Revision ID: 0014_drop_org_barred
Revises: 0013_score_version
Create Date: 2026-12-01 16:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_drop_org_barred'
down_revision = '0013_score_version'
branch_labels = None
depends_on = None


def upgrade():
    # recreate="never": SQLite (3.35+) drops the column in place. Rebuilding ``organization`` would drop
    # the old table, and with foreign keys on that deletes every row that cascades from it (proposals ...)
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('barred')


def downgrade():
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('barred', sa.Boolean(), server_default=sa.false(), nullable=False))
