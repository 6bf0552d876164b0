"""merge point of issue 17's report and evaluation migrations (no schema change)

The outcomes work needs no table of its own (its figures are queries); this file only joins the two
heads 0010_report_dues and 0011_evaluations so the merged branch upgrades to one head.  At merge time
the lead re-chains the migrations and can delete it.

Revision ID: 0013_outcomes
Revises: 0010_report_dues, 0011_evaluations
"""

# revision identifiers, used by Alembic.
revision = "0013_outcomes"
down_revision = ("0010_report_dues", "0011_evaluations")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
