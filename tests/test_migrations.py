"""Migrations: one head, upgrade from empty works, and models and migrations do not drift."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from lms import create_app
from lms.config import ROOT
from lms.database import render_item
from lms.extensions import db

MIGRATIONS = ROOT / "migrations"


def _script() -> ScriptDirectory:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def test_single_head():
    heads = _script().get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


@pytest.fixture
def empty_db_url(tmp_path, base_overrides):
    """A fresh, empty database of the same kind as the suite's."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = "pelita_migrate_test"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = url.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models_and_downgrades(empty_db_url, base_overrides):
    app = create_app({**base_overrides, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_item})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"models and migrations drift; generate a migration: {diff}"
        downgrade(directory=str(MIGRATIONS), revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set(), f"downgrade left tables behind: {left}"
        db.engine.dispose()
