"""The migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.db import make_engine
from server.migrate import current_revision, head_revision, include_object, upgrade
from server.models import Base

pytestmark = pytest.mark.engines  # behaviour depends on the database engine


def test_upgrade_head_matches_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            mc = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(mc, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_countries_are_seeded(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            total = conn.scalar(sa.text("SELECT count(*) FROM countries"))
            assert total is not None and total >= 249
            if conn.dialect.name == "postgresql":
                trgm = conn.scalars(
                    sa.text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")
                ).all()
                assert len(trgm) == 4
    finally:
        engine.dispose()
