"""unattributed_impressions: pixels of a known creative whose lid / aid do not match, counted per hour

They used to be answered with the GIF and counted nowhere. They are kept apart from `impression_counts`
(which reports, CPM and dashboards read), so they never earn a publisher anything.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 21:41:00

"""
from alembic import op
import sqlalchemy as sa

import portal.types


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unattributed_impressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creative_id', sa.Integer(), nullable=False),
    sa.Column('hour', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['creative_id'], ['creatives.id'], name=op.f('fk_unattributed_impressions_creative_id_creatives')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unattributed_impressions')),
    sa.UniqueConstraint('creative_id', 'hour', name=op.f('uq_unattributed_impressions_creative_id_hour'))
    )


def downgrade():
    op.drop_table('unattributed_impressions')
