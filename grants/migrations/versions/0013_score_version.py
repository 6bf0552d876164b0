"""score_state.version: a token changed with every change of a round's score aggregates (the ranking page's cache key)

Revision ID: 0013_score_version
Revises: 0012_sanctions
Create Date: 2026-12-01 13:24:34

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_score_version'
down_revision = '0012_sanctions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('score_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=32), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('score_state', schema=None) as batch_op:
        batch_op.drop_column('version')
