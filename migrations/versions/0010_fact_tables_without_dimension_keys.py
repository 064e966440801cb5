"""events, players and conversions keep their dimension ids without foreign keys

Every checked reference takes a FOR KEY SHARE lock on its parent row. Every ingest request names the
same few advertiser, offer, offer event, publisher and link rows, so concurrent requests queue on those
rows' locks (MultiXacts) and PostgreSQL spent about half its time per stored event on the checks. No code
path deletes those parent rows, and the ingest path only writes ids it has just read. The references
between fact rows (an event's player, a conversion's event and player, a change's conversion) stay.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 05:00:00

"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# table -> (column, parent table) of the foreign keys dropped
DROPPED = {
    'events': (('advertiser_id', 'advertisers'), ('publisher_id', 'publishers'), ('offer_id', 'offers'),
               ('link_id', 'tracking_links')),
    'players': (('advertiser_id', 'advertisers'), ('publisher_id', 'publishers'), ('offer_id', 'offers'),
                ('link_id', 'tracking_links')),
    'conversions': (('publisher_id', 'publishers'), ('offer_id', 'offers'), ('offer_event_id', 'offer_events'),
                    ('link_id', 'tracking_links')),
}


def upgrade():
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, parent in keys:
                batch_op.drop_constraint(batch_op.f(f'fk_{table}_{column}_{parent}'), type_='foreignkey')


def downgrade():
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, parent in keys:
                batch_op.create_foreign_key(batch_op.f(f'fk_{table}_{column}_{parent}'), parent, [column], ['id'])
