"""events are indexed by (advertiser_id, received_at), not (advertiser_id, occurred_at)

The only query by advertiser is the advertiser dashboard's "events received in the last 30 days",
which filters on received_at: with occurred_at second in the index it read every event the advertiser
ever sent. The new index serves that count as one range; the rollups read events by occurred_at
through ix_events_occurred_at. Receive times also grow with the table, so the index is appended to at
its end instead of wherever a back-dated timestamp falls. Same number of indexes to keep up.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:45:00

"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_events_advertiser_received', 'events', ['advertiser_id', 'received_at'], unique=False)
    op.drop_index('ix_events_advertiser_occurred', table_name='events')


def downgrade():
    op.create_index('ix_events_advertiser_occurred', 'events', ['advertiser_id', 'occurred_at'], unique=False)
    op.drop_index('ix_events_advertiser_received', table_name='events')
