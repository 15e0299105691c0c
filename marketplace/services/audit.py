"""The audit log: every moderator and administrator action, with who, what and why."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditLog, User


def record(actor: User | None, action: str, target: Any = None, reason: str | None = None, **details) -> AuditLog:
    if target is not None and getattr(target, "id", 1) is None:
        db.session.flush()  # the target needs its id before it can be referenced
    entry = AuditLog(
        actor=actor,
        actor_label=actor.email if actor else "system (command line)",
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry
