"""Shared fixtures: one schema per test session, a fresh app and empty tables per test.

The database is SQLite (a temporary file) unless ``TEST_DATABASE_URL`` names another one, for
example ``postgresql+psycopg://pelita:pelita@127.0.0.1:5432/pelita_test``; `.ci/run` runs the
whole suite on both.

Tables are emptied after each test rather than rolled back, so tests may commit and may use
real threads and processes against the same database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event, text

from lms import create_app
from lms.accounts import services as account_services
from lms.extensions import db

TEST_SECRET = "test-secret-key-not-for-production"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context pushed for factories and assertions; Flask would
    reuse it for requests, sharing ``g`` (Flask-Login's cached user) and the SQLAlchemy session
    between requests. Here the test's pending data is committed before each request (so the
    request sees it and SQLite's write lock is free) and expired after it (so the test sees what
    the request wrote).
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if outer is None:
            return super().open(*args, **kwargs)
        db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            db.session.expire_all()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pelita-test.sqlite3'}"


@pytest.fixture(scope="session")
def base_overrides(database_url, tmp_path_factory) -> dict:
    instance = tmp_path_factory.mktemp("instance")
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session")
def _schema(base_overrides) -> Iterator[Flask]:
    """Create every table once per test session (tests only: the app itself uses migrations).

    Yields the app used to empty the tables after each test."""
    app = create_app(base_overrides)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if not tables:
        return
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def make_app(base_overrides, _schema) -> Iterator[Callable[..., Flask]]:
    """Build an app with extra config; tables are emptied after the test."""
    apps: list[Flask] = []

    def factory(**overrides) -> Flask:
        app = create_app({**base_overrides, **overrides})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        with _schema.app_context():
            _empty_tables()
            db.session.remove()


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """The app with an application context pushed for the test's duration."""
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """Log ``user`` in on ``client`` through a real server-side session; returns the client."""

    def _login(user, on=None):
        target = on or client
        token = account_services.start_session(user, app.config["PERMANENT_SESSION_LIFETIME"])
        db.session.commit()
        with target.session_transaction() as sess:
            sess.clear()
            sess["_user_id"] = token
            sess["_fresh"] = True
        return target

    return _login


class QueryCounter:
    """Counts SQL statements sent while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app) -> Callable:
    """``with count_queries() as q: ...; q.count`` counts the statements the block sends."""

    @contextmanager
    def _count():
        counter = QueryCounter()

        def _before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", _before)

    return _count
