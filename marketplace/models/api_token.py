"""Personal API tokens: a person's key to the JSON API, shown once and stored hashed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import db_enum
from .types import UTCDateTime, utcnow
from .user import User


class TokenScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"  # read and write


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[TokenScope] = mapped_column(db_enum(TokenScope, "token_scope"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex sha256 of the secret
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's first characters, shown in lists
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scope.value}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str | TokenScope) -> bool:
        """A write token also reads; a read token only reads."""
        return TokenScope(scope) == TokenScope.READ or self.scope == TokenScope.WRITE
