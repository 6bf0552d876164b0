"""report due dates on the agreement (agreement.midterm_report_due, final_report_due), and the revision
deadline of a returned report (project_report.revision_due_on)

Revision ID: 0010_report_dues
Revises: 0009_reports
Create Date: 2026-12-01 13:23:25.396471

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_report_dues'
down_revision = '0009_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('midterm_report_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('final_report_due', sa.Date(), nullable=True))

    with op.batch_alter_table('project_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_due_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('project_report', schema=None) as batch_op:
        batch_op.drop_column('revision_due_on')

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('final_report_due')
        batch_op.drop_column('midterm_report_due')
