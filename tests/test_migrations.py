"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from firstmile.kit import migrate
from firstmile.kit.schema import target_metadata


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, target_metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_database_is_at_every_head(engine: Engine) -> None:
    assert migrate.is_current(engine)
