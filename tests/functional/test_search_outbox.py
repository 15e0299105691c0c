"""Never lose a post (issue 4): every change to a post writes a row of the change log in its own transaction; after
the commit the index applies the rows past its cursor; what could not be applied (lock held elsewhere, the process
died) is applied by the next drain, a search's catch-up or ``flask search sync``. Also: the rebuild into a new
generation, a missing or corrupt index, and every way a post leaves or comes back to search.

Each test starts from an index built from its (rolled-back) database; the multi-process tests are in
``test_search_concurrency.py``, the cursor's arithmetic in ``tests/unit/test_search_cursor.py``."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import marketplace.search
from marketplace.extensions import db
from marketplace.models import Company, Post, PostStatus, SearchChange, SearchCursor
from marketplace.models.types import utcnow
from marketplace.search import changes, service
from marketplace.search.store import IndexStore
from marketplace.services import moderation
from marketplace.services import posts as post_service
from tests import factories
from tests.functional.posts_owner_support import post_form
from tests.support.search_support import (DAMAGES, build_index, change_rows, cursor_position,  # noqa: F401
                                          damaged_files_collected, drain, found_ids, garbage_table_of_contents,
                                          indexed, indexed_ids, new_process, remove_index,
                                          whoosh_leaks_damaged_files)

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True)
def built_index(app, search_index):
    """The index of the test's database, built before the test (no rebuild hides a lost change)."""
    build_index()
    assert service.current_store().exists()
    return search_index


@pytest.fixture
def post_moderation(app, monkeypatch):
    """Posts are published as soon as they are submitted."""
    monkeypatch.setitem(app.config, "POST_MODERATION", "post")


def publish_through_the_page(client, title: str):
    """A member publishes a post with the form (post-moderation: online at once); the response."""
    return client.post("/posts/new", data=post_form(title=title))


def new_post_id(title: str) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(Post.id).where(Post.title == title))


def check_cli(runner):
    return runner.invoke(args=["search", "check"])


# --------------------------------------------------------------------------- a rolled-back change


def test_a_rolled_back_publication_leaves_no_change_row_and_no_index_entry():
    company = factories.CompanyFactory()
    drain()
    before = change_rows()

    post = factories.PostFactory(company=company, title="Chambre froide annulée")
    post_id = post.id
    assert any(row[1] == post_id for row in change_rows())  # written in the post's own transaction
    db.session.rollback()

    assert change_rows() == before
    assert not changes.take_pending()  # no drain is asked for: nothing was committed
    assert db.session.get(Post, post_id) is None
    assert service.drain_now().skipped is None
    assert post_id not in indexed_ids()
    assert service.check().ok


def test_a_publication_whose_request_fails_leaves_nothing(client, login, member, post_moderation):
    """The post is flushed (its change row written) and then the photo is refused: the request rolls back."""
    drain()
    login(member)
    before = change_rows()
    data = post_form(title="Transpalette refusée zorglub")
    data["photos"] = [(io.BytesIO(b"not an image at all"), "photo.jpg", "image/jpeg")]

    response = client.post("/posts/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 200  # the form again, with the error
    assert new_post_id("Transpalette refusée zorglub") is None
    assert change_rows() == before
    assert found_ids(client, "zorglub") == []
    assert service.check().ok


def test_a_rolled_back_approval_keeps_the_post_out_of_search(moderator):
    post = factories.PendingPostFactory(title="Hangar en attente")
    drain()
    post_service.approve(moderator, post)
    db.session.flush()
    db.session.rollback()
    assert service.drain_now().skipped is None
    assert post.id not in indexed_ids()
    assert service.check().ok


# --------------------------------------------------------------------------- the index lock held elsewhere


@pytest.mark.parametrize("next_drain", ["another request", "a search", "flask search sync"])
def test_a_post_published_while_the_lock_is_held_appears_after_the_next_drain(
        app, client, login, member, runner, monkeypatch, post_moderation, next_drain):
    monkeypatch.setitem(app.config, "SEARCH_LOCK_TIMEOUT", 0.3)
    drain()
    login(member)
    holder = service.current_store().writer(0)  # another worker is writing the index
    try:
        started = time.monotonic()
        response = publish_through_the_page(client, "Chariot élévateur zorglub")
        elapsed = time.monotonic() - started
        assert response.status_code == 302  # no error for the user...
        assert elapsed < 0.3 + 2.0  # ... who waited about SEARCH_LOCK_TIMEOUT, not more
        post_id = new_post_id("Chariot élévateur zorglub")
        assert post_id is not None
        assert post_id not in indexed_ids()  # not applied: the lock was held
        assert cursor_position() < max(row[0] for row in change_rows())
    finally:
        holder.cancel()  # the other worker is done

    if next_drain == "another request":
        assert publish_through_the_page(client, "Gerbeur manuel").status_code == 302
    elif next_drain == "a search":
        assert found_ids(client, "zorglub") == [post_id]
    else:
        result = runner.invoke(args=["search", "sync"])
        assert result.exit_code == 0, result.output
        assert "1 posts indexed" in result.output

    assert post_id in indexed_ids()
    assert found_ids(client, "zorglub") == [post_id]
    assert service.check().ok


def test_a_search_while_the_lock_is_held_does_not_wait(app, client, monkeypatch):
    """A search catches up without waiting for the lock (timeout 0): it answers with what the index has."""
    monkeypatch.setitem(app.config, "SEARCH_LOCK_TIMEOUT", 5)
    post = factories.PostFactory(title="Palettes zorglub")
    db.session.commit()
    changes.take_pending()
    holder = service.current_store().writer(0)
    try:
        started = time.monotonic()
        assert found_ids(client, "zorglub") == []
        assert time.monotonic() - started < 2
    finally:
        holder.cancel()
    assert found_ids(client, "zorglub") == [post.id]


# --------------------------------------------------------------------------- a crash between commit and index write


def test_a_crash_between_the_commit_and_the_index_write_loses_nothing(
        client, login, member, runner, monkeypatch, post_moderation):
    drain()
    login(member)

    def died(*args, **kwargs):
        raise RuntimeError("the worker died before applying the change log")

    monkeypatch.setattr(changes, "drain", died)
    response = publish_through_the_page(client, "Chambre froide zorglub")
    assert response.status_code == 302  # committed: the user is told it is published
    post_id = new_post_id("Chambre froide zorglub")
    assert post_id not in indexed_ids()
    monkeypatch.undo()

    before = check_cli(runner)
    assert before.exit_code == 1
    assert f"1 posts missing from the index: {post_id}" in before.output

    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert post_id in indexed_ids()
    after = check_cli(runner)
    assert after.exit_code == 0, after.output
    assert "0 posts missing from the index" in after.output


def test_a_crash_after_the_index_write_but_before_the_cursor_moved_applies_the_rows_again(monkeypatch):
    post = factories.PostFactory(title="Entrepôt zorglub")
    db.session.commit()
    changes.take_pending()
    position = cursor_position()

    def died():
        raise RuntimeError("died after the index commit")

    monkeypatch.setattr(changes, "prune", died)
    assert service.drain_now().skipped == "error"
    assert post.id in indexed_ids()  # the index has it...
    assert cursor_position() == position  # ... but the cursor did not move
    monkeypatch.undo()

    assert service.drain_now().skipped is None
    assert indexed()[post.id] == 1  # applied twice, indexed once
    assert cursor_position() > position
    assert service.check().ok


def test_rows_of_the_log_committed_while_nothing_drains_are_all_applied_by_sync(runner, monkeypatch):
    """More rows than one batch: sync applies them all, in several batches."""
    company = factories.CompanyFactory()
    ids = [factories.PostFactory(company=company).id for _ in range(7)]
    db.session.commit()
    changes.take_pending()
    monkeypatch.setattr(changes, "BATCH", 3)
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert set(ids) <= indexed_ids()
    assert service.check().ok


def test_a_hole_before_more_rows_than_a_batch_does_not_stall_the_drain(monkeypatch):
    """The cursor waits at a hole, but the drain reads on past it batch after batch: it neither reads the same batch
    again until its time is up nor leaves the rows of later batches for the grace."""
    company = factories.CompanyFactory()
    drain()
    posts = [factories.PostFactory(company=company, title=f"Hangar {n}") for n in range(8)]
    db.session.commit()
    changes.take_pending()
    first_row = min(row[0] for row in change_rows() if row[1] == posts[0].id)
    db.session.execute(sa.delete(SearchChange).where(SearchChange.id == first_row))  # not committed yet, say
    db.session.commit()
    monkeypatch.setattr(changes, "BATCH", 3)

    started = time.monotonic()
    result = service.drain_now()
    assert time.monotonic() - started < 5

    assert result.skipped is None
    assert {p.id for p in posts[1:]} <= indexed_ids()


def test_an_edited_post_is_found_once_and_a_deleted_one_not_at_all_by_the_same_worker(client, member):
    """The worker keeps its searcher between requests and refreshes it after each commit of the index."""
    post = factories.PostFactory(company=member.company, title="Entrepôt zorglub")
    other = factories.PostFactory(company=member.company, title="Hangar zorglub")
    drain()
    params = marketplace.search.SearchParams.from_args({"q": "zorglub"}).params
    assert service.run_search(params).page.total == 2
    for number in range(3):
        post.title = f"Entrepôt zorglub {number}"
        drain()
        results = service.run_search(params)
        assert results.page.total == 2 and sorted(p.id for p in results.page.items) == sorted([post.id, other.id])
    post_service.delete_post(member, post)
    drain()
    results = service.run_search(params)
    assert results.page.total == 1 and [p.id for p in results.page.items] == [other.id]
    assert service.check().ok


def test_the_log_keeps_working_after_it_was_pruned():
    """Each drain prunes what every index has applied; ids handed out afterwards must still be applied (SQLite
    gives a new row the largest id of the table plus one: an emptied table would start again at 1)."""
    ids = []
    for _ in range(4):
        ids.append(factories.PostFactory().id)
        assert drain().skipped is None
        assert len(change_rows()) <= 2  # pruned
    assert set(ids) <= indexed_ids()
    assert not changes.behind(service.index_name())
    assert service.check().ok


# --------------------------------------------------------------------------- rebuilding


def test_reindex_builds_a_new_generation_and_swaps_it_in_atomically(runner):
    store = service.current_store()
    old_dir = store.current_dir()
    first = factories.PostFactory(title="Hangar zorglub")
    drain()
    old_reader = store.index().searcher()  # a reader opened before the rebuild
    assert old_reader.document(id=str(first.id)) is not None
    second = factories.PostFactory(title="Hangar zorglub bis")
    db.session.commit()
    changes.take_pending()  # not drained: only the rebuild brings it in

    result = runner.invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    new_dir = store.current_dir()
    assert new_dir != old_dir and new_dir.parent == old_dir.parent and new_dir.name.startswith("gen-")
    link = Path(store.root) / "current"
    assert link.is_symlink() and os.readlink(link) == new_dir.name
    # the reader opened before keeps working on the old generation
    assert old_reader.document(id=str(first.id)) is not None
    assert old_reader.document(id=str(second.id)) is None
    old_reader.close()
    # a new searcher sees the new index
    assert {first.id, second.id} <= indexed_ids()
    assert store.searcher().document(id=str(second.id)) is not None
    assert not [p for p in Path(store.root).iterdir() if p.name.startswith(".current-")]
    assert service.check().ok


def test_reindex_keeps_one_previous_generation_only():
    store = service.current_store()
    for _ in range(3):
        service.reindex()
    generations = sorted(p.name for p in Path(store.root).glob("gen-*"))
    assert len(generations) == 2 and store.current_dir().name in generations


def test_changes_committed_during_a_reindex_are_not_lost(monkeypatch):
    """While the rebuild reads the posts, other workers commit changes and drain them into the old generation
    (their cursor moves past them): after the swap the cursor is set back to where the rebuild started and the
    drain applies them to the new generation."""
    company = factories.CompanyFactory()
    edited = factories.PostFactory(company=company, title="Local de stockage")
    deleted = factories.PostFactory(company=company, title="Hangar supprimé")
    drain()
    store = service.current_store()
    name = service.index_name()
    real_swap_in = IndexStore.swap_in
    during = {}

    def swap_in_after_other_workers(self, directory):
        holder = db.session.scalar(sa.select(SearchCursor).where(SearchCursor.name.startswith(f"{name}:rebuild:")))
        assert holder is not None  # the log is held from the marker on (one holder per rebuild)
        marker = holder.position
        during["new"] = factories.PostFactory(company=company, title="Chambre froide zorglub").id
        edited.title = "Local de stockage zorglub"
        db.session.delete(deleted)
        db.session.commit()
        changes.take_pending()
        assert changes.drain(store, name, 0).skipped is None  # another worker: into the old generation
        assert cursor_position(name) > marker
        assert min(row[0] for row in change_rows()) <= marker + 1  # the holder kept the rows for the new one
        real_swap_in(self, directory)

    monkeypatch.setattr(IndexStore, "swap_in", swap_in_after_other_workers)
    service.reindex()
    monkeypatch.undo()

    assert not db.session.scalars(sa.select(SearchCursor).where(SearchCursor.name.startswith(f"{name}:rebuild"))).all()
    assert during["new"] in indexed_ids()
    assert deleted.id not in indexed_ids()
    assert sorted(indexed_ids()) == sorted([edited.id, during["new"]])
    assert store.searcher().document(id=str(edited.id))["stamp"] == \
        marketplace.search.schema.stamp_of(db.session.get(Post, edited.id))
    assert service.check().ok


def test_a_rebuild_started_while_another_runs_loses_nothing(monkeypatch):
    """Each web worker that finds the index missing rebuilds it (in a thread of its own process): rebuild A reads
    the posts, a post is published, rebuild B runs to its end (its drain moves the cursor and prunes the log), then
    A swaps its generation in, which lacks the post: A must re-apply the log from where it started reading."""
    company = factories.CompanyFactory()
    drain()
    store = service.current_store()
    real_build = IndexStore.build
    late = {}

    def build_then_another_rebuild(self, documents, *args, **kwargs):
        built = real_build(self, documents, *args, **kwargs)  # A has read the posts
        monkeypatch.setattr(IndexStore, "build", real_build)
        late["post"] = factories.PostFactory(company=company, title="Hangar zorglub tardif").id
        db.session.commit()
        changes.take_pending()
        service.ensure_rebuilt(store)  # B, another worker's rebuild, from start to end
        factories.PostFactory(company=company)  # and the site goes on
        drain()
        return built

    monkeypatch.setattr(IndexStore, "build", build_then_another_rebuild)
    service.reindex()  # A
    monkeypatch.undo()
    drain()

    assert late["post"] in indexed_ids()
    assert service.check().ok


# --------------------------------------------------------------------------- a missing or corrupt index


@whoosh_leaks_damaged_files
@pytest.mark.parametrize("fresh_worker", [False, True], ids=["serving worker", "new worker"])
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_missing_or_corrupt_index_keeps_the_site_serving_and_is_rebuilt(client, runner, new_process, damage,
                                                                          fresh_worker, damaged_files_collected):
    post = factories.PostFactory(title="Entrepôt zorglub")
    drain()
    assert found_ids(client, "zorglub") == [post.id]  # the worker has a searcher open
    damage(service.current_store())
    if fresh_worker:
        new_process()

    response = client.get("/search", query_string={"q": "zorglub"})
    assert response.status_code == 200
    later = factories.PostFactory(title="Entrepôt zorglub neuf")
    drain()  # the end of the request that published it

    assert sorted(found_ids(client, "zorglub")) == sorted([post.id, later.id])
    assert sorted(found_ids(client, "entrepot")) == sorted([post.id, later.id])  # the French analysis again
    new_process()  # what a worker started now finds on disk
    assert sorted(found_ids(client, "zorglub")) == sorted([post.id, later.id])
    result = check_cli(runner)
    assert result.exit_code == 0, result.output


@whoosh_leaks_damaged_files
@pytest.mark.parametrize("damage", [remove_index, garbage_table_of_contents])
def test_sync_and_check_without_a_usable_index(runner, damage, damaged_files_collected):
    post = factories.PostFactory(title="Entrepôt zorglub")
    drain()
    damage(service.current_store())
    check = check_cli(runner)
    assert check.exit_code == 1 and "There is no index" in check.output
    sync = runner.invoke(args=["search", "sync"])
    assert sync.exit_code == 0, sync.output
    assert "No index yet: building it." in sync.output
    assert post.id in indexed_ids()
    assert check_cli(runner).exit_code == 0


def test_while_the_index_is_missing_search_answers_from_the_database(app, client, monkeypatch):
    """SEARCH_AUTO_REBUILD off: the page says the index is being rebuilt and finds by plain words."""
    post = factories.PostFactory(title="Entrepôt zorglub")
    drain()
    monkeypatch.setitem(app.config, "SEARCH_AUTO_REBUILD", False)
    remove_index(service.current_store())
    response = client.get("/search", query_string={"q": "zorglub"})
    assert response.status_code == 200
    assert "alert-warning" in response.get_data(as_text=True)
    assert found_ids(client, "zorglub") == [post.id]
    assert not service.current_store().exists()


def test_a_background_rebuild_is_started_once(app, monkeypatch):
    """SEARCH_AUTO_REBUILD=True: a thread rebuilds (here a fake one, the real thread is tested with a database of
    its own in test_search_concurrency); a second request meanwhile starts none."""
    started = []

    class FakeThread:
        def __init__(self, target, args, **kwargs):
            self.target, self.args = target, args

        def start(self):
            started.append(self)

    monkeypatch.setitem(app.config, "SEARCH_AUTO_REBUILD", True)
    monkeypatch.setattr(service.threading, "Thread", FakeThread)
    store = service.current_store()
    remove_index(store)
    with app.test_request_context("/search"):  # serving a page (a command rebuilds at once)
        service.ensure_rebuilt(store)
        service.ensure_rebuilt(store)
        assert len(started) == 1 and service.rebuilding()
        monkeypatch.setattr(service, "reindex", lambda: 0)
        started[0].target(*started[0].args)  # the thread's work
        assert not service.rebuilding()
        service.ensure_rebuilt(store)
        assert len(started) == 2


# --------------------------------------------------------------------------- everything that takes a post out or back


def test_suspending_a_company_removes_its_posts_and_lifting_it_puts_them_back(client, moderator):
    company = factories.CompanyFactory(legal_name="Logistique Zorglub")
    posts = [factories.PostFactory(company=company, title=f"Entrepôt {n}") for n in range(3)]
    other = factories.PostFactory(title="Entrepôt voisin zorglub")
    drain()
    ids = sorted(p.id for p in posts)
    assert sorted(found_ids(client, "zorglub")) == sorted([*ids, other.id])

    moderation.suspend_company(moderator, company, "Annonces trompeuses")
    drain()
    assert found_ids(client, "zorglub") == [other.id]
    assert not set(ids) & indexed_ids()
    assert service.check().ok

    moderation.lift_suspension(moderator, company)
    drain()
    assert sorted(found_ids(client, "zorglub")) == sorted([*ids, other.id])
    assert service.check().ok


def test_renaming_a_company_updates_the_name_search_finds(client):
    company = factories.CompanyFactory(legal_name="Transports Dupont")
    post = factories.PostFactory(company=company, title="Camion frigorifique")
    drain()
    assert found_ids(client, "dupont") == [post.id]

    company.legal_name = "Transports Zorglub"
    drain()
    assert found_ids(client, "zorglub") == [post.id]
    assert found_ids(client, "dupont") == []
    assert service.check().ok


def test_any_change_to_a_company_keeps_check_clean(client, login, moderator):
    """What ``check`` compares (the post's and its company's last change) moves with any change of the company,
    e.g. its verification: the log must say so, or check reports stale posts that sync cannot repair."""
    company = factories.CompanyFactory(verified=False, departement="69")
    post = factories.PostFactory(company=company)
    drain()
    company.updated_at = post.updated_at = utcnow() - timedelta(minutes=5)  # indexed a while ago
    drain()
    assert service.check().ok
    login(moderator)
    response = client.post(f"/moderation/companies/{company.id}/verify")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Company, company.id).verified
    assert service.check().ok


def test_deleting_closing_or_sending_a_post_back_to_moderation_removes_it(client, member):
    company = member.company
    deleted = factories.PostFactory(company=company, title="Hangar zorglub un")
    closed = factories.PostFactory(company=company, title="Hangar zorglub deux")
    edited = factories.PostFactory(company=company, title="Hangar zorglub trois")
    kept = factories.PostFactory(company=company, title="Hangar zorglub quatre")
    drain()
    assert len(found_ids(client, "zorglub")) == 4

    post_service.delete_post(member, deleted)
    drain()
    post_service.close_post(member, closed, "withdrawn")
    drain()
    data = post_service.PostData(kind="offer", category="storage", title="Hangar zorglub trois, agrandi",
                                 description="Un tout autre hangar, beaucoup plus grand qu'avant.")
    post_service.update_post(member, edited, data)
    drain()
    assert edited.status is PostStatus.PENDING  # pre-moderation: checked again before it is shown

    assert found_ids(client, "zorglub") == [kept.id]
    assert indexed_ids() == {kept.id}
    assert service.check().ok


def _in_a_command_context(app, runner, args):
    """Run a command as ``flask`` does: in an application context of its own, which ends with the command (and
    drains the change log)."""
    with app.app_context():
        result = runner.invoke(args=args)
    return result


def test_flask_posts_expire_removes_the_expired_posts_from_search(app, client, runner):
    old = factories.PostFactory(title="Entrepôt zorglub ancien", renewed_at=utcnow() - timedelta(days=400)).id
    ended = factories.PostFactory(title="Entrepôt zorglub fini",
                                  available_until=utcnow().date() - timedelta(days=2)).id
    fresh = factories.PostFactory(title="Entrepôt zorglub récent").id
    drain()
    assert {old, ended, fresh} <= indexed_ids()  # in the index (the search hides them by their dates)

    result = _in_a_command_context(app, runner, ["posts", "expire"])

    assert result.exit_code == 0, result.output
    assert "2 posts expired" in result.output
    assert indexed_ids() == {fresh}
    assert found_ids(client, "zorglub") == [fresh]
    assert service.check().ok


def test_imported_posts_are_searchable_when_the_command_ends(app, client, runner):
    drain()
    result = _in_a_command_context(app, runner, ["import-posts", str(DATA / "import_valid.json")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    published = set(db.session.scalars(sa.select(Post.id).where(Post.status == PostStatus.PUBLISHED,
                                                                Post.external_ref.is_not(None))))
    assert published
    assert published <= indexed_ids()
    assert service.check().ok
    assert not changes.behind(service.index_name())
