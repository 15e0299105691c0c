"""Telling people what happened: a notification in the app and a mail, in the recipient's language."""

from __future__ import annotations

from flask_babel import force_locale

from ..extensions import db
from ..models import Company, Notification, User
from ..models.types import utcnow
from . import mail


def notify(user: User, message, link: str | None = None, mail_template: str | None = None,
           mail_subject=None, kind: str | None = None, match_id: int | None = None, **context) -> Notification:
    """``message`` and ``mail_subject`` are lazy strings, rendered in the recipient's language; ``kind`` names the
    event (e.g. "match_approved") and ``match_id`` the match it is about, for the record moderators read."""
    with force_locale(user.locale):
        text = str(message)
    notification = Notification(user_id=user.id, message=text, link=link, kind=kind, match_id=match_id)
    db.session.add(notification)
    if mail_template:
        mail.send_after_commit(user.email, mail_subject or message, mail_template, locale=user.locale,
                               user=user, message=text, link=link, **context)
    return notification


def notify_company(company: Company, message, link: str | None = None, mail_template: str | None = None,
                   mail_subject=None, kind: str | None = None, match_id: int | None = None,
                   **context) -> list[Notification]:
    return [notify(member, message, link, mail_template, mail_subject, kind=kind, match_id=match_id,
                   company=company, **context)
            for member in company.active_members]


def unread_count(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count(Notification.id)).where(Notification.user_id == user.id,
                                                        Notification.read_at.is_(None))) or 0


def listing(user: User) -> tuple:
    """(count statement, items statement) of the user's notifications, newest first (for ``paging.page_of``)."""
    mine = Notification.user_id == user.id
    return (db.select(db.func.count(Notification.id)).where(mine),
            db.select(Notification).where(mine).order_by(Notification.created_at.desc(), Notification.id.desc()))


def mark_read(user: User, notification_ids=None) -> int:
    """Mark the user's unread notifications as read (only ``notification_ids`` when given); returns how many."""
    condition = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification_ids is not None:
        if not notification_ids:
            return 0
        condition.append(Notification.id.in_(list(notification_ids)))
    result = db.session.execute(db.update(Notification).where(*condition).values(read_at=utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0
