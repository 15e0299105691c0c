"""Never lose a post while several processes write (issue 4): concurrent publications from several processes, a
process that dies between its commit and the index write, transactions that commit out of id order, holes that
never fill, a rebuild swapped in while another worker drains, the background rebuild thread.

These tests need data other connections and processes see committed, so they do not use the rolled-back test
transaction (``no_db``): each has a database of its own (a temporary SQLite file, or a PostgreSQL schema of the
``TEST_DATABASE_URL`` database, dropped at the end), an application built on it and an index directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from marketplace.extensions import db
from marketplace.models import Company, Post, PostStatus, SearchChange, SearchCursor
from marketplace.search import changes, service
from marketplace.search.schema import document
from marketplace.search.store import IndexStore
from tests.support import search_support
from tests.support.search_support import ROOT, indexed, is_postgresql, make_app, new_post, separate_database

pytestmark = pytest.mark.no_db

WORKERS = 4
POSTS_PER_WORKER = 5


@pytest.fixture
def shared(tmp_path):
    """A migrated database of the test's own, an application on it and its (built) index directory."""
    with separate_database(tmp_path) as url:
        app = make_app(url, tmp_path / "index", tmp_path / "instance", migrate=True)
        with app.app_context():
            service.reindex()
            company = _company()
            db.session.commit()
            app.config["TEST_COMPANY_ID"] = company.id
            db.session.remove()
        app.config["TEST_URL"] = url
        yield app
        search_support.dispose(app)


def _company() -> Company:
    from tests import factories

    return factories.CompanyFactory(legal_name="Plateforme logistique partagée")


def _worker(app, tmp_path, mode: str, tag: str, **options) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.support.search_worker", mode, "--url", app.config["TEST_URL"],
               "--index", app.config["SEARCH_INDEX_PATH"], "--instance", str(tmp_path / f"instance-{tag}"),
               "--company", str(app.config["TEST_COMPANY_ID"]), "--tag", tag]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONTRACEMALLOC"}
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _finish(process: subprocess.Popen, expect: int = 0) -> list[str]:
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    assert process.returncode == expect, err[-3000:]
    return out.split("\n")


def _ids(lines: list[str], word: str) -> set[int]:
    return {int(line.split()[1]) for line in lines if line.startswith(word + " ")}


def _sync(app):
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    return result


def _check(app):
    return app.test_cli_runner().invoke(args=["search", "check"])


# --------------------------------------------------------------------------- several processes


def test_concurrent_publications_from_several_processes_all_end_up_searchable(shared, tmp_path):
    start = tmp_path / "start"
    processes = [_worker(shared, tmp_path, "publish", f"w{n}", count=POSTS_PER_WORKER, lock_timeout=0.05,
                         start_file=start) for n in range(WORKERS)]
    time.sleep(0.2)
    start.touch()
    outputs = [_finish(process) for process in processes]
    published = set().union(*(_ids(lines, "published") for lines in outputs))
    closed = set().union(*(_ids(lines, "closed") for lines in outputs))
    assert len(published) == WORKERS * POSTS_PER_WORKER and len(closed) == WORKERS * (POSTS_PER_WORKER // 3)

    _sync(shared)  # what drains left because another worker held the lock

    with shared.app_context():
        counts = indexed()
        assert set(counts) == published - closed
        assert all(count == 1 for count in counts.values())  # every post exactly once
        db.session.expire_all()
        assert not changes.behind(service.index_name())
        statuses = dict(db.session.execute(sa.select(Post.id, Post.status)).all())
        assert {pid for pid, status in statuses.items() if status is PostStatus.PUBLISHED} == published - closed
    result = _check(shared)
    assert result.exit_code == 0, result.output


def test_a_process_that_dies_between_its_commit_and_the_index_write_loses_nothing(shared, tmp_path):
    lines = _finish(_worker(shared, tmp_path, "crash", "crashed"), expect=1)
    (post_id,) = _ids(lines, "published")
    with shared.app_context():
        assert post_id not in indexed()

    before = _check(shared)
    assert before.exit_code == 1
    assert f"1 posts missing from the index: {post_id}" in before.output

    _sync(shared)

    with shared.app_context():
        assert post_id in indexed()
    after = _check(shared)
    assert after.exit_code == 0, after.output


# --------------------------------------------------------------------------- the order of the commits


def _publish(session: orm.Session, company_id: int, title: str) -> int:
    """A published post written with ``session`` (flushed, not committed): its id."""
    post = new_post(company_id, title)
    session.add(post)
    session.flush()
    return post.id


def _change_ids(session, post_id: int) -> list[int]:
    return list(session.scalars(sa.select(SearchChange.id).where(SearchChange.post_id == post_id)))


def _drain(app):
    """A drain as the end of a request does it, in an application context of its own."""
    with app.app_context():
        result = service.drain_now()
        position = db.session.get(SearchCursor, service.index_name()).position
        found = indexed()
        db.session.remove()
    return result, position, found


@pytest.fixture
def sessions(shared):
    """``sessions()``: a new ORM session on a connection of its own (another worker's transaction)."""
    with shared.app_context():
        engine = db.engine
    opened = []

    def new():
        session = orm.Session(bind=engine)
        opened.append(session)
        return session

    yield new
    for session in opened:
        session.close()


def test_a_transaction_that_commits_after_a_later_one_is_applied_by_the_next_drain(shared, sessions):
    """PostgreSQL: two workers' transactions, the one with the lower change id commits last: the cursor waits at
    the hole while the later row is applied, and the next drain applies the late one. (SQLite runs one writing
    transaction at a time: the late commit is played by taking its row out of the log, then putting it back.)"""
    company_id = shared.config["TEST_COMPANY_ID"]
    early, late = sessions(), sessions()
    if is_postgresql():
        slow = _publish(early, company_id, "Hangar lent")  # takes the lower change id, commits last
        fast = _publish(late, company_id, "Hangar rapide")
        assert max(_change_ids(early, slow)) < min(_change_ids(late, fast))
        late.commit()
    else:
        slow = _publish(early, company_id, "Hangar lent")
        early.commit()
        fast = _publish(late, company_id, "Hangar rapide")
        late.commit()
        saved = early.execute(sa.select(SearchChange).where(SearchChange.post_id == slow)).scalars().all()
        rows = [{"id": c.id, "post_id": c.post_id, "company_id": c.company_id, "created_at": c.created_at}
                for c in saved]
        early.execute(sa.delete(SearchChange).where(SearchChange.post_id == slow))
        early.commit()

    result, position, found = _drain(shared)
    assert result.skipped is None
    assert fast in found and slow not in found
    with shared.app_context():
        hole = min(_change_ids(late, fast)) - 1
        cursor = db.session.get(SearchCursor, service.index_name())
        assert position < hole + 1 and cursor.gap_position == position + 1  # waiting at the hole
        db.session.remove()

    if is_postgresql():
        early.commit()
    else:
        early.execute(sa.insert(SearchChange), rows)  # the late commit
        early.commit()

    result, position, found = _drain(shared)
    assert {slow, fast} <= set(found)
    with shared.app_context():
        assert position == changes.latest_change_id()
        assert not changes.behind(service.index_name())
        db.session.remove()
    assert _check(shared).exit_code == 0


@pytest.mark.parametrize("another_transaction_open", [False, True], ids=["quiet database", "busy database"])
def test_a_hole_that_never_fills_is_skipped(shared, sessions, monkeypatch, another_transaction_open):
    """A rolled-back transaction leaves a hole in the ids for ever. PostgreSQL: skipped at once when no other
    transaction is open (it can no longer commit), else after SEARCH_GAP_GRACE. SQLite (no such holes: played by
    deleting a row) always waits for the grace. The rows after the hole are applied meanwhile."""
    company_id = shared.config["TEST_COMPANY_ID"]
    early, late = sessions(), sessions()
    if is_postgresql():
        lost = _publish(early, company_id, "Hangar annulé")
        kept = _publish(late, company_id, "Hangar gardé")
        late.commit()
        early.rollback()
    else:
        lost = _publish(early, company_id, "Hangar annulé")
        early.commit()
        kept = _publish(late, company_id, "Hangar gardé")
        late.commit()
        early.execute(sa.delete(SearchChange).where(SearchChange.post_id == lost))
        early.execute(sa.delete(Post).where(Post.id == lost))
        early.commit()
    busy = sessions()
    if another_transaction_open:
        busy.execute(sa.text("SELECT 1"))  # a transaction open meanwhile (another worker's request)

    result, position, found = _drain(shared)
    assert kept in found and lost not in found
    with shared.app_context():
        latest = changes.latest_change_id()
        db.session.remove()
    skipped_at_once = is_postgresql() and not another_transaction_open
    assert (position == latest) is skipped_at_once

    shared.config["SEARCH_GAP_GRACE"] = 0
    busy.rollback()
    result, position, found = _drain(shared)
    assert position == latest  # past the hole
    assert kept in found and lost not in found
    assert _check(shared).exit_code == 0


def test_a_hole_younger_than_the_grace_is_waited_for(shared, sessions):
    company_id = shared.config["TEST_COMPANY_ID"]
    first, second = sessions(), sessions()
    waiting = _publish(first, company_id, "Hangar en retard")
    first.commit()
    after = _publish(second, company_id, "Hangar suivant")
    second.commit()
    saved = [{"id": c.id, "post_id": c.post_id, "company_id": c.company_id, "created_at": c.created_at}
             for c in first.scalars(sa.select(SearchChange).where(SearchChange.post_id == waiting))]
    first.execute(sa.delete(SearchChange).where(SearchChange.post_id == waiting))
    first.commit()
    busy = sessions()
    busy.execute(sa.text("SELECT 1"))  # PostgreSQL: a transaction is open, the hole may still fill

    for _ in range(3):  # drains within the grace keep waiting
        result, position, found = _drain(shared)
        assert after in found and waiting not in found
        assert position < min(row["id"] for row in saved)
    first.execute(sa.insert(SearchChange), saved)
    first.commit()
    busy.rollback()
    result, position, found = _drain(shared)
    assert waiting in found
    assert _check(shared).exit_code == 0


def test_a_slow_drain_does_not_move_the_cursor_back_over_what_a_faster_one_pruned(shared, sessions, monkeypatch):
    """Drain A applies its rows and is descheduled before it moves the cursor; drain B (another worker) applies
    A's rows and a newer one, moves the cursor and prunes the log; then A would set the cursor back to where its
    rows end: a hole of pruned rows that never fills, the index behind for ever (or until the grace)."""
    company_id = shared.config["TEST_COMPANY_ID"]
    first = sessions()
    slow = _publish(first, company_id, "Hangar du premier")
    first.commit()
    real_writer = IndexStore.writer
    faster = {}

    def writer_then_descheduled(self, timeout):
        writer = real_writer(self, timeout)
        real_commit = writer.commit

        def commit(*args, **kwargs):
            real_commit(*args, **kwargs)  # the index lock is released here
            monkeypatch.setattr(IndexStore, "writer", real_writer)
            other = sessions()
            faster["post"] = _publish(other, company_id, "Hangar du second")
            other.commit()
            _publish(other, company_id, "Hangar du troisième")  # B moves the cursor 2 rows past A's
            other.commit()
            with shared.app_context():  # drain B, from start to end
                assert service.drain_now().skipped is None
                faster["position"] = db.session.get(SearchCursor, service.index_name()).position
                db.session.remove()

        writer.commit = commit
        return writer

    monkeypatch.setattr(IndexStore, "writer", writer_then_descheduled)
    with shared.app_context():  # drain A
        service.drain_now()
        db.session.remove()
    monkeypatch.undo()

    result, position, found = _drain(shared)
    assert {slow, faster["post"]} <= set(found)
    assert position >= faster["position"]
    with shared.app_context():
        assert not changes.behind(service.index_name())
        db.session.remove()
    assert _check(shared).exit_code == 0


# --------------------------------------------------------------------------- a rebuild meanwhile


def test_a_drain_that_wrote_into_the_generation_a_rebuild_replaced_does_not_move_the_cursor(shared, sessions,
                                                                                           monkeypatch):
    """A worker drains into the current generation while a rebuild (which read the posts before that change)
    swaps its new generation in and sets the cursor back: the worker must not move the cursor past rows the new
    generation lacks."""
    company_id = shared.config["TEST_COMPANY_ID"]
    writer_session = sessions()
    post_id = _publish(writer_session, company_id, "Chambre froide pendant la reconstruction")
    writer_session.commit()
    with shared.app_context():
        store = service.current_store()
        marker = db.session.get(SearchCursor, service.index_name()).position
        db.session.remove()
    real_writer = IndexStore.writer

    def writer_racing_a_rebuild(self, timeout):
        writer = real_writer(self, timeout)
        real_commit = writer.commit

        def commit(*args, **kwargs):
            real_commit(*args, **kwargs)
            monkeypatch.setattr(IndexStore, "writer", real_writer)
            # the rebuild, which read the posts before the change, swaps in and sets the cursor back
            other = sessions()
            docs = [document(p, changes.age_limit(p)) for p in other.scalars(
                sa.select(Post).where(Post.status == PostStatus.PUBLISHED, Post.id != post_id))]
            directory, _ = self.build(docs)
            self.swap_in(directory)
            other.execute(sa.update(SearchCursor).where(SearchCursor.name == service.index_name())
                          .values(position=marker, gap_position=None, gap_seen_at=None))
            other.commit()

        writer.commit = commit
        return writer

    monkeypatch.setattr(IndexStore, "writer", writer_racing_a_rebuild)
    with shared.app_context():
        service.drain_now()
        db.session.remove()
    monkeypatch.undo()

    with shared.app_context():
        assert store.current_dir() is not None
        assert post_id in indexed()
        db.session.remove()
    assert _check(shared).exit_code == 0


def test_a_drain_that_read_the_cursor_before_a_rebuild_set_it_back_does_not_move_it(shared, sessions, monkeypatch):
    """A rebuild swapped in a generation that lacks post X (X was published during the build and applied to the
    old generation only), and sets the cursor back; a worker's drain, writing into the new generation, had read
    the cursor just before it was set back: its move would step over X's row."""
    company_id = shared.config["TEST_COMPANY_ID"]
    session = sessions()
    with shared.app_context():
        start = db.session.get(SearchCursor, service.index_name()).position
        db.session.remove()
    missing = _publish(session, company_id, "Hangar publié pendant la reconstruction")
    session.commit()
    _drain(shared)  # applied to the generation in use
    with shared.app_context():  # the rebuild's new generation, read before X was published, is swapped in
        store = service.current_store()
        docs = [document(p, changes.age_limit(p)) for p in session.scalars(
            sa.select(Post).where(Post.status == PostStatus.PUBLISHED, Post.id != missing))]
        directory, _ = store.build(docs)
        store.swap_in(directory)
        db.session.remove()
    later = _publish(session, company_id, "Hangar publié après")
    session.commit()
    real_load_cursor = changes.load_cursor

    def load_cursor_then_rebuild_sets_it_back(name):
        cursor = real_load_cursor(name)
        monkeypatch.setattr(changes, "load_cursor", real_load_cursor)
        other = sessions()
        other.execute(sa.update(SearchCursor).where(SearchCursor.name == name)
                      .values(position=start, gap_position=None, gap_seen_at=None))
        other.commit()
        return cursor

    monkeypatch.setattr(changes, "load_cursor", load_cursor_then_rebuild_sets_it_back)
    result, position, found = _drain(shared)
    monkeypatch.undo()

    assert {missing, later} <= set(found)
    assert _check(shared).exit_code == 0


def test_a_transaction_open_during_a_reindex_is_applied_after_it(shared, sessions):
    """PostgreSQL: a transaction holding a lower change id is open while the rebuild starts (its post is not in the
    new generation); it commits after the swap: the drain must still apply it. (SQLite: a rebuild cannot start
    reading between two writers; the test then only checks the sequential case.)"""
    company_id = shared.config["TEST_COMPANY_ID"]
    open_session, other = sessions(), sessions()
    slow = _publish(open_session, company_id, "Hangar pendant la reconstruction")
    if not is_postgresql():
        open_session.commit()
    fast = _publish(other, company_id, "Hangar avant la reconstruction")
    other.commit()

    with shared.app_context():
        service.reindex()
        db.session.remove()
    if is_postgresql():
        open_session.commit()

    result, position, found = _drain(shared)
    assert {slow, fast} <= set(found)
    assert _check(shared).exit_code == 0


# --------------------------------------------------------------------------- the background rebuild


def test_a_lost_index_is_rebuilt_in_a_background_thread_while_pages_are_served(shared):
    from tests import factories

    shared.config["SEARCH_AUTO_REBUILD"] = True
    with shared.app_context():
        company = db.session.get(Company, shared.config["TEST_COMPANY_ID"])
        post = factories.PostFactory(company=company, title="Entrepôt zorglub")
        db.session.commit()
        post_id = post.id
        db.session.remove()
    with shared.app_context():
        service.drain_now()
        store = service.current_store()
        import shutil

        shutil.rmtree(store.root)
        db.session.remove()

    client = shared.test_client()
    response = client.get("/search", query_string={"q": "zorglub"})
    assert response.status_code == 200
    assert f'href="/posts/{post_id}"' in response.get_data(as_text=True)  # answered from the database

    with shared.app_context():
        assert service.wait_for_index(20)
        assert post_id in indexed()
        db.session.remove()
    assert _check(shared).exit_code == 0
