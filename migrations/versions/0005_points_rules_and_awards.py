"""points rules, one award per conversion, unique ledger references

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:20:00

"""
from alembic import op
import sqlalchemy as sa

from portal.types import Money, UTCDateTime


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('points_per_unit', Money(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('points_per_unit > 0', name=op.f('ck_points_rules_positive_rate')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_points_rules_offer_id_offers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_rules')),
    sa.UniqueConstraint('currency', 'offer_id', name=op.f('uq_points_rules_currency_offer_id'))
    )
    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_rules_offer_id'), ['offer_id'], unique=False)

    op.create_table('points_awards',
    sa.Column('conversion_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('awarded_at', UTCDateTime(), nullable=False),
    sa.Column('reversed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversion_id'], ['conversions.id'], name=op.f('fk_points_awards_conversion_id_conversions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_awards_user_id_users')),
    sa.PrimaryKeyConstraint('conversion_id', name=op.f('pk_points_awards'))
    )
    with op.batch_alter_table('points_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_awards_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_points_ledger_reference'), ['reference'])


def downgrade():
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_points_ledger_reference'), type_='unique')

    with op.batch_alter_table('points_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_awards_user_id'))
    op.drop_table('points_awards')

    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_rules_offer_id'))
    op.drop_table('points_rules')
