"""Alembic environment: pricebot passes its own connection; see storage.db.upgrade."""

from __future__ import annotations

from alembic import context

from storage.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - pricebot always hands a connection over
    raise RuntimeError("run migrations with `pricebot db upgrade`, which passes the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
