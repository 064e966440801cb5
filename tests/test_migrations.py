"""The Alembic chain and the models describe the same schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"a model changed without a migration: {differences}"


def test_database_is_at_the_single_head_of_the_chain(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert len(heads) == 1, f"the migration chain has branches: {heads}"
    assert tuple(current) == tuple(heads)
