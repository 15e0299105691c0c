"""Side effects (mail, index, matching) that must run only once the transaction is committed.

Services call ``after_commit(callback)``; the callbacks run after ``db.session.commit()``
succeeds and are dropped on rollback, so a rolled-back request sends no mail."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "marketplace.after_commit"


def after_commit(callback: Callable[[], None], session: Session | None = None) -> None:
    from ..extensions import db

    target = session or db.session()
    if not target.in_transaction():
        target.begin()  # else a rollback before any query would not drop the callback
    transaction = target.get_nested_transaction() or target.get_transaction()
    target.info.setdefault(_KEY, []).append((transaction, callback))


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released (sessions joined to an outer transaction say so): not the real commit
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


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
