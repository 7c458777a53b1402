"""Alembic environment: runs on the engine the product hands over, or on the configured one."""

from alembic import context

from clearinghouse import models_registry
from clearinghouse.config import load_settings
from clearinghouse.db import Base, create_db_engine

models_registry.import_all()
target_metadata = Base.metadata

engine = context.config.attributes.get("engine")
if engine is None:
    engine = create_db_engine(load_settings().database)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
