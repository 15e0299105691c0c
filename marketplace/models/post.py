from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import db_enum
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .company import Company
    from .user import User


class PostKind(enum.StrEnum):
    OFFER = "offer"
    NEED = "need"


class Category(enum.StrEnum):
    """The ten stable category codes (labels are translated in ``services.categories``)."""

    STORAGE = "storage"
    PREMISES = "premises"
    RAW_MATERIALS = "raw_materials"
    SUPPLIES = "supplies"
    EQUIPMENT = "equipment"
    TRANSPORT = "transport"
    STAFF = "staff"
    PRODUCTION = "production"
    SERVICES = "services"
    SURPLUS_GOODS = "surplus_goods"


class PostStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    CLOSED = "closed"
    EXPIRED = "expired"
    REJECTED = "rejected"


class CloseReason(enum.StrEnum):
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"


class Post(db.Model):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_positive"),
        CheckConstraint("radius_km IS NULL OR (radius_km >= 1 AND radius_km <= 1000)", name="radius_range"),
        CheckConstraint("available_until IS NULL OR available_from IS NULL OR available_until >= available_from",
                        name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[PostKind] = mapped_column(db_enum(PostKind, "post_kind"))
    category: Mapped[Category] = mapped_column(db_enum(Category, "category"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(120))
    insee_code: Mapped[str] = mapped_column(String(5))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    departement: Mapped[str] = mapped_column(String(3), index=True)
    region: Mapped[str] = mapped_column(String(2), index=True)
    radius_km: Mapped[int | None] = mapped_column(Integer)
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    is_free: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[PostStatus] = mapped_column(db_enum(PostStatus, "post_status"), default=PostStatus.DRAFT,
                                               index=True)
    close_reason: Mapped[CloseReason | None] = mapped_column(db_enum(CloseReason, "close_reason"))
    exchanged_quantity: Mapped[float | None] = mapped_column(Float)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    entered_by_cci: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_note: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])
    photos: Mapped[list[PostPhoto]] = relationship(back_populates="post", cascade="all, delete-orphan",
                                                   order_by="PostPhoto.position")

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.kind.value} {self.status.value}>"


class PostPhoto(db.Model):
    """An image of a post, re-encoded by Pillow and stored in the instance folder."""

    __tablename__ = "post_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(back_populates="photos")


class MailDelivery(enum.StrEnum):
    """What became of the mail of a notification (the record moderators read)."""

    NONE = "none"  # the notification has no mail
    SENT = "sent"  # sent at once
    DIGEST = "digest"  # waiting for the person's daily digest
    DIGESTED = "digested"  # sent in a daily digest
    CAPPED = "capped"  # over the day's cap of mails: waits for the next digest
    OFF = "off"  # the person turned mails off


class Notification(db.Model):
    """A message for a person in the app (the same news usually goes by mail too), and what became of its mail."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str | None] = mapped_column(String(40))  # e.g. "match_approved"
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="SET NULL"), index=True)
    mail: Mapped[MailDelivery] = mapped_column(db_enum(MailDelivery, "mail_delivery"), default=MailDelivery.NONE,
                                               server_default=MailDelivery.NONE.value)
    mail_subject: Mapped[str | None] = mapped_column(Text)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
