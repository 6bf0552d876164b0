"""grant agreements (資助協議), tranches and payments (分期撥款), budget versions and changes (預算調整)

New tables only: agreement_template (one per round: terms, signing days, tranche schedule, budget-change
threshold), agreement (one per award), tranche, agreement_payment, agreement_file (scans),
budget_version, budget_change. Nothing existing is altered.

Revision ID: 0007_agreements
Revises: 0005_round_language
Create Date: 2026-12-01 10:10:02.631645

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_agreements'
down_revision = "0005_round_language"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('signing_days', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('change_threshold', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'], name=op.f('fk_agreement_template_round_id_competition_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_template')),
    sa.UniqueConstraint('round_id', name=op.f('uq_agreement_template_round_id'))
    )
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('issued', 'ngo_signed', 'signed', 'withdrawn', name='agreementstatus', native_enum=False, length=12), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('change_threshold', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('bank_account_name', sa.String(length=200), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('bank_account', sa.String(length=40), nullable=False),
    sa.Column('bank_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('verification_code', sa.String(length=64), nullable=True),
    sa.Column('ngo_signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_budget_version', sa.Integer(), nullable=True),
    sa.Column('countersigned_on', sa.Date(), nullable=True),
    sa.Column('countersigned_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.Column('stop_reason', sa.Text(), nullable=False),
    sa.Column('refund_demanded', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('refund_reason', sa.Text(), nullable=False),
    sa.Column('conditions_met', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_agreement_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['countersigned_by_id'], ['user_account.id'], name=op.f('fk_agreement_countersigned_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_agreement_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_agreement_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['competition_round.id'], name=op.f('fk_agreement_round_id_competition_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('award_id', name=op.f('uq_agreement_award_id')),
    sa.UniqueConstraint('number', name=op.f('uq_agreement_number'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_verification_code'), ['verification_code'], unique=False)

    op.create_table('agreement_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_file_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_agreement_file_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_agreement_file_stored_name'))
    )
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_file_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('budget_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('recorded', 'pending', 'approved', 'rejected', name='budgetchangestatus', native_enum=False, length=10), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_budget_change_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_budget_change_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_budget_change_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_change'))
    )
    with op.batch_alter_table('budget_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_change_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('budget_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_budget_version_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_version')),
    sa.UniqueConstraint('agreement_id', 'number', name=op.f('uq_budget_version_agreement_id'))
    )
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_version_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_tranche_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche')),
    sa.UniqueConstraint('agreement_id', 'position', name=op.f('uq_tranche_agreement_id'))
    )
    with op.batch_alter_table('tranche', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranche_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('agreement_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('voucher_no', sa.String(length=60), nullable=False),
    sa.Column('scan_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_payment_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_agreement_payment_confirmed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_agreement_payment_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scan_id'], ['agreement_file.id'], name=op.f('fk_agreement_payment_scan_id_agreement_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranche.id'], name=op.f('fk_agreement_payment_tranche_id_tranche'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_payment'))
    )
    with op.batch_alter_table('agreement_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_payment_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_payment_tranche_id'), ['tranche_id'], unique=False)



def downgrade():
    with op.batch_alter_table('agreement_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_payment_tranche_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_payment_agreement_id'))

    op.drop_table('agreement_payment')
    with op.batch_alter_table('tranche', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tranche_agreement_id'))

    op.drop_table('tranche')
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_version_agreement_id'))

    op.drop_table('budget_version')
    with op.batch_alter_table('budget_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_change_agreement_id'))

    op.drop_table('budget_change')
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_file_agreement_id'))

    op.drop_table('agreement_file')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_verification_code'))
        batch_op.drop_index(batch_op.f('ix_agreement_round_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_organization_id'))

    op.drop_table('agreement')
    op.drop_table('agreement_template')
