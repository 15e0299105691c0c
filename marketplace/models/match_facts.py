"""What the matching engine read in a post, kept with the post (derived data, like the search index).

``marketplace.matching.facts.read_post`` analyses a post's text (terms, thesaurus phrases, towns, amounts,
conditions) in about half a millisecond; judging a post's fifty candidates at query time would read fifty posts.
So each post's reading is stored once, when the post is indexed or changed, and the candidates' readings are read
back in one query. A row is valid for one ``updated_at`` of its post and one analysis ``version`` (the format of
the reading and a digest of the thesaurus); a stale or missing row is recomputed and rewritten by the engine.
Deleting the post deletes its row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class MatchFacts(db.Model):
    __tablename__ = "match_facts"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    post_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the post's updated_at it was read from
    version: Mapped[str] = mapped_column(String(40))  # marketplace.matching.codec.version_of
    data: Mapped[bytes] = mapped_column(LargeBinary)  # marketplace.matching.codec.dump: compressed JSON

    def __repr__(self) -> str:
        return f"<MatchFacts post={self.post_id} version={self.version[:8]}>"
