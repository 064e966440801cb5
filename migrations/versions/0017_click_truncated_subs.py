"""click_truncated_subs: a click whose sub ID came too long is stored cut, and says so

A sub ID over 255 characters used to refuse the click with a 400 page, losing the visitor. The click is
now redirected as usual, its sub IDs cut to 255 characters, and `clicks.subs_truncated` set.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subs_truncated', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.drop_column('subs_truncated')
