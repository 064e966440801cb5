"""commission engine: conversion player and source key, RevShare carry-over balances, throttle counters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:15:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('player_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_key', sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conversions_player_id_players'), 'players', ['player_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_conversions_source_key'), ['source_key'])
        batch_op.create_index('ix_conversions_player_offer_event', ['player_id', 'offer_event_id'], unique=False)

    op.create_table('revshare_balances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publisher_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('carried', portal.types.Money(precision=18, scale=4), nullable=False),
    sa.Column('updated_at', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_revshare_balances_offer_id_offers')),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_revshare_balances_publisher_id_publishers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revshare_balances')),
    sa.UniqueConstraint('publisher_id', 'offer_id', 'currency', name=op.f('uq_revshare_balances_publisher_id_offer_id_currency'))
    )
    op.create_table('throttle_counts',
    sa.Column('throttle_id', sa.Integer(), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['throttle_id'], ['custom_throttles.id'], name=op.f('fk_throttle_counts_throttle_id_custom_throttles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('throttle_id', name=op.f('pk_throttle_counts'))
    )


def downgrade():
    op.drop_table('throttle_counts')
    op.drop_table('revshare_balances')
    with op.batch_alter_table('conversions', schema=None) as batch_op:
        batch_op.drop_index('ix_conversions_player_offer_event')
        batch_op.drop_constraint(batch_op.f('uq_conversions_source_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_conversions_player_id_players'), type_='foreignkey')
        batch_op.drop_column('source_key')
        batch_op.drop_column('player_id')
