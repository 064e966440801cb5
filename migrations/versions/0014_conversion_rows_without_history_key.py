"""conversion history rows keep their conversion id without a foreign key; conversions lose the event_id index

Every conversion the events path writes gets its first history row in the same statement, and the key
check on that row looked the conversion up and locked it (a WAL record each). No query looks a
conversion up by its event id: the listing's event-type filter reaches events from conversions, by the
events' primary key. Inserting 40 batches of 84 conversions in a rolled-back transaction, six rounds
alternated, median per conversion: 42, 35, 32, 30, 42, 41 us with both, 33, 27, 26, 29, 27, 29 us
without. History rows are written only for conversions just inserted or just locked for a review, and
no code path deletes a conversion (as with 0011's keys). Points awards keep their key to a conversion.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:10:00

"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conversion_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversion_changes_conversion_id_conversions'), type_='foreignkey')
    op.drop_index('ix_conversions_event_id', table_name='conversions')


def downgrade():
    op.create_index('ix_conversions_event_id', 'conversions', ['event_id'], unique=False)
    with op.batch_alter_table('conversion_changes', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_conversion_changes_conversion_id_conversions'), 'conversions', ['conversion_id'], ['id']
        )
