"""users' publisher/advertiser manager flags and access, and API access (seed 003)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ACCESS = ('Global', 'Limited', 'Restricted')
# (name, type, server default) of the NOT NULL columns added; the default fills the rows that exist already.
COLUMNS = (
    ('is_publisher_manager', sa.Boolean(), sa.false()),
    ('publisher_manager_access', sa.String(length=14), 'Global'),
    ('is_advertiser_manager', sa.Boolean(), sa.false()),
    ('advertiser_manager_access', sa.String(length=14), 'Global'),
    ('api_access_enabled', sa.Boolean(), sa.true()),
)
# Staff who manage a publisher (an advertiser) today stay eligible, so today's assignments stay valid.
KEEP_MANAGERS = (
    ('is_publisher_manager', 'publishers'),
    ('is_advertiser_manager', 'advertisers'),
)


def upgrade():
    quoted = ", ".join(f"'{value}'" for value in ACCESS)
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name, type_, default in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        for name in ('publisher_manager_access', 'advertiser_manager_access'):
            batch_op.create_check_constraint(batch_op.f(f'ck_users_{name}'), f"{name} IN ({quoted})")
    for flag, table in KEEP_MANAGERS:
        op.execute(sa.text(
            f"UPDATE users SET {flag} = :yes WHERE role IN ('admin', 'account_manager')"
            f" AND id IN (SELECT manager_id FROM {table} WHERE manager_id IS NOT NULL)"
        ).bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in ('advertiser_manager_access', 'publisher_manager_access'):
            batch_op.drop_constraint(batch_op.f(f'ck_users_{name}'), type_='check')
        for name, _, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
