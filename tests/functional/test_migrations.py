"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.extensions import db as _db

from ..conftest import base_config


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, _db.metadata) == []


def test_database_is_at_the_latest_revision(app):
    with app.app_context(), _db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current is not None
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert current == script.get_current_head()


@pytest.mark.no_db
def test_migrations_go_down_and_up_again(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path / "instance"))
    config = base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    app = create_app(config)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(_db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert {"company", "user_account", "user_territory", "audit_log"} <= set(sa.inspect(_db.engine).get_table_names())
        _db.engine.dispose()
