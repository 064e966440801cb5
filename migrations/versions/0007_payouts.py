"""admin payouts, and the payout that paid each conversion

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:15:00

"""
from alembic import op
import sqlalchemy as sa

from portal.types import Money, UTCDateTime


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publisher_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', Money(), nullable=False),
    sa.Column('conversion_count', sa.Integer(), nullable=False),
    sa.Column('period_end', UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payouts_created_by_id_users')),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_payouts_publisher_id_publishers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index('ix_payouts_publisher_currency', ['publisher_id', 'currency'], unique=False)

    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conversions_payout_id_payouts'), 'payouts', ['payout_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_conversions_payout_id'), ['payout_id'], unique=False)


def downgrade():
    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversions_payout_id'))
        batch_op.drop_constraint(batch_op.f('fk_conversions_payout_id_payouts'), type_='foreignkey')
        batch_op.drop_column('payout_id')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_payouts_publisher_currency')
    op.drop_table('payouts')
