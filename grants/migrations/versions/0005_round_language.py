"""the round's official language (the language of its notice and final lists, roadshow order, agreements)

Existing rounds print in Traditional Chinese, as they did before.

Revision ID: 0005_round_language
Revises: 0004_labels
Create Date: 2026-12-01 10:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_round_language'
down_revision = "0004_labels"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN only: no table rebuild on SQLite (a rebuild of ``competition_round`` would
    # cascade-delete its categories and proposals).
    with op.batch_alter_table('competition_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_language', sa.String(length=8), nullable=False,
                                      server_default='zh_Hant'))


def downgrade():
    # A plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL), never batch mode: batch mode rebuilds the
    # table on SQLite, and dropping the old ``competition_round`` cascades to every row that refers to it.
    op.drop_column('competition_round', 'official_language')
