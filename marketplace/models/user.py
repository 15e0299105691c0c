from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .company import Company
from .enums import db_enum
from .types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"


class NotificationFrequency(enum.StrEnum):
    """How a person wants the mails of their notifications (the notifications are in the app whatever the choice)."""

    INSTANT = "instant"
    DAILY = "daily"
    NONE = "none"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"), default=Role.MEMBER)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    membership: Mapped[MembershipStatus | None] = mapped_column(db_enum(MembershipStatus, "membership"))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    notification_frequency: Mapped[NotificationFrequency] = mapped_column(
        db_enum(NotificationFrequency, "notification_frequency"), default=NotificationFrequency.INSTANT,
        server_default=NotificationFrequency.INSTANT.value)
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company | None] = relationship(back_populates="members")
    territories: Mapped[list[UserTerritory]] = relationship(
        cascade="all, delete-orphan", order_by="UserTerritory.departement"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"

    def get_id(self) -> str:
        """Flask-Login's id carries a version so that a password change logs out other sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_active_member(self) -> bool:
        return self.company_id is not None and self.membership == MembershipStatus.ACTIVE

    @property
    def is_pending_member(self) -> bool:
        return self.company_id is not None and self.membership == MembershipStatus.PENDING

    @property
    def departements(self) -> list[str]:
        return [t.departement for t in self.territories]

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == normalize_email(email)))

    @classmethod
    def count(cls) -> int:
        return db.session.scalar(select(func.count(cls.id))) or 0


class UserTerritory(db.Model):
    """A département a moderator or administrator is in charge of."""

    __tablename__ = "user_territory"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    departement: Mapped[str] = mapped_column(String(3), primary_key=True)


def normalize_email(email: str) -> str:
    """The form addresses are stored and looked up in: NFC, stripped, lower case."""
    return unicodedata.normalize("NFC", email).strip().lower()
