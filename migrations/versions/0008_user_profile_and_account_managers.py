"""users' phone, city and country; the account-manager role; publishers' account manager

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (name, type) of the NOT NULL profile columns added; '' fills the rows that exist already.
PROFILE_COLUMNS = (
    ('phone', sa.String(length=50)),
    ('city', sa.String(length=100)),
    ('country', sa.String(length=2)),
)
OLD_ROLES = ('admin', 'publisher', 'advertiser')
NEW_ROLES = ('admin', 'account_manager', 'publisher', 'advertiser')
ORGANISATION_RULE = (
    "(role {staff} AND publisher_id IS NULL AND advertiser_id IS NULL)"
    " OR (role = 'publisher' AND publisher_id IS NOT NULL AND advertiser_id IS NULL)"
    " OR (role = 'advertiser' AND advertiser_id IS NOT NULL AND publisher_id IS NULL)"
)


def _length(roles) -> int:
    return max(len(role) for role in roles) + 4  # as portal.types.enum_column sizes it


def _replace_role_rules(batch_op, old_roles, new_roles, staff) -> None:
    """The role column's enum CHECK and the role ⇔ organisation CHECK, rewritten for `new_roles`."""
    batch_op.drop_constraint(batch_op.f('ck_users_role_matches_organisation'), type_='check')
    batch_op.drop_constraint(batch_op.f('ck_users_role'), type_='check')
    batch_op.alter_column('role', existing_type=sa.String(length=_length(old_roles)),
                          type_=sa.String(length=_length(new_roles)), existing_nullable=False)
    quoted = ", ".join(f"'{role}'" for role in new_roles)
    batch_op.create_check_constraint(batch_op.f('ck_users_role'), f"role IN ({quoted})")
    batch_op.create_check_constraint(batch_op.f('ck_users_role_matches_organisation'), ORGANISATION_RULE.format(staff=staff))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name, type_ in PROFILE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=''))
        _replace_role_rules(batch_op, OLD_ROLES, NEW_ROLES, "IN ('admin', 'account_manager')")

    with op.batch_alter_table('publishers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))


def downgrade():
    # The old schema has no account managers; turning them into admins would hand them user management.
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM users WHERE role = 'account_manager'")):
        raise RuntimeError("Give every account manager another role (Admin → Users) before downgrading below 0008.")
    with op.batch_alter_table('publishers', schema=None) as batch_op:
        batch_op.drop_column('manager_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        _replace_role_rules(batch_op, NEW_ROLES, OLD_ROLES, "= 'admin'")
        for name, _ in reversed(PROFILE_COLUMNS):
            batch_op.drop_column(name)
