"""admin-entered labels per language: round name, issuer, description and category names

``competition_round.labels`` and ``category.labels`` (JSON, NULL = none) hold the texts in the
languages besides the one given in ``name`` / ``issuer`` / ``description``:
``{"name": {"zh_Hans": "...", "en": "..."}}``. Pages fall back to the text as given.

Revision ID: 0004_labels
Revises: 0003_jobs
Create Date: 2026-12-01 10:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004_labels'
down_revision = "0003_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition_round') as batch:
        batch.add_column(sa.Column('labels', sa.JSON(), nullable=True))
    with op.batch_alter_table('category') as batch:
        batch.add_column(sa.Column('labels', sa.JSON(), nullable=True))


def downgrade():
    # recreate="never": SQLite (3.35+) drops the columns in place; rebuilding ``category`` would
    # DROP it while proposals still point at it (a foreign-key error, or lost rows with cascades).
    with op.batch_alter_table('category', recreate='never') as batch:
        batch.drop_column('labels')
    with op.batch_alter_table('competition_round', recreate='never') as batch:
        batch.drop_column('labels')
