"""evaluations (evaluation_rubric, evaluation, evaluation_panel, evaluation_score) and publication.kind:
mid-term and final evaluations of funded projects; the evaluation-results notice reuses the publication table

Revision ID: 0011_evaluations
Revises: 0010_report_dues
Create Date: 2026-12-01 13:23:12.339261

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_evaluations'
down_revision = '0010_report_dues'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_rubric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('midterm', 'final', name='reportkind', native_enum=False, length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evaluation_rubric_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'], name=op.f('fk_evaluation_rubric_round_id_competition_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rubric')),
    sa.UniqueConstraint('round_id', 'kind', 'version', name=op.f('uq_evaluation_rubric_round_id'))
    )
    with op.batch_alter_table('evaluation_rubric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rubric_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('midterm', 'final', name='reportkind', native_enum=False, length=10), nullable=False),
    sa.Column('state', sa.Enum('panel', 'scoring', 'decided', 'noticed', 'final', name='evaluationstate', native_enum=False, length=10), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('aggregate_rule', sa.String(length=12), nullable=False),
    sa.Column('sheets', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('publication_id', sa.Integer(), nullable=True),
    sa.Column('finalised_on', sa.Date(), nullable=True),
    sa.Column('refund_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('certificate_code', sa.String(length=64), nullable=True),
    sa.Column('certificate_issued_on', sa.Date(), nullable=True),
    sa.Column('certificate_path', sa.String(length=300), nullable=True),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_evaluation_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_evaluation_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_evaluation_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_evaluation_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name=op.f('fk_evaluation_publication_id_publication'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['project_report.id'], name=op.f('fk_evaluation_report_id_project_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'], name=op.f('fk_evaluation_round_id_competition_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_id'], ['evaluation_rubric.id'], name=op.f('fk_evaluation_rubric_id_evaluation_rubric')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('agreement_id', 'kind', name=op.f('uq_evaluation_agreement_id'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_certificate_code'), ['certificate_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_certificate_sha256'), ['certificate_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_panel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evaluation_panel_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_panel_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_evaluation_panel_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_panel')),
    sa.UniqueConstraint('evaluation_id', 'evaluator_id', name=op.f('uq_evaluation_panel_evaluation_id'))
    )
    with op.batch_alter_table('evaluation_panel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_panel_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_panel_evaluator_id'), ['evaluator_id'], unique=False)

    op.create_table('evaluation_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('papers', 'phone', 'site_visit', name='evaluationmethod', native_enum=False, length=12), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('visit_notes', sa.Text(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('bonus', sa.JSON(), nullable=False),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', name='reviewstatus', native_enum=False, length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('signature', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_score_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_evaluation_score_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_id'], ['evaluation_rubric.id'], name=op.f('fk_evaluation_score_rubric_id_evaluation_rubric')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_score')),
    sa.UniqueConstraint('evaluation_id', 'evaluator_id', name=op.f('uq_evaluation_score_evaluation_id'))
    )
    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_score_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_score_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_score_rubric_id'), ['rubric_id'], unique=False)

    with op.batch_alter_table('publication', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='award', nullable=False))
        batch_op.create_index(batch_op.f('ix_publication_kind'), ['kind'], unique=False)



def downgrade():
    # recreate="never": SQLite (3.35+) drops the column in place; rebuilding ``publication`` would
    # cascade-delete its objections
    with op.batch_alter_table('publication', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_kind'))
        batch_op.drop_column('kind')

    with op.batch_alter_table('evaluation_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_score_rubric_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_score_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_score_evaluation_id'))

    op.drop_table('evaluation_score')
    with op.batch_alter_table('evaluation_panel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_panel_evaluator_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_panel_evaluation_id'))

    op.drop_table('evaluation_panel')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_round_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_publication_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_organization_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_certificate_sha256'))
        batch_op.drop_index(batch_op.f('ix_evaluation_certificate_code'))
        batch_op.drop_index(batch_op.f('ix_evaluation_agreement_id'))

    op.drop_table('evaluation')
    with op.batch_alter_table('evaluation_rubric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rubric_round_id'))

    op.drop_table('evaluation_rubric')
