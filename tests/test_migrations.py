"""Migrations: one head, upgrade from empty works, and models and migrations do not drift."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from lms import create_app
from lms.audit import AuditEntry
from lms.config import ROOT
from lms.database import render_item
from lms.extensions import db
from lms.projects.queries.audit import audit_log

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


def test_one_audit_log_moves_the_rows_of_both_old_tables(empty_db_url, base_overrides):
    """0008 copies every row of project_audit_log and results_audit_entries into audit_entries,
    and its downgrade copies them back."""
    app = create_app({**base_overrides, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    at = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0007")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO project_audit_log (actor_id, project_id, action, object_type, object_id,"
                    " old_value, new_value, created_at) VALUES"
                    " (NULL, NULL, 'score_changed', 'ReviewScore', 7, '60', '80', :at),"
                    " (NULL, NULL, 'stage_created', 'StageTemplate', 3, '', 'P1:S1', :later)"
                ),
                {"at": at, "later": at + timedelta(minutes=1)},
            )
            conn.execute(
                text(
                    "INSERT INTO results_audit_entries (created_at, actor_id, action, subject_type,"
                    " subject_id, angkatan_id, data, reason) VALUES"
                    " (:at, NULL, 'outcome.set', 'enrolment', 11, NULL, :data, 'rapat'),"
                    " (:at, NULL, 'jp_target.set', 'jp_target', 2, NULL, :jp, '')"
                ),
                {"at": at, "data": json.dumps({"from": None, "to": "lulus"}), "jp": json.dumps({"to": 24})},
            )

        upgrade(directory=str(MIGRATIONS))
        tables = set(inspect(db.engine).get_table_names())
        assert "audit_entries" in tables
        assert not {"project_audit_log", "results_audit_entries"} & tables
        moved = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        by_action = {e.action: e for e in moved}
        assert len(moved) == 4
        changed = by_action["score_changed"]
        assert (changed.feature, changed.subject_type, changed.subject_id) == ("projects", "ReviewScore", 7)
        assert changed.data == {"old": "60", "new": "80"}
        assert (changed.old_value, changed.new_value) == ("60", "80")
        assert changed.created_at == at
        assert by_action["stage_created"].new_value == "P1:S1"
        outcome = by_action["outcome.set"]
        assert (outcome.feature, outcome.subject_type, outcome.subject_id) == ("results", "enrolment", 11)
        assert outcome.data == {"from": None, "to": "lulus"} and outcome.reason == "rapat"
        assert by_action["jp_target.set"].feature == "jp"
        assert by_action["jp_target.set"].data == {"to": 24}
        # the projects page's order (newest first) is kept
        assert [e.action for e in db.session.scalars(audit_log())] == ["stage_created", "score_changed"]
        db.session.remove()

        downgrade(directory=str(MIGRATIONS), revision="0007")
        with db.engine.connect() as conn:
            projects = conn.execute(
                text(
                    "SELECT action, object_type, object_id, old_value, new_value FROM project_audit_log ORDER BY id"
                )
            ).all()
            results = conn.execute(
                text("SELECT action, subject_type, subject_id, reason FROM results_audit_entries ORDER BY id")
            ).all()
        assert [tuple(r) for r in projects] == [
            ("score_changed", "ReviewScore", 7, "60", "80"),
            ("stage_created", "StageTemplate", 3, "", "P1:S1"),
        ]
        assert sorted(tuple(r) for r in results) == [
            ("jp_target.set", "jp_target", 2, ""),
            ("outcome.set", "enrolment", 11, "rapat"),
        ]
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()
