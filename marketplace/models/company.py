from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Float, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import db_enum
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User


class CompanySizeBand(enum.StrEnum):
    """Headcount bands close to INSEE's (labels in ``services.company_sizes``); unknown is NULL."""

    NONE = "0"  # no employee
    MICRO = "1-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    LARGE = "250+"


class Company(db.Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    siren: Mapped[str] = mapped_column(String(9), index=True)
    naf_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(250))
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    insee_code: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    departement: Mapped[str] = mapped_column(String(3), index=True)
    region: Mapped[str] = mapped_column(String(2), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))  # e.g. taken by phone, or imported
    size_band: Mapped[CompanySizeBand | None] = mapped_column(db_enum(CompanySizeBand, "company_size_band"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="company", order_by="User.id")

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.siret}>"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def active_members(self) -> list[User]:
        return [m for m in self.members if m.is_active_member]

    @property
    def pending_members(self) -> list[User]:
        return [m for m in self.members if m.is_pending_member]

    @property
    def contact_emails(self) -> list[str]:
        """Where to write to the company: its contact address first, then its active members' (no repeats)."""
        emails = [self.contact_email] if self.contact_email else []
        return emails + [m.email for m in self.active_members if m.email not in emails]

    @classmethod
    def by_siren(cls, siren: str) -> Company | None:
        """The company of a SIREN: the first one registered if several establishments are."""
        return db.session.scalar(select(cls).where(cls.siren == siren).order_by(cls.id).limit(1))

    @classmethod
    def count(cls) -> int:
        return db.session.scalar(select(func.count(cls.id))) or 0
