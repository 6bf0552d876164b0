"""stored score aggregates (score_aggregate, reviewer_scale, score_state)

One row per proposal and stage with what its submitted reviews add up to, each reviewer's
count / sum / sum of squares per stage, and which rounds have complete rows.  Kept current in the
same transaction as every review or proposal change by grants.ranking.aggregates; a round gets
its rows on its first change after this migration (until then the ranking computes from the
raw reviews), so nothing is backfilled here (migrations never import the app).

Revision ID: 0008_score_aggregates
Revises: 0007_agreements
Create Date: 2026-12-01 10:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_score_aggregates'
down_revision = "0007_agreements"
branch_labels = None
depends_on = None

STAGE = sa.Enum('written', 'roadshow', name='stage', native_enum=False, length=10)


def upgrade():
    op.create_table(
        'score_aggregate',
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('stage', STAGE, nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('veto_count', sa.Integer(), nullable=False),
        sa.Column('points_sum', sa.String(length=64), nullable=False),
        sa.Column('points_sum2', sa.String(length=64), nullable=False),
        sa.Column('mean', sa.String(length=64), nullable=False),
        sa.Column('median', sa.String(length=64), nullable=False),
        sa.Column('trimmed_mean', sa.String(length=64), nullable=True),
        sa.Column('score_range', sa.String(length=64), nullable=False),
        sa.Column('sd', sa.String(length=64), nullable=False),
        sa.Column('zsum', sa.String(length=64), nullable=False),
        sa.Column('criteria_mean', sa.JSON(), nullable=False),
        sa.Column('marks', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_score_aggregate_proposal_id_proposal'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'],
                                name=op.f('fk_score_aggregate_round_id_competition_round'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('proposal_id', 'stage', name=op.f('pk_score_aggregate')),
    )
    with op.batch_alter_table('score_aggregate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_aggregate_round_id'), ['round_id'], unique=False)
    op.create_table(
        'reviewer_scale',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('stage', STAGE, nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('points_sum', sa.String(length=64), nullable=False),
        sa.Column('points_sum2', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'],
                                name=op.f('fk_reviewer_scale_reviewer_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'],
                                name=op.f('fk_reviewer_scale_round_id_competition_round'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'stage', 'reviewer_id', name=op.f('pk_reviewer_scale')),
    )
    op.create_table(
        'score_state',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('built_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'],
                                name=op.f('fk_score_state_round_id_competition_round'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_score_state')),
    )


def downgrade():
    op.drop_table('score_state')
    op.drop_table('reviewer_scale')
    with op.batch_alter_table('score_aggregate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_aggregate_round_id'))
    op.drop_table('score_aggregate')
