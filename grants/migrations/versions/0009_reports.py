"""project reports (project_report, report_served, report_file): mid-term and final reports after 立項

Revision ID: 0009_reports
Revises: 0008_score_aggregates
Create Date: 2026-12-01 13:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_reports'
down_revision = '0008_score_aggregates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('midterm', 'final', name='reportkind', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'accepted', name='reportstatus', native_enum=False, length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extended_to', sa.Date(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('extension_granted_at', sa.DateTime(), nullable=True),
    sa.Column('extension_granted_by_id', sa.Integer(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('activities', sa.JSON(), nullable=False),
    sa.Column('sessions_held', sa.Integer(), nullable=True),
    sa.Column('volunteers', sa.Integer(), nullable=True),
    sa.Column('volunteer_hours', sa.Numeric(precision=12, scale=1), nullable=True),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('spending', sa.JSON(), nullable=False),
    sa.Column('spent_total', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('matching_funds', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('settlement', sa.JSON(), nullable=False),
    sa.Column('settlement_total', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_project_report_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['extension_granted_by_id'], ['user_account.id'], name=op.f('fk_project_report_extension_granted_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_project_report_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'], name=op.f('fk_project_report_round_id_competition_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_report')),
    sa.UniqueConstraint('agreement_id', 'kind', name=op.f('uq_project_report_agreement_id'))
    )
    with op.batch_alter_table('project_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_report_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_report_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_report_round_id'), ['round_id'], unique=False)

    op.create_table('report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('photo', 'document', 'receipt', 'audit', name='reportfilekind', native_enum=False, length=10), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['project_report.id'], name=op.f('fk_report_file_report_id_project_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_report_file_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_report_file_stored_name'))
    )
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_file_report_id'), ['report_id'], unique=False)

    op.create_table('report_served',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.Enum('women', 'children', 'families', 'others', name='targetgroup', native_enum=False, length=10), nullable=False),
    sa.Column('district', sa.String(length=20), nullable=False),
    sa.Column('person_times', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['project_report.id'], name=op.f('fk_report_served_report_id_project_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_served')),
    sa.UniqueConstraint('report_id', 'target_group', 'district', name=op.f('uq_report_served_report_id'))
    )
    with op.batch_alter_table('report_served', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_served_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_served', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_served_report_id'))

    op.drop_table('report_served')
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_file_report_id'))

    op.drop_table('report_file')
    with op.batch_alter_table('project_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_report_round_id'))
        batch_op.drop_index(batch_op.f('ix_project_report_organization_id'))
        batch_op.drop_index(batch_op.f('ix_project_report_agreement_id'))

    op.drop_table('project_report')
