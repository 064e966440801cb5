"""report rollups, dirty hours, preset token nonce, time indexes for the rollup refresh

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:10:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_rollups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hour', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('publisher_id', sa.Integer(), nullable=True),
    sa.Column('advertiser_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('creative_id', sa.Integer(), nullable=True),
    sa.Column('marketing_source_id', sa.Integer(), nullable=True),
    sa.Column('sub1', sa.String(length=255), nullable=False),
    sa.Column('sub2', sa.String(length=255), nullable=False),
    sa.Column('sub3', sa.String(length=255), nullable=False),
    sa.Column('sub4', sa.String(length=255), nullable=False),
    sa.Column('sub5', sa.String(length=255), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('click_count', sa.Integer(), nullable=False),
    sa.Column('unique_click_count', sa.Integer(), nullable=False),
    sa.Column('banner_view_count', sa.Integer(), nullable=False),
    sa.Column('registration_count', sa.Integer(), nullable=False),
    sa.Column('ftd_count', sa.Integer(), nullable=False),
    sa.Column('conversion_count', sa.Integer(), nullable=False),
    sa.Column('deposit_amount', portal.types.Money(precision=18, scale=4), nullable=False),
    sa.Column('ngr', portal.types.Money(precision=18, scale=4), nullable=False),
    sa.Column('total_reward', portal.types.Money(precision=18, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollups')),
    sa.UniqueConstraint('hour', 'key_hash', name='uq_report_rollups_hour_key')
    )
    with op.batch_alter_table('report_rollups', schema=None) as batch_op:
        batch_op.create_index('ix_report_rollups_level_hour', ['level', 'hour'], unique=False)
        batch_op.create_index('ix_report_rollups_level_publisher_hour', ['level', 'publisher_id', 'hour'], unique=False)
        batch_op.create_index('ix_report_rollups_level_advertiser_hour', ['level', 'advertiser_id', 'hour'], unique=False)

    op.create_table('report_dirty_hours',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hour', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_dirty_hours'))
    )
    with op.batch_alter_table('report_presets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_nonce', sa.String(length=64), nullable=False, server_default=''))
    op.create_index('ix_clicks_created_at', 'clicks', ['created_at'], unique=False)
    op.create_index('ix_impression_counts_hour', 'impression_counts', ['hour'], unique=False)
    op.create_index('ix_events_occurred_at', 'events', ['occurred_at'], unique=False)
    op.create_index('ix_conversions_created_at', 'conversions', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_conversions_created_at', table_name='conversions')
    op.drop_index('ix_events_occurred_at', table_name='events')
    op.drop_index('ix_impression_counts_hour', table_name='impression_counts')
    op.drop_index('ix_clicks_created_at', table_name='clicks')
    with op.batch_alter_table('report_presets', schema=None) as batch_op:
        batch_op.drop_column('token_nonce')
    op.drop_table('report_dirty_hours')
    with op.batch_alter_table('report_rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_report_rollups_level_advertiser_hour')
        batch_op.drop_index('ix_report_rollups_level_publisher_hour')
        batch_op.drop_index('ix_report_rollups_level_hour')
    op.drop_table('report_rollups')
