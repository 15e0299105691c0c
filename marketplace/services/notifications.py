"""Telling people what happened: a notification in the app and a mail, in the recipient's language.

Every notification is a row, and the row says what became of its mail (``Notification.mail``), so that a moderator
can see who was told what and when (``record_page``, the page ``moderation.notifications``).

The mail of a notification follows the recipient's choice (``User.notification_frequency``):

- ``instant``: sent at once (after the commit), unless the person already received ``NOTIFY_MAIL_DAILY_CAP``
  notification mails in the last 24 hours: then it is ``capped`` and waits for the next daily digest;
- ``daily``: it waits (``digest``) for the daily digest, one mail listing them all (``send_digests``, run by
  ``flask notifications digest`` from cron);
- ``none``: no mail (``off``); the notification is still in the app.

No kind of notification bypasses "none": what a person must receive whatever their choice is not a notification
(password reset, e-mail confirmation are mailed directly by ``services.accounts``), and the notification centre
always shows everything. Saved-search alerts have their own frequency (``services.saved_searches``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db
from ..models import Company, MailDelivery, Notification, NotificationFrequency, User
from ..models.types import utcnow
from . import mail

if TYPE_CHECKING:
    from .paging import Page

CAP_WINDOW = timedelta(hours=24)
# a person gets at most one digest in this time, however often the command runs (a second run the same day, a
# catch-up run after a missed one); what arrives in between waits for the next one
DIGEST_MIN_INTERVAL = timedelta(hours=20)
DIGEST_MAX_ITEMS = 50  # listed in one digest mail; the rest are counted, behind the link to the notification centre
WAITING = (MailDelivery.DIGEST, MailDelivery.CAPPED)
_CHUNK = 500

# The kinds of notification the code sends, for the moderators' record (unknown kinds are shown as they are).
KIND_LABELS = {
    "match_approved": _l("Match approved"),
    "match_introduced": _l("Introduction made"),
    "match_refused": _l("Introduction declined"),
    "match_rejected": _l("Match rejected"),
    "match_message": _l("Message between companies"),
    "match_outcome_reminder": _l("Outcome reminder"),
    "outcome_reported": _l("Outcome reported"),
    "match_requested": _l("Introduction requested"),
    "post_published": _l("Post published"),
    "post_rejected": _l("Post rejected"),
    "post_expiring": _l("Post expiring"),
    "member_request": _l("Membership request"),
    "company_suspended": _l("Company suspended"),
    "company_suspension_lifted": _l("Suspension lifted"),
}

MAIL_LABELS = {
    MailDelivery.NONE: _l("no mail"),
    MailDelivery.SENT: _l("mailed"),
    MailDelivery.DIGEST: _l("waiting for the daily digest"),
    MailDelivery.DIGESTED: _l("sent in a daily digest"),
    MailDelivery.CAPPED: _l("over the daily cap, waiting for the digest"),
    MailDelivery.OFF: _l("mails turned off by the person"),
}

FREQUENCY_LABELS = {
    NotificationFrequency.INSTANT: _l("At once"),
    NotificationFrequency.DAILY: _l("One daily digest"),
    NotificationFrequency.NONE: _l("No mail"),
}


def frequency_help(cap: int | None) -> dict[str, str]:
    """What each choice means, for the preferences page (in the current language)."""
    if cap is None:
        instant = _l("A mail for each notification, as it happens.")
    else:
        instant = _l("A mail for each notification, as it happens (at most %(cap)d a day: beyond that, the rest "
                     "comes in one mail the next day).", cap=cap)
    return {
        NotificationFrequency.INSTANT.value: str(instant),
        NotificationFrequency.DAILY.value: str(_l("One mail a day listing the notifications of the day, if there "
                                                  "are any.")),
        NotificationFrequency.NONE.value: str(_l("No mail: you see your notifications in the notification centre "
                                                 "of the site.")),
    }


def kind_label(kind: str | None) -> str:
    if not kind:
        return str(_l("Other"))
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def mail_label(delivery: MailDelivery | str | None) -> str:
    try:
        return str(MAIL_LABELS[MailDelivery(delivery or MailDelivery.NONE)])
    except ValueError:
        return str(delivery)


# --------------------------------------------------------------------------- sending


def notify(user: User, message, link: str | None = None, mail_template: str | None = None,
           mail_subject=None, kind: str | None = None, match_id: int | None = None, **context) -> Notification:
    """``message`` and ``mail_subject`` are lazy strings, rendered in the recipient's language; ``kind`` names the
    event (e.g. "match_approved") and ``match_id`` the match it is about, for the record moderators read.

    With a ``mail_template`` the mail follows the recipient's preference and the daily cap (see the module)."""
    with force_locale(user.locale):
        text = str(message)
        subject = str(mail_subject or message) if mail_template else None
    notification = Notification(user_id=user.id, message=text, link=link, kind=kind, match_id=match_id,
                                mail=MailDelivery.NONE)
    if mail_template:
        notification.mail_subject = subject
        notification.mail = mail_delivery(user)
        if notification.mail is MailDelivery.SENT:
            notification.mailed_at = utcnow()
            mail.send_after_commit(user.email, subject, mail_template, locale=user.locale,
                                   user=user, message=text, link=link, **context)
    db.session.add(notification)
    return notification


def notify_company(company: Company, message, link: str | None = None, mail_template: str | None = None,
                   mail_subject=None, kind: str | None = None, match_id: int | None = None,
                   **context) -> list[Notification]:
    return [notify(member, message, link, mail_template, mail_subject, kind=kind, match_id=match_id,
                   company=company, **context)
            for member in company.active_members]


def mail_delivery(user: User, now: datetime | None = None) -> MailDelivery:
    """What to do now with the mail of a new notification for ``user``."""
    frequency = NotificationFrequency(user.notification_frequency or NotificationFrequency.INSTANT)
    if frequency is NotificationFrequency.NONE:
        return MailDelivery.OFF
    if frequency is NotificationFrequency.DAILY:
        return MailDelivery.DIGEST
    cap = current_app.config.get("NOTIFY_MAIL_DAILY_CAP")
    if cap is not None and mails_sent(user, (now or utcnow()) - CAP_WINDOW) >= int(cap):
        return MailDelivery.CAPPED
    return MailDelivery.SENT


def mails_sent(user: User, since: datetime) -> int:
    """Notification mails sent to ``user`` since then, counting those of this transaction not flushed yet."""
    with db.session.no_autoflush:  # never flush a caller's half-built objects from here
        stored = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.mail == MailDelivery.SENT,
                Notification.mailed_at >= since)) or 0
    pending = sum(1 for obj in db.session.new
                  if isinstance(obj, Notification) and obj.user_id == user.id and obj.mail is MailDelivery.SENT)
    return stored + pending


# --------------------------------------------------------------------------- the daily digest


def send_digests(now: datetime | None = None, min_interval: timedelta = DIGEST_MIN_INTERVAL) -> int:
    """One mail per person listing their notifications waiting for a digest (daily choice, or over the cap);
    returns the number of mails.

    Marks them ``digested`` (``mailed_at`` = now) and sets ``user.digest_sent_at``. Idempotent: what was listed is
    never listed again, and a person gets at most one digest per ``min_interval``. Someone who has since turned
    mails off gets none (their waiting notifications become ``off``). Flushes; the caller commits (the mails
    leave then). Links are built like those of the saved-search alerts (request, SERVER_NAME, BASE_URL)."""
    from .saved_searches import NoSiteAddress, site_links  # (saved_searches imports posts, which imports us)

    now = now or utcnow()
    waiting = list(db.session.scalars(
        sa.select(Notification).where(Notification.mail.in_(WAITING))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
        .with_for_update(skip_locked=True)))  # PostgreSQL: two runs at once never list the same ones
    if not waiting:
        return 0
    by_user: dict[int, list[Notification]] = {}
    for item in waiting:
        by_user.setdefault(item.user_id, []).append(item)
    users = _users(by_user)
    try:
        links = site_links()
    except NoSiteAddress:
        current_app.logger.error("Notification digests not sent: set SERVER_NAME or BASE_URL "
                                 "(MARKETPLACE_BASE_URL) for the links")
        return 0
    sent = 0
    with links:
        for user_id, items in by_user.items():
            user = users[user_id]
            if user.notification_frequency == NotificationFrequency.NONE:
                for item in items:
                    item.mail = MailDelivery.OFF
                continue
            if user.digest_sent_at is not None and user.digest_sent_at > now - min_interval:
                continue  # already had one recently: these wait for the next
            _mail_digest(user, items)
            for item in items:
                item.mail = MailDelivery.DIGESTED
                item.mailed_at = now
            user.digest_sent_at = now
            sent += 1
    db.session.flush()
    return sent


def _users(by_user: dict[int, list]) -> dict[int, User]:
    ids = list(by_user)
    found: dict[int, User] = {}
    for start in range(0, len(ids), _CHUNK):
        found.update((user.id, user) for user in db.session.scalars(
            sa.select(User).where(User.id.in_(ids[start:start + _CHUNK]))))
    return found


def _mail_digest(user: User, items: list[Notification]) -> None:
    root = url_for("main.index", _external=True)
    listed = [{"message": item.message, "created_at": item.created_at,
               "url": urljoin(root, item.link) if is_internal_link(item.link) else None}
              for item in items[:DIGEST_MAX_ITEMS]]
    with force_locale(user.locale):
        subject = ngettext("Your notification of the day", "Your %(num)d notifications of the day", len(items))
    mail.send_after_commit(user.email, subject, "notifications_digest", locale=user.locale, user=user,
                           items=listed, total=len(items), more=max(0, len(items) - DIGEST_MAX_ITEMS),
                           centre_url=url_for("account.notifications", _external=True),
                           settings_url=url_for("account.notification_settings", _external=True))


def is_internal_link(link: str | None) -> bool:
    """A path of this site ("/posts/12"): no scheme, no host, no protocol-relative or backslash tricks.
    (Usable without a request, unlike ``web.is_safe_next``.)"""
    if not link or "\\" in link or any(ord(c) < 32 for c in link):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and link.startswith("/") and not link.startswith("//")


# --------------------------------------------------------------------------- preferences


def set_frequency(user: User, value) -> NotificationFrequency:
    """Change how ``user`` wants the mails of their notifications; a value not offered changes nothing.

    Notifications already waiting for a digest keep waiting (and are dropped by the digest if mails are now off)."""
    try:
        frequency = NotificationFrequency(value)
    except ValueError:
        raise DomainError(_l("Choose one of the options offered: at once, one daily digest, or no mail.")) from None
    user.notification_frequency = frequency
    db.session.flush()
    return frequency


# --------------------------------------------------------------------------- the notification centre


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


# --------------------------------------------------------------------------- the record moderators read


@dataclass(frozen=True)
class RecordFilters:
    company_id: int | None = None
    match_id: int | None = None
    user_id: int | None = None


class RecordRow(NamedTuple):
    """One line of the record: the notification, its recipient and the recipient's company (None for staff)."""

    notification: Notification
    user: User | None
    company: Company | None


def record_conditions(moderator: User, filters: RecordFilters = RecordFilters()) -> list:
    """The notifications of the people of the moderator's territory (their company's département; an
    administrator without territory: everyone, staff included), filtered. For a statement joining
    ``record_joins``."""
    from .moderation import territory_condition  # (moderation imports us)

    conditions = [territory_condition(moderator)]
    if filters.company_id is not None:
        conditions.append(User.company_id == filters.company_id)
    if filters.match_id is not None:
        conditions.append(Notification.match_id == filters.match_id)
    if filters.user_id is not None:
        conditions.append(Notification.user_id == filters.user_id)
    return conditions


def record_joins(statement: sa.Select) -> sa.Select:
    return (statement.join(User, Notification.user_id == User.id)
            .outerjoin(Company, User.company_id == Company.id))


def record_page(moderator: User, filters: RecordFilters, requested: int | None,
                per_page: int) -> tuple[Page, list[RecordRow]]:
    """A page of the record, newest first, and its rows (recipient and company loaded): three queries."""
    from .paging import page_of  # (paging imports catalogue, which imports posts, which imports us)

    conditions = record_conditions(moderator, filters)
    count = record_joins(sa.select(sa.func.count(Notification.id))).where(*conditions)
    items = (record_joins(sa.select(Notification)).where(*conditions)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = page_of(count, items, requested, per_page)
    return page, record_rows(page.items)


def record_rows(notifications: Iterable[Notification]) -> list[RecordRow]:
    """The rows of ``templates/moderation/_notifications_table.html`` for these notifications: one query loads
    every recipient with their company."""
    notifications = list(notifications)
    ids = sorted({item.user_id for item in notifications})
    users: dict[int, User] = {}
    for start in range(0, len(ids), _CHUNK):
        users.update((user.id, user) for user in db.session.scalars(
            sa.select(User).options(joinedload(User.company)).where(User.id.in_(ids[start:start + _CHUNK]))))
    rows = []
    for item in notifications:
        user = users.get(item.user_id)
        rows.append(RecordRow(item, user, user.company if user is not None else None))
    return rows


def match_record(moderator: User, match_id: int, limit: int = 100) -> list[RecordRow]:
    """Who was told what about one match (newest first, at most ``limit``), within the moderator's territory:
    for a match's page, with the partial ``moderation/_notifications_table.html``. Two queries."""
    items = db.session.scalars(
        record_joins(sa.select(Notification)).where(*record_conditions(moderator, RecordFilters(match_id=match_id)))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return record_rows(items)
