"""A match: one offer and one need, suggested by the engine or requested by a company, then reviewed.

The score and its reasons are stored as the engine computed them; the reasons are codes with parameters
(``[{"code": "distance", "km": 12}, ...]``) so that each reader sees them in its own language
(``marketplace.matching.scoring.reason_labels``)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import db_enum
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .post import Post
    from .user import User


class MatchOrigin(enum.StrEnum):
    SUGGESTED = "suggested"  # by the engine
    REQUESTED = "requested"  # a company clicked "I'm interested"


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for a moderator
    APPROVED = "approved"  # the companies are introduced
    REJECTED = "rejected"  # by a moderator, with a reason
    CONCLUDED = "concluded"  # outcome reported: something was exchanged
    DECLINED = "declined"  # outcome reported: nothing came of it


class Match(db.Model):
    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint("offer_id", "need_id"),
        CheckConstraint("offer_id <> need_id", name="two_posts"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_match_status_score", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    origin: Mapped[MatchOrigin] = mapped_column(db_enum(MatchOrigin, "match_origin"), default=MatchOrigin.SUGGESTED)
    status: Mapped[MatchStatus] = mapped_column(db_enum(MatchStatus, "match_status"), default=MatchStatus.PROPOSED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    offer: Mapped[Post] = relationship(foreign_keys=[offer_id])
    need: Mapped[Post] = relationship(foreign_keys=[need_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<Match {self.id} offer={self.offer_id} need={self.need_id} {self.status.value} {self.score:.2f}>"
