"""player_profile: profile fields a user batch sends among the identifiers (seed 004: first_name, …)

They were accepted and dropped; they are now kept on the player, set once like the identifiers.
Existing players start with an empty profile.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade():
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.drop_column('profile')
