"""Side effects (mail, index, matching) that must run only once the transaction is committed.

Services call ``after_commit(callback)``; the callbacks run after ``db.session.commit()``
succeeds and are dropped on rollback, so a rolled-back request sends no mail.

``after_rollback(callback)`` is the reverse: the callback runs if the transaction (or savepoint) it was
registered in is rolled back, or if the session ends without committing it; e.g. remove a file written
for rows that will never exist."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "marketplace.after_commit"
_ROLLBACK_KEY = "marketplace.after_rollback"


def after_commit(callback: Callable[[], None], session: Session | None = None) -> None:
    _register(_KEY, callback, session)


def after_rollback(callback: Callable[[], None], session: Session | None = None) -> None:
    _register(_ROLLBACK_KEY, callback, session)


def _register(key: str, callback: Callable[[], None], session: Session | None) -> None:
    """Keep ``callback`` with the transaction (or savepoint) now open, to run or drop it when that one ends."""
    from ..extensions import db

    target = session or db.session()
    if not target.in_transaction():
        target.begin()  # else a rollback before any query would not drop the callback
    transaction = target.get_nested_transaction() or target.get_transaction()
    target.info.setdefault(key, []).append((transaction, callback))


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released (sessions joined to an outer transaction say so): not the real commit
    session.info.pop(_ROLLBACK_KEY, None)  # committed: nothing to undo
    for _, callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:  # a failed side effect must never undo or fail the committed request
            log.exception("after-commit side effect failed: %r", callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_callbacks(session: Session, previous_transaction) -> None:
    """Forget the callbacks registered inside the transaction (or savepoint) that was rolled back."""
    pending = session.info.get(_KEY)
    if pending:
        session.info[_KEY] = [(t, cb) for t, cb in pending if not _within(t, previous_transaction)]
    undo = session.info.get(_ROLLBACK_KEY)
    if undo:
        session.info[_ROLLBACK_KEY] = [(t, cb) for t, cb in undo if not _within(t, previous_transaction)]
        _run_all(cb for t, cb in undo if _within(t, previous_transaction))


@event.listens_for(Session, "after_transaction_end")
def _undo_uncommitted(session: Session, transaction) -> None:
    """The outermost transaction ended without a commit (the session was closed): undo what is left."""
    if transaction.parent is None and not transaction.nested:
        _run_all(cb for _, cb in session.info.pop(_ROLLBACK_KEY, []))


def _run_all(callbacks) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # cleaning up must never hide the error that caused the rollback
            log.exception("after-rollback callback failed: %r", callback)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
