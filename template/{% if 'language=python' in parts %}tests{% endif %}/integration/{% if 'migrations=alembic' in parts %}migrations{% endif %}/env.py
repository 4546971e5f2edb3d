"""Alembic's environment for these migrations (created by integration-harness; yours to edit).

The integration harness runs them on each test database: it hands over an open
connection in ``config.attributes["connection"]``. Run by the ``alembic``
command instead, they connect to ``sqlalchemy.url`` from alembic.ini (or the
``-x url=...`` argument).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
# Your models' MetaData, for `alembic revision --autogenerate` (None: write them by hand).
target_metadata = None


def run_migrations_online() -> None:
    """Run the migrations on the harness's connection, or on one opened from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get(
        "url"
    ) or config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
