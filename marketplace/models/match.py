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
    APPROVED = "approved"  # by a moderator: each company is asked to accept the introduction
    REJECTED = "rejected"  # by a moderator, with a reason
    INTRODUCED = "introduced"  # both companies accepted: contact details shown, messages open
    REFUSED = "refused"  # a company declined the introduction
    CONCLUDED = "concluded"  # outcome reported: something was exchanged
    DECLINED = "declined"  # outcome reported: nothing came of it


class IntroductionAnswer(enum.StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Outcome(enum.StrEnum):
    CONCLUDED = "concluded"
    DECLINED = "declined"


# The statuses in which a match is still in the moderators' hands, or open between the companies.
OPEN_STATUSES = (MatchStatus.PROPOSED, MatchStatus.APPROVED, MatchStatus.INTRODUCED)


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
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    requested_by_company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"))
    offer_answer: Mapped[IntroductionAnswer | None] = mapped_column(db_enum(IntroductionAnswer, "offer_answer"))
    offer_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    need_answer: Mapped[IntroductionAnswer | None] = mapped_column(db_enum(IntroductionAnswer, "need_answer"))
    need_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    need_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first outcome reported

    offer: Mapped[Post] = relationship(foreign_keys=[offer_id])
    need: Mapped[Post] = relationship(foreign_keys=[need_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    offer_answered_by: Mapped[User | None] = relationship(foreign_keys=[offer_answered_by_id])
    need_answered_by: Mapped[User | None] = relationship(foreign_keys=[need_answered_by_id])
    outcomes: Mapped[list[MatchOutcome]] = relationship(back_populates="match", cascade="all, delete-orphan",
                                                        order_by="MatchOutcome.reported_at")
    messages: Mapped[list[MatchMessage]] = relationship(back_populates="match", cascade="all, delete-orphan",
                                                        order_by="MatchMessage.id")

    def __repr__(self) -> str:
        return f"<Match {self.id} offer={self.offer_id} need={self.need_id} {self.status.value} {self.score:.2f}>"

    def side_of(self, company_id: int | None) -> str | None:
        """"offer" or "need": the side of the pair the company is on (None when it is on neither)."""
        if company_id is None:
            return None
        if self.offer.company_id == company_id:
            return "offer"
        if self.need.company_id == company_id:
            return "need"
        return None


class MatchOutcome(db.Model):
    """What one company of an introduced pair reports: something was exchanged (how much), or nothing (why)."""

    __tablename__ = "match_outcome"
    __table_args__ = (
        UniqueConstraint("match_id", "company_id"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(db_enum(Outcome, "match_outcome_kind"))
    quantity: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match: Mapped[Match] = relationship(back_populates="outcomes")
    reported_by: Mapped[User | None] = relationship()


class MatchMessage(db.Model):
    """A message between the two companies of an introduced pair (plain text, shown escaped)."""

    __tablename__ = "match_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    match: Mapped[Match] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
