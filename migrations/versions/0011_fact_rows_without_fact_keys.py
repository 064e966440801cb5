"""events and conversions keep their player and event ids without foreign keys

Each checked reference runs a look-up and locks the referenced row (a WAL record each) for every row
written: on the events path that was a third of the conversions insert and an eighth of the events
insert (measured by inserting 20,000 rows with and without each key, in a rolled-back transaction:
conversions 540 -> 304 ms, events 491 -> 421 ms). The ingest path writes only the ids of players it
has just read or created and of events it has just stored, in the same transaction, and no code path
deletes a player or an event. A key to `events(id)` would also stand in the way of the time-partitioned
events table the production plan names (SPEC: a partitioned table's unique keys include its partition
column). A conversion's change history keeps its key to the conversion.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:10:00

"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# table -> (column, parent table) of the foreign keys dropped
DROPPED = {
    'events': (('player_id', 'players'),),
    'conversions': (('event_id', 'events'), ('player_id', 'players')),
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
