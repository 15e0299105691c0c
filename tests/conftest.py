"""Fixtures: one database per test run (built by the migrations), a rollback per test.

``TEST_DATABASE_URL`` runs the same suite on PostgreSQL; without it a SQLite file is used."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade
from sqlalchemy import event, orm

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.extensions import limiter, mail

from marketplace.search import changes as search_changes
from marketplace.search import service as search_service

from . import factories

pytest_plugins = ["tests.plugins.strict_skips"]

TEST_PASSWORD = factories.TEST_PASSWORD
# the per-test transaction's own statements (production has none): not queries of the code under test
HARNESS_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def base_config(tmp_path_factory, **overrides) -> dict:
    config = {
        "TESTING": True,
        "ENV": "development",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "localhost",  # with TESTING, Flask-Mail records instead of sending
        "SERVER_NAME": "localhost",
        "SEARCH_AUTO_REBUILD": "sync",  # never a background thread on the test's connection
    }
    config.update(overrides)
    return config


def _reset_schema() -> None:
    """Start from an empty database (PostgreSQL keeps its tables between runs)."""
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))


def _sqlite_savepoints(engine) -> None:
    """pysqlite begins transactions on its own, lazily, so the per-test SAVEPOINT becomes the outer transaction
    and a commit in a test (a CLI command, a second app's request) is durable. Let SQLAlchemy emit BEGIN instead
    (SQLAlchemy's documented recipe for SAVEPOINT on SQLite)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine.dispose()  # connections opened before the listeners do not have them


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(instance)
    application = create_app(base_config(tmp_path_factory))
    with application.app_context():
        _reset_schema()
        upgrade()
        _sqlite_savepoints(_db.engine)
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(request, app):
    """Each test runs inside a transaction that is rolled back; the code under test may commit freely."""
    if "no_db" in request.keywords:
        yield None
        return
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", class_=orm.Session),
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def search_index(request, app, tmp_path):
    """A fresh search index directory per test (the database is rolled back after each test, so must the index
    be); a missing index is rebuilt at once from the test's database."""
    if "no_db" in request.keywords:
        yield None
        return
    path = tmp_path / "search-index"
    saved = {name: app.config[name] for name in ("SEARCH_INDEX_PATH", "SEARCH_AUTO_REBUILD")}
    app.config.update(SEARCH_INDEX_PATH=str(path), SEARCH_AUTO_REBUILD="sync")
    yield path
    search_changes.take_pending()  # changes committed by the test itself: its index goes with it
    search_service.release_index(path)  # no open files left behind, test after test
    app.config.update(saved)


@pytest.fixture(autouse=True)
def _limiter_state():
    """The limiter is one object shared by every app: an app built with rate limits on must not leak them."""
    enabled = limiter.enabled
    yield
    limiter.enabled = enabled


@pytest.fixture(autouse=True)
def fresh_request_globals(app):
    """Give every request an empty ``flask.g``, as in production.

    The ``db`` fixture keeps one application context pushed for the whole test and Flask reuses it for every
    test-client request, so ``g`` (where Flask-Login caches ``current_user`` and Flask-Babel the locale) would
    otherwise leak from one request, and one client, to the next."""

    def clear(sender, **extra):
        for name in list(vars(g)):
            delattr(g, name)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def english(client):
    """Pages in English, so that message texts can be compared with their msgids."""
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    with mail.record_messages() as messages:
        yield messages


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...`` then ``len(queries)`` is the number of SQL statements."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(HARNESS_STATEMENTS):
                statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)

    return counting


def log_in(client, email: str, password: str = TEST_PASSWORD, follow_redirects: bool = False):
    return client.post("/connexion", data={"email": email, "password": password},
                       follow_redirects=follow_redirects)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as that user (made by the factories)."""

    def do_login(user, password: str = TEST_PASSWORD):
        response = log_in(client, user.email, password)
        assert response.status_code == 302, response.data[:500]
        return user

    return do_login


@pytest.fixture
def member(db):
    return factories.MemberFactory()


@pytest.fixture
def moderator(db):
    return factories.ModeratorFactory(departements=["69"])


@pytest.fixture
def admin(db):
    return factories.AdminFactory()
