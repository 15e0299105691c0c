"""Helpers of the search outbox tests: what the index holds, draining as a request's end does, a second app on
a database of its own (a temporary SQLite file or a PostgreSQL schema) for the tests that need committed data
seen by other processes or threads."""

from __future__ import annotations

import gc
import os
import secrets
import shutil
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.search import changes, service

ROOT = Path(__file__).resolve().parents[2]


def indexed() -> dict[int, int]:
    """post id -> how many documents of the index hold it (the current generation, as a new searcher sees it)."""
    store = service.current_store()
    ix = store.index()
    counts: dict[int, int] = {}
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            pid = int(fields["id"])
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def indexed_ids() -> set[int]:
    return set(indexed())


def drain() -> changes.DrainResult:
    """Commit, then drain as the end of a request does (``search.init_app``)."""
    db.session.commit()
    changes.take_pending()
    return service.drain_now()


def cursor_position(name: str | None = None) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(db.metadata.tables["search_cursor"].c.position)
                             .where(db.metadata.tables["search_cursor"].c.name == (name or service.index_name())))


# --------------------------------------------------------------------------- a database of its own


def configured_database_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


def is_postgresql() -> bool:
    url = configured_database_url()
    return bool(url) and url.startswith("postgresql")


@contextmanager
def separate_database(tmp_path: Path):
    """A URL of an empty database nobody else uses: a SQLite file under ``tmp_path``, or a new schema of the
    PostgreSQL test database (dropped at the end). Yields the URL."""
    if not is_postgresql():
        yield f"sqlite:///{tmp_path / 'separate.sqlite3'}"
        return
    base = configured_database_url()
    schema = f"outbox_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def separate_config(url: str, index_path: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "ENV": "development",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "localhost",
        "SERVER_NAME": "localhost",
        "SEARCH_INDEX_PATH": str(index_path),
        "SEARCH_AUTO_REBUILD": "sync",
    }
    config.update(overrides)
    return config


def make_app(url: str, index_path: Path, instance_path: Path, migrate: bool = False, **overrides) -> Flask:
    """A second application on ``url`` (its own engine, its own sessions), with its own instance folder."""
    from flask_migrate import upgrade

    from marketplace import create_app

    instance_path.mkdir(parents=True, exist_ok=True)
    saved = os.environ.get("MARKETPLACE_INSTANCE_PATH")
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(instance_path)
    try:
        app = create_app(separate_config(url, index_path, **overrides))
    finally:
        if saved is None:
            os.environ.pop("MARKETPLACE_INSTANCE_PATH", None)
        else:
            os.environ["MARKETPLACE_INSTANCE_PATH"] = saved
    if migrate:
        with app.app_context():
            upgrade()
    return app


def dispose(app: Flask) -> None:
    """Close what the application of a test opened: its connections, its index (searchers and their files)."""
    from marketplace.search import store as store_module

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    key = str(Path(app.config["SEARCH_INDEX_PATH"]).resolve())
    store = store_module._stores.pop(key, None)
    if store is not None:
        store._forget()
    service._caches.pop(key, None)
    _collect_quietly()


def found_ids(client, query: str, **params) -> list[int]:
    """The post ids the search page lists for ``query`` (status 200 required)."""
    import re

    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    html = response.get_data(as_text=True)
    ids: list[int] = []
    for match in re.finditer(r'<a href="/posts/(\d+)"', html):
        if int(match.group(1)) not in ids:
            ids.append(int(match.group(1)))
    return ids


def change_rows() -> list[tuple[int, int | None, int | None]]:
    """(id, post_id, company_id) of every row of the change log, as this session sees it."""
    from marketplace.models import SearchChange

    return [tuple(row) for row in db.session.execute(
        sa.select(SearchChange.id, SearchChange.post_id, SearchChange.company_id).order_by(SearchChange.id))]


def new_post(company_id: int, title: str, status=None):
    """A post of the company (in Lyon), published unless ``status`` says otherwise; not added to any session."""
    from marketplace.models import Category, Post, PostKind, PostStatus
    from marketplace.models.types import utcnow

    status = status or PostStatus.PUBLISHED
    published = status is PostStatus.PUBLISHED
    now = utcnow()
    return Post(company_id=company_id, kind=PostKind.OFFER, category=Category.STORAGE, title=title,
                description="Entrepôt sec et sécurisé, quai de chargement, accès poids lourds.", postcode="69007",
                city="Lyon 7e Arrondissement", insee_code="69387", latitude=45.7456, longitude=4.8418,
                departement="69", region="84", status=status, is_free=True, submitted_at=now,
                published_at=now if published else None, renewed_at=now if published else None)


# --------------------------------------------------------------------------- damaging the index (import the names used)


def replace_file(path: Path, content: bytes) -> None:
    """A new file in place of ``path`` (a reader that has the old one mapped keeps its copy)."""
    path.unlink()
    path.write_bytes(content)


def remove_index(store):
    shutil.rmtree(store.root)


def remove_current_generation(store):
    shutil.rmtree(store.current_dir())


def garbage_table_of_contents(store):
    for toc in store.current_dir().glob("*.toc"):
        replace_file(toc, b"\x00garbage" * 10)


def garbage_segments(store):
    for segment in store.current_dir().glob("*.seg"):
        replace_file(segment, b"\x00garbage" * 100)


def truncated_files(store):
    for path in store.current_dir().iterdir():
        if path.suffix in (".toc", ".seg"):
            replace_file(path, b"")


def wrong_schema_version(store):
    (store.current_dir() / "schema-version").write_text("1")


DAMAGES = [remove_index, remove_current_generation, garbage_table_of_contents, garbage_segments,
           truncated_files, wrong_schema_version]


@pytest.fixture
def new_process():
    """``new_process()``: forget the open index and searchers, as a worker started after the damage would. The
    stores opened by the test are closed at its end."""
    from marketplace.search import store as store_module

    stores, caches = store_module._stores, service._caches
    before_stores, before_caches = dict(stores), dict(caches)

    def close_new_stores():
        for key, store in list(store_module._stores.items()):
            if before_stores.get(key) is not store:
                store._forget()  # closes its searcher (its files)

    def forget():
        close_new_stores()
        store_module._stores, service._caches = dict(before_stores), dict(before_caches)

    yield forget
    close_new_stores()
    for key in [key for key in stores if before_stores.get(key) is not stores[key]]:
        stores.pop(key)._forget()
    for key in [key for key in caches if key not in before_caches]:
        caches.pop(key)
    store_module._stores, service._caches = stores, caches
    _collect_quietly()


def _collect_quietly() -> None:
    """Free what the test left (the files Whoosh leaves open when it cannot read a damaged one) now, without their
    ResourceWarning, rather than in a later test. pytest keeps the last exception raised by a test (and with it the
    objects of its frames) in ``sys.last_*``: a failed or xfailed test would keep them alive."""
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            setattr(sys, name, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()


# Whoosh leaves the file of a damaged segment or table of contents open when it fails to read it (the garbage
# collector closes it, with a ResourceWarning): ignored in the tests that damage the index, and collected at their end
whoosh_leaks_damaged_files = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                                        "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def damaged_files_collected():
    yield
    _collect_quietly()


def build_index() -> None:
    """Build the index of the test's database and start its cursor after every change id handed out so far.

    On PostgreSQL the sequence of the log goes on from test to test (the rows of the earlier tests were rolled
    back): without this the cursor would start below a hole left by them, which is not what a test is about."""
    service.reindex()
    if db.session.connection().dialect.name == "postgresql":
        handed_out = db.session.scalar(sa.text(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
            "FROM search_change_id_seq")) or 0
        cursor = changes.load_cursor(service.index_name())
        if handed_out > cursor.position and not db.session.scalar(
                sa.select(sa.func.count()).select_from(db.metadata.tables["search_change"])):
            cursor.position = handed_out
        db.session.commit()
