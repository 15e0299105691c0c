"""The index change log (outbox) and how an index catches up with it.

Every flush that inserts, changes or deletes a post (or changes a company: name, suspension) appends rows to
``search_change`` *in the same transaction*: a rolled-back change leaves nothing, a committed one is never lost.
After the commit the index applies the rows past its cursor (``drain``); if it cannot (another process holds the
index lock, the process dies), the next drain or ``flask search sync`` does. Applying a row reads the post as it
is now, so applying it twice is harmless.

Ids are handed out when rows are inserted, not when they are committed: a transaction still open can commit an id
*below* one already applied. So the cursor only moves over contiguous ids; at a hole it waits ``SEARCH_GAP_GRACE``
seconds (a rolled-back transaction leaves a hole for ever) while the rows after the hole are applied anyway."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from ..extensions import db
from ..models import Company, Post, PostStatus, SearchChange, SearchCursor
from ..models.types import utcnow
from ..services import effects
from .schema import document
from .store import IndexStore, IndexUnavailable, LockError

log = logging.getLogger(__name__)
BATCH = 2000
_PENDING_KEY = "search_changes_pending"


# --------------------------------------------------------------------------- writing the log


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, flush_context) -> None:
    rows = [{"post_id": obj.id, "company_id": None} for obj in _changed(session, Post)]
    rows += [{"company_id": obj.id, "post_id": None} for obj in _changed(session, Company)
             if obj in session.deleted or _company_shown_fields_changed(obj)]
    if not rows:
        return
    now = utcnow()
    session.connection().execute(sa.insert(SearchChange), [{**row, "created_at": now} for row in rows])
    effects.after_commit(_mark_pending, session)


def _changed(session: Session, model) -> list:
    seen = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, model) and obj.id is not None and (obj in session.deleted or session.is_modified(obj)
                                                              or obj in session.new):
            seen[obj.id] = obj
    return list(seen.values())


def _company_shown_fields_changed(company: Company) -> bool:
    """Any column: the posts show the name and hide with the suspension, and what ``flask search check`` compares
    (``schema.stamp_of``) moves with the company's ``updated_at``, i.e. with any change of the company."""
    state = sa.inspect(company)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


def _mark_pending() -> None:
    """After the commit: the request (or command) drains when it ends (see ``search.init_app``)."""
    if has_app_context():
        setattr(g, _PENDING_KEY, True)


def take_pending() -> bool:
    return bool(has_app_context() and g.pop(_PENDING_KEY, False))


# --------------------------------------------------------------------------- applying the log


@dataclass
class DrainResult:
    applied: int = 0  # rows of the log applied
    indexed: list[int] = field(default_factory=list)  # posts now in the index
    removed_ids: list[int] = field(default_factory=list)  # posts taken out of it (or never in it)
    skipped: str | None = None  # why nothing was done ("locked", "unavailable")

    @property
    def removed(self) -> int:
        return len(self.removed_ids)


def drain(store: IndexStore, name: str, timeout: float, max_seconds: float = 30.0) -> DrainResult:
    """Apply the rows past the cursor of index ``name``, in batches, for at most ``max_seconds``.

    Returns with ``skipped="locked"`` if another process holds the index lock for longer than ``timeout``; raises
    IndexUnavailable if the index is missing or damaged (it must be rebuilt: ``service.drain_now`` does)."""
    result = DrainResult()
    started = time.monotonic()
    progress = _Progress()
    while time.monotonic() - started < max_seconds:
        try:
            writer = store.writer(timeout)
        except LockError:
            result.skipped = "locked"
            return result
        more = _apply_batch(store, writer, name, result, progress)
        if not more:
            break
    return result


@dataclass
class _Progress:
    """What one drain has applied past the cursor: the next batch reads after ``read_to`` (not from the cursor,
    which may wait at a hole), and the cursor moves over ``applied`` (ids above it) as holes fill or age out."""

    read_to: int | None = None
    applied: list[int] = field(default_factory=list)


def _apply_batch(store: IndexStore, writer, name: str, result: DrainResult, progress: _Progress) -> bool:
    """One batch under the index lock; True if rows remain after it."""
    generation = getattr(writer, "generation_dir", None)
    try:
        db.session.rollback()  # read what is committed now
        cursor = load_cursor(name)
        start = cursor.position if progress.read_to is None else max(cursor.position, progress.read_to)
        rows = db.session.execute(sa.select(SearchChange.id, SearchChange.post_id, SearchChange.company_id)
                                  .where(SearchChange.id > start)
                                  .order_by(SearchChange.id).limit(BATCH)).all()
        if not rows:
            writer.cancel()
            db.session.rollback()
            return False
        indexed, removed = apply_rows(writer, rows)
        with index_errors():
            writer.commit()
    except BaseException:
        _abandon(writer)
        db.session.rollback()
        raise
    progress.read_to = rows[-1].id
    progress.applied = [i for i in progress.applied if i > cursor.position] + [row.id for row in rows]
    moved = _CursorState(cursor.position, cursor.gap_position, cursor.gap_seen_at)
    advance(moved, progress.applied, hole_is_permanent)
    if not _move_cursor(store, generation, cursor, moved):
        # another drain moved the cursor since it was read here, or a rebuild swapped in a new generation while
        # this batch wrote into the old one (and set the cursor back): the rows applied here stay applied, the
        # cursor stays where the other put it, and the next batch reads from there
        db.session.rollback()
        progress.read_to, progress.applied = None, []
        return True
    prune()
    db.session.commit()
    result.applied += len(rows)
    result.indexed.extend(indexed)
    result.removed_ids.extend(removed)
    return len(rows) == BATCH


@dataclass
class _CursorState:
    position: int
    gap_position: int | None
    gap_seen_at: datetime | None
    updated_at: datetime | None = None


def _move_cursor(store: IndexStore, generation, cursor: SearchCursor, moved: _CursorState) -> bool:
    """Write the new state of the cursor if it still is where this drain read it (compare and set: a drain that
    read it earlier must not move it back over rows a later one has applied and pruned, nor past rows a rebuild
    set it back to), and if the generation written is still the one in use. False if it was not written.

    The UPDATE locks the cursor row (PostgreSQL) or the database (SQLite) until the commit: a rebuild that swaps
    a generation in and then sets the cursor back (``rewind``) either waits for this commit or is seen here."""
    if (moved.position, moved.gap_position, moved.gap_seen_at) == \
            (cursor.position, cursor.gap_position, cursor.gap_seen_at):
        return True
    updated = db.session.execute(
        sa.update(SearchCursor).where(SearchCursor.name == cursor.name, SearchCursor.position == cursor.position)
        .values(position=moved.position, gap_position=moved.gap_position, gap_seen_at=moved.gap_seen_at,
                updated_at=moved.updated_at or cursor.updated_at or utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if updated != 1:
        return False
    return generation is None or moved.position == cursor.position or store.current_dir() == generation


def _abandon(writer) -> None:
    """Cancel what the writer did and release the index lock, whatever state a failure left the writer in."""
    try:
        if not writer.is_closed:
            writer.cancel()
    except Exception:
        log.debug("cancelling the index writer failed", exc_info=True)
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            try:
                lock.release()
            except Exception:
                log.debug("releasing the index lock failed", exc_info=True)


def apply_rows(writer, rows) -> tuple[list[int], list[int]]:
    """Re-read the posts the rows name and put each in the index or take it out; (indexed ids, removed ids)."""
    post_ids = {row.post_id for row in rows if row.post_id is not None}
    company_ids = {row.company_id for row in rows if row.company_id is not None}
    if company_ids:
        post_ids |= set(db.session.scalars(sa.select(Post.id).where(Post.company_id.in_(company_ids))))
    posts = {post.id: post for post in _load(post_ids)}
    documents, gone = [], []
    for post_id in sorted(post_ids):
        post = posts.get(post_id)
        if post is not None and searchable(post):
            documents.append(document(post, age_limit(post)))
        else:
            gone.append(post_id)
    with index_errors():
        for company_id in company_ids:  # its posts may be gone with it (cascade): drop them all, re-add the live
            writer.delete_by_term("cid", str(company_id))
        for doc in documents:
            writer.update_document(**doc)
        for post_id in gone:
            writer.delete_by_term("id", str(post_id))
    return [doc["pid"] for doc in documents], gone


@contextmanager
def index_errors():
    """What Whoosh raises while writing (a damaged segment, a missing file) means the index must be rebuilt."""
    try:
        yield
    except (IndexUnavailable, LockError, sa.exc.SQLAlchemyError):
        raise
    except Exception as exc:
        raise IndexUnavailable(f"the search index cannot be written: {exc!r}") from exc


def _load(post_ids: set[int]) -> list[Post]:
    found: list[Post] = []
    ids = sorted(post_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.extend(db.session.scalars(sa.select(Post).options(joinedload(Post.company))
                                        .where(Post.id.in_(chunk))).unique())
    return found


def searchable(post: Post) -> bool:
    """In the index: published, of a company not suspended (dates are checked at query time)."""
    return post.status is PostStatus.PUBLISHED and not post.company.is_suspended


def age_limit(post: Post) -> datetime | None:
    if post.renewed_at is None:
        return None
    return post.renewed_at + timedelta(days=current_app.config["POST_MAX_AGE_DAYS"])


# --------------------------------------------------------------------------- cursors


def load_cursor(name: str) -> SearchCursor:
    cursor = db.session.get(SearchCursor, name)
    if cursor is None:
        cursor = SearchCursor(name=name, position=0)
        db.session.add(cursor)
        db.session.flush()
    return cursor


def advance(cursor: SearchCursor, applied_ids: list[int],
            permanent: Callable[[int, int], bool] | None = None) -> None:
    """Move the cursor over the contiguous ids applied; wait at a hole unless it is older than the grace, or
    ``permanent(first, last)`` says that the ids of the hole will never be committed."""
    grace = timedelta(seconds=current_app.config["SEARCH_GAP_GRACE"])
    now = utcnow()
    position = cursor.position
    for change_id in sorted(applied_ids):
        if change_id <= position:
            continue
        if change_id == position + 1:
            position = change_id
            continue
        hole = position + 1
        if cursor.gap_position == hole and cursor.gap_seen_at and now - cursor.gap_seen_at >= grace:
            log.warning("search change log: ids %d..%d never committed, skipped", hole, change_id - 1)
            position = change_id
            continue
        if permanent is not None and permanent(hole, change_id - 1):
            log.info("search change log: ids %d..%d rolled back, skipped", hole, change_id - 1)
            position = change_id
            continue
        if cursor.gap_position != hole:
            cursor.gap_position, cursor.gap_seen_at = hole, now
        break
    else:
        cursor.gap_position, cursor.gap_seen_at = None, None
    if position != cursor.position:
        cursor.position = position
        cursor.updated_at = now


def hole_is_permanent(first: int, last: int) -> bool:
    """Whether the ids ``first``..``last``, missing from the log, can no longer be committed (PostgreSQL only).

    An id is taken from the sequence by a transaction that had begun before the row after the hole was read. If no
    other transaction is open on the database now (none we cannot see either, none prepared), that one has ended; if the ids are
    still missing when read after that check (READ COMMITTED: each statement sees every commit before it), it
    rolled back and the hole will never fill. Otherwise the cursor waits for the grace (SQLite hands out no ids
    that are not committed in order: its log has no holes)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return False
    if connection.exec_driver_sql("SHOW transaction_isolation").scalar() != "read committed":
        return False
    connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity as it is now
    others = connection.exec_driver_sql(
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
        "AND (xact_start IS NOT NULL OR state IS NULL)) "
        "+ (SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database())").scalar()
    if others:
        return False
    found = db.session.scalar(sa.select(sa.func.count(SearchChange.id))
                              .where(SearchChange.id.between(first, last)))
    return not found


def rebuild_start(name: str) -> int:
    """Where an index rebuilt from the posts as they are read from now on must apply the log from.

    Not simply the latest id: an id below it may belong to a transaction still open (PostgreSQL), whose post the
    rebuild will not read; the cursor of the index has not passed such a hole, so the lower of the two is safe."""
    latest = latest_change_id()
    position = db.session.scalar(sa.select(SearchCursor.position).where(SearchCursor.name == name))
    return latest if position is None else min(position, latest)


def rewind(name: str, position: int) -> None:
    """Set the cursor of index ``name`` back to ``position`` (never forward), e.g. once a rebuilt generation is
    swapped in. One UPDATE, which waits for a drain that is moving the cursor to commit, rather than an ORM change
    decided on a value read before that drain committed; a drain that read the cursor before this change gives its
    move up (``_move_cursor``)."""
    now = utcnow()
    db.session.execute(
        sa.update(SearchCursor).where(SearchCursor.name == name, SearchCursor.position > position)
        .values(position=position, gap_position=None, gap_seen_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    if db.session.get(SearchCursor, name, populate_existing=True) is None:
        db.session.add(SearchCursor(name=name, position=position, updated_at=now))
        db.session.flush()


def prune() -> int:
    """Delete the rows every index has applied, except the latest of them.

    SQLite gives a new row the largest id in the table plus one (the table has no AUTOINCREMENT): emptied, it
    would hand out ids the cursors have already passed. Keeping the row at the lowest cursor keeps every new id
    above every cursor (and ``latest_change_id`` never goes below a cursor)."""
    lowest = db.session.scalar(sa.select(sa.func.min(SearchCursor.position)))
    if not lowest:
        return 0
    return db.session.execute(sa.delete(SearchChange).where(SearchChange.id < lowest)).rowcount or 0


def latest_change_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0


def behind(name: str) -> bool:
    """Whether the log holds rows this index has not applied (one cheap query)."""
    position = db.session.scalar(sa.select(SearchCursor.position).where(SearchCursor.name == name)) or 0
    return latest_change_id() > position
