"""report_failed_hours: hours the rollup refresh set aside because their raw rows cannot be rolled up

One event stored at 9999-12-31 23:59 (an hour with no next hour) or deposits whose hourly sum overflows
NUMERIC(18, 4) made every refresh fail, and with it every newer hour. The refresh now recomputes each hour
in a savepoint: an hour that fails is recorded here (and logged) and the others go on.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_failed_hours',
    sa.Column('hour', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_failed_at', portal.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hour', name=op.f('pk_report_failed_hours'))
    )


def downgrade():
    op.drop_table('report_failed_hours')
