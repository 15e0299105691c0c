"""``flask search reindex|sync|check|status|forget``: what they print and their exit codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import PostStatus, SearchCursor
from marketplace.models.types import utcnow
from marketplace.search import changes, service
from tests import factories
from tests.support.search_support import (build_index, damaged_files_collected, drain,  # noqa: F401
                                          garbage_segments, indexed_ids, new_process,
                                          whoosh_leaks_damaged_files)


@pytest.fixture(autouse=True)
def built_index(search_index):
    build_index()
    return search_index


def invoke(runner, *args):
    return runner.invoke(args=["search", *args])


def committed_without_drain() -> None:
    """Commit as a worker that died before its drain would have."""
    db.session.commit()
    changes.take_pending()


def test_reindex_prints_the_count_and_the_directory(runner):
    for _ in range(3):
        factories.PostFactory()
    factories.PendingPostFactory()
    committed_without_drain()
    result = invoke(runner, "reindex")
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"3 posts indexed in \d+\.\d s \((.+)\)\.\n", result.output)
    assert match and match.group(1) == str(service.current_store().current_dir())
    assert len(indexed_ids()) == 3


def test_reindex_with_two_writer_processes(runner):
    posts = [factories.PostFactory() for _ in range(4)]
    committed_without_drain()
    result = invoke(runner, "reindex", "--procs", "2")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 posts indexed")
    assert indexed_ids() == {p.id for p in posts}
    assert invoke(runner, "check").exit_code == 0


def test_check_is_clean_then_lists_each_kind_of_difference(runner):
    gone = factories.PostFactory(title="Hangar fermé")
    changed = factories.PostFactory(title="Hangar modifié")
    for row in (gone, changed, gone.company, changed.company):  # indexed a while ago
        row.updated_at = utcnow() - timedelta(minutes=10)
    drain()
    clean = invoke(runner, "check")
    assert clean.exit_code == 0, clean.output
    assert clean.output == ("0 posts missing from the index\n0 posts in the index but not searchable\n"
                            "0 posts out of date in the index\nThe index agrees with the database.\n")

    missing = factories.PostFactory(title="Hangar nouveau")
    gone.status = PostStatus.CLOSED
    changed.title = "Hangar modifié encore"
    committed_without_drain()

    result = invoke(runner, "check")
    assert result.exit_code == 1
    assert result.output == (f"1 posts missing from the index: {missing.id}\n"
                             f"1 posts in the index but not searchable: {gone.id}\n"
                             f"1 posts out of date in the index: {changed.id}\n"
                             "Run `flask search sync` (or `flask search reindex`) to repair.\n")

    assert invoke(runner, "sync").exit_code == 0
    assert invoke(runner, "check").exit_code == 0


def test_check_shortens_long_lists(runner):
    posts = sorted(factories.PostFactory().id for _ in range(4))
    committed_without_drain()
    result = invoke(runner, "check", "--limit", "2")
    assert result.exit_code == 1
    assert f"4 posts missing from the index: {posts[0]}, {posts[1]} …\n" in result.output


def test_check_without_an_index(runner):
    service.current_store().discard()
    result = invoke(runner, "check")
    assert result.exit_code == 1
    assert "There is no index: run `flask search reindex`." in result.output


def test_sync_prints_what_it_applied(runner):
    kept = factories.PostFactory()
    closed = factories.PostFactory()
    drain()
    closed.status = PostStatus.CLOSED
    new = factories.PostFactory()
    committed_without_drain()
    result = invoke(runner, "sync")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ changes applied: 1 posts indexed, 1 removed\.\n", result.output), result.output
    assert indexed_ids() == {kept.id, new.id}
    assert invoke(runner, "sync").output == "0 changes applied: 0 posts indexed, 0 removed.\n"


def test_sync_while_another_process_holds_the_lock_fails_and_says_so(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_LOCK_TIMEOUT", 0.05)
    post = factories.PostFactory()
    committed_without_drain()
    holder = service.current_store().writer(0)
    try:
        result = invoke(runner, "sync")
    finally:
        holder.cancel()
    assert result.exit_code == 1
    assert "Not done: the index is locked. Try again." in result.output
    assert post.id not in indexed_ids()
    assert invoke(runner, "sync").exit_code == 0
    assert post.id in indexed_ids()


def test_sync_without_an_index_builds_it(runner):
    post = factories.PostFactory()
    committed_without_drain()
    service.current_store().discard()
    result = invoke(runner, "sync")
    assert result.exit_code == 0, result.output
    assert result.output == "No index yet: building it.\n1 posts indexed.\n"
    assert indexed_ids() == {post.id}


@whoosh_leaks_damaged_files
def test_sync_and_check_with_a_damaged_segment(runner, new_process, damaged_files_collected):
    """The table of contents reads, a segment does not (a new process finds it so)."""
    for _ in range(12):  # enough segments for the next commit to merge some
        factories.PostFactory()
        drain()
    garbage_segments(service.current_store())
    new_process()
    post = factories.PostFactory()
    committed_without_drain()

    check = invoke(runner, "check")
    assert check.exit_code == 1 and isinstance(check.exception, SystemExit), check.exception
    assert "reindex" in check.output

    sync = invoke(runner, "sync")
    assert sync.exit_code == 0 and sync.exception is None, sync.exception
    assert post.id in indexed_ids()
    assert invoke(runner, "check").exit_code == 0


def test_status_prints_the_index_the_log_and_every_cursor(runner):
    factories.PostFactory()
    drain()
    db.session.add(SearchCursor(name="replica-host-2", position=0))
    db.session.commit()
    factories.PostFactory()
    committed_without_drain()
    latest = changes.latest_change_id()
    position = db.session.get(SearchCursor, service.index_name()).position

    result = invoke(runner, "status")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"index: {service.current_store().current_dir()} (ok)"
    assert re.fullmatch(rf"change log: \d+ rows, latest id {latest}", lines[1])
    assert re.fullmatch(rf"cursor main: {position} \(updated \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\)", lines[2])
    assert re.fullmatch(r"cursor replica-host-2: 0 \(updated .+\)", lines[3])
    assert len(lines) == 4


def test_status_without_an_index(runner):
    service.current_store().discard()
    result = invoke(runner, "status")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "index: none (missing)"


def test_forget_removes_a_cursor(runner):
    db.session.add(SearchCursor(name="replica-host-2", position=0))
    db.session.commit()
    result = invoke(runner, "forget", "replica-host-2")
    assert result.output == "cursor replica-host-2 removed.\n"
    db.session.expire_all()
    assert db.session.get(SearchCursor, "replica-host-2") is None
    assert db.session.get(SearchCursor, service.index_name()) is not None
