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
    target.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:  # a failed side effect must never undo or fail the committed request
            log.exception("after-commit side effect failed: %r", callback)


@event.listens_for(Session, "after_rollback")
def _drop_callbacks(session: Session) -> None:
    session.info.pop(_KEY, None)
