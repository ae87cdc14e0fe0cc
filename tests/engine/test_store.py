"""The schema: migrations and models agree; upgrades are repeatable."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store import Base


def test_migrations_match_the_models(engine):
    with engine.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_init_db_twice_is_harmless(engine):
    engine.init_db()
    engine.init_db()

    assert engine.list_processes() == []
