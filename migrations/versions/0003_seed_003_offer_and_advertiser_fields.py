"""seed 003 fields on offers and advertisers; audit entries indexed by actor

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:40:27.468027

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (name, type, server default) of the NOT NULL columns added; the default fills rows that exist already.
ADVERTISER_COLUMNS = (
    ('company_name', sa.String(length=200), ''),
    ('first_name', sa.String(length=100), ''),
    ('last_name', sa.String(length=100), ''),
    ('email', sa.String(length=254), ''),
    ('phone', sa.String(length=50), ''),
    ('messenger', sa.String(length=100), ''),
    ('address', sa.String(length=255), ''),
    ('country', sa.String(length=2), ''),
)
OFFER_COLUMNS = (
    ('block_on_reject', sa.Boolean(), sa.false()),
    ('terms_and_conditions_enabled', sa.Boolean(), sa.false()),
    ('restriction_note', sa.Text(), ''),
    ('primary_domain', sa.String(length=255), ''),
    ('deep_link_enabled', sa.Boolean(), sa.false()),
    ('enable_js_tracking', sa.Boolean(), sa.false()),
    ('offer_preview_enabled', sa.Boolean(), sa.false()),
    ('view_through_attribution_enabled', sa.Boolean(), sa.false()),
    ('targeting_simple_enabled', sa.Boolean(), sa.false()),
    ('targeting_group_id', sa.String(length=64), ''),
    ('impression_forwarding_enabled', sa.Boolean(), sa.false()),
    ('impression_forwarding_url', sa.String(length=2048), ''),
    ('parallel_tracking_enabled', sa.Boolean(), sa.false()),
    ('parallel_tracking_url', sa.String(length=2048), ''),
)


def upgrade():
    with op.batch_alter_table('advertisers', schema=None) as batch_op:
        for name, type_, default in ADVERTISER_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        # Seed 003 calls the free text "description"; keep what was written as notes.
        batch_op.alter_column('notes', new_column_name='description', existing_type=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)

    with op.batch_alter_table('offers', schema=None) as batch_op:
        for name, type_, default in OFFER_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        for name, _, _ in reversed(OFFER_COLUMNS):
            batch_op.drop_column(name)

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))

    with op.batch_alter_table('advertisers', schema=None) as batch_op:
        batch_op.drop_column('manager_id')
        batch_op.alter_column('description', new_column_name='notes', existing_type=sa.Text(), existing_nullable=False)
        for name, _, _ in reversed(ADVERTISER_COLUMNS):
            batch_op.drop_column(name)
