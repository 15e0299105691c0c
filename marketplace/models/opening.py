"""The open-businesses directory: a company says it is open, how (hours, services) and until when."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .company import Company
    from .user import User

# the services a company may offer, in display order (the column names of ``CompanyOpening``)
SERVICES = ("click_and_collect", "delivery", "appointments", "phone_orders")


class CompanyOpening(db.Model):
    """One row per company. ``is_open`` False: the company withdrew its entry (the row, and any moderator's hide,
    stay). An entry is listed while open, not hidden, its company not suspended, and ``valid_until`` not past."""

    __tablename__ = "company_opening"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), unique=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    hours: Mapped[str] = mapped_column(String(300), default="")
    click_and_collect: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    appointments: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(280), default="")
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    def __repr__(self) -> str:
        return f"<CompanyOpening {self.id} company={self.company_id} until={self.valid_until}>"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def services(self) -> list[str]:
        return [name for name in SERVICES if getattr(self, name)]
