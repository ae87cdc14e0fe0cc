"""Alembic environment: runs on the connection the engine hands it."""

from alembic import context

from engine.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations through 'ekerjasama init-db', which passes the "
        "configured database connection to Alembic."
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
