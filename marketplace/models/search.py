"""What search keeps in the database: the index change log and its cursors, the synonym thesaurus, saved
searches and the posts they have already alerted about.

The Whoosh index itself is derived data (``marketplace/search``): it can always be rebuilt from the posts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import db_enum
from .types import UTCDateTime, utcnow
from .user import User

# SQLite only auto-increments an INTEGER PRIMARY KEY
ChangeId = BigInteger().with_variant(Integer(), "sqlite")


class SearchChange(db.Model):
    """One row of the append-only index change log, written in the transaction that changed the post (or the
    company, whose name and suspension every post of it shows). Each index applies the rows past its cursor."""

    __tablename__ = "search_change"

    id: Mapped[int] = mapped_column(ChangeId, primary_key=True, autoincrement=True)
    post_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the post may be deleted
    company_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} post={self.post_id} company={self.company_id}>"


class SearchCursor(db.Model):
    """How far one index (one replica per host) has applied the change log.

    ``gap_position``/``gap_seen_at`` remember a hole in the ids (a transaction still running, or one rolled
    back): the cursor waits at the hole for a while instead of jumping over a change not yet committed."""

    __tablename__ = "search_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(ChangeId, default=0)
    gap_position: Mapped[int | None] = mapped_column(ChangeId)
    gap_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SynonymGroup(db.Model):
    """Words and phrases that mean the same resource ("entrepôt, hangar, local de stockage"): a query for one
    also looks for the others. Administrators edit the groups; the default list ships with the project."""

    __tablename__ = "synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(Text)  # comma-separated, as the administrator typed them
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    @property
    def term_list(self) -> list[str]:
        return [term.strip() for term in self.terms.split(",") if term.strip()]


class AlertFrequency(enum.StrEnum):
    INSTANT = "instant"
    DAILY = "daily"


class SavedSearch(db.Model):
    """A search a member keeps, with mail alerts for the new posts that match it."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(500), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the search page's GET parameters
    frequency: Mapped[AlertFrequency] = mapped_column(db_enum(AlertFrequency, "alert_frequency"),
                                                      default=AlertFrequency.DAILY)
    alerts_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id} user={self.user_id} {self.frequency.value}>"


class SavedSearchHit(db.Model):
    """A new post that matched a saved search: recorded once, mailed once (``sent_at``)."""

    __tablename__ = "saved_search_hit"
    __table_args__ = (UniqueConstraint("saved_search_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_search.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    saved_search: Mapped[SavedSearch] = relationship()
