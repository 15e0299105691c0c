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
    state = sa.inspect(company)
    return any(state.attrs[name].history.has_changes() for name in ("legal_name", "suspended_at"))


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
    removed: int = 0
    skipped: str | None = None  # why nothing was done ("locked", "unavailable")


def drain(store: IndexStore, name: str, timeout: float, max_seconds: float = 30.0) -> DrainResult:
    """Apply the rows past the cursor of index ``name``, in batches, for at most ``max_seconds``."""
    result = DrainResult()
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        try:
            writer = store.writer(timeout)
        except LockError:
            result.skipped = "locked"
            return result
        except IndexUnavailable:
            result.skipped = "unavailable"
            return result
        more = _apply_batch(writer, name, result)
        if not more:
            break
    return result


def _apply_batch(writer, name: str, result: DrainResult) -> bool:
    """One batch under the index lock; True if rows remain after it."""
    try:
        db.session.rollback()  # read what is committed now
        cursor = load_cursor(name)
        rows = db.session.execute(sa.select(SearchChange.id, SearchChange.post_id, SearchChange.company_id)
                                  .where(SearchChange.id > cursor.position)
                                  .order_by(SearchChange.id).limit(BATCH)).all()
        if not rows:
            writer.cancel()
            db.session.rollback()
            return False
        indexed, removed = apply_rows(writer, rows)
        writer.commit()
    except BaseException:
        writer.cancel()
        db.session.rollback()
        raise
    advance(cursor, [row.id for row in rows])
    prune()
    db.session.commit()
    result.applied += len(rows)
    result.indexed.extend(indexed)
    result.removed += removed
    return len(rows) == BATCH


def apply_rows(writer, rows) -> tuple[list[int], int]:
    """Re-read the posts the rows name and put each in the index or take it out; (indexed ids, removed)."""
    post_ids = {row.post_id for row in rows if row.post_id is not None}
    company_ids = {row.company_id for row in rows if row.company_id is not None}
    for company_id in company_ids:  # its posts may be gone with it (cascade): drop them all, re-add the live ones
        writer.delete_by_term("cid", str(company_id))
    if company_ids:
        post_ids |= set(db.session.scalars(sa.select(Post.id).where(Post.company_id.in_(company_ids))))
    posts = {post.id: post for post in _load(post_ids)}
    indexed = []
    for post_id in sorted(post_ids):
        post = posts.get(post_id)
        if post is not None and searchable(post):
            writer.update_document(**document(post, age_limit(post)))
            indexed.append(post_id)
        else:
            writer.delete_by_term("id", str(post_id))
    return indexed, len(post_ids) - len(indexed)


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


def advance(cursor: SearchCursor, applied_ids: list[int]) -> None:
    """Move the cursor over the contiguous ids applied; wait at a hole unless it is older than the grace."""
    grace = timedelta(seconds=current_app.config["SEARCH_GAP_GRACE"])
    now = utcnow()
    position = cursor.position
    for change_id in applied_ids:
        if change_id == position + 1:
            position = change_id
            continue
        hole = position + 1
        if cursor.gap_position == hole and cursor.gap_seen_at and now - cursor.gap_seen_at >= grace:
            log.warning("search change log: ids %d..%d never committed, skipped", hole, change_id - 1)
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


def prune() -> int:
    """Delete the rows every index has applied."""
    lowest = db.session.scalar(sa.select(sa.func.min(SearchCursor.position)))
    if not lowest:
        return 0
    return db.session.execute(sa.delete(SearchChange).where(SearchChange.id <= lowest)).rowcount or 0


def latest_change_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0


def behind(name: str) -> bool:
    """Whether the log holds rows this index has not applied (one cheap query)."""
    position = db.session.scalar(sa.select(SearchCursor.position).where(SearchCursor.name == name)) or 0
    return latest_change_id() > position
