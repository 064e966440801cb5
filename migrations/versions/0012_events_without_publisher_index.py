"""events lose the (publisher_id, occurred_at) index no query reads

Events are read by their key (idempotency), their player, their id (a conversion's detail), their
advertiser (the dashboard) and by time (the report rollups' refresh); nothing asks for one publisher's
events by time: publishers see conversions and reports. The index cost every stored event an entry:
inserting 20,000 events in a rolled-back transaction took 532 ms with it and 418 ms without.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00

"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_events_publisher_occurred', table_name='events')


def downgrade():
    op.create_index('ix_events_publisher_occurred', 'events', ['publisher_id', 'occurred_at'], unique=False)
