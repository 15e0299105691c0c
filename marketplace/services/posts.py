"""Offers and needs: creation, edition, the lifecycle and what the public may see.

draft → pending → published → closed | expired | rejected (DESIGN.md). With ``POST_MODERATION = "pre"``
a submitted post waits for a moderator; with ``"post"`` it is published at once and reviewed afterwards
(``moderated_at`` stays empty until a moderator has seen it)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from .. import permissions
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..models import Category, CloseReason, Company, Post, PostKind, PostStatus, User
from ..models.types import utcnow
from . import audit, geo, notifications, tokens

RENEW = "renew-post"
SIGNIFICANT_FIELDS = ("kind", "category", "title", "description")
AUDITED_FIELDS = (*SIGNIFICANT_FIELDS, "quantity", "unit", "radius_km", "available_from", "available_until",
                  "is_free", "postcode", "city")  # what the audit log names when the CCI edits a post
TITLE_MAX, DESCRIPTION_MAX, UNIT_MAX = 150, 5000, 40
QUANTITY_MAX = 1e9
RADIUS_MIN, RADIUS_MAX = 1, 1000


class InvalidPost(DomainError):
    """A field of a post is not acceptable; ``field`` names it for the form."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


class InvalidTransition(DomainError):
    pass


@dataclass
class PostData:
    """What a person types about a post, before it is checked."""

    kind: str
    category: str
    title: str
    description: str
    quantity: float | None = None
    unit: str | None = None
    postcode: str | None = None  # empty: the company's location
    city: str | None = None
    radius_km: int | None = None
    available_from: date | None = None
    available_until: date | None = None
    is_free: bool | None = None


# --------------------------------------------------------------------------- validation


def clean(data: PostData) -> PostData:
    """A checked copy of the data, or InvalidPost naming the first bad field."""
    kind = _member(PostKind, data.kind, "kind", _l("Choose whether this is an offer or a need."))
    category = _member(Category, data.category, "category", _l("Choose a category."))
    return PostData(
        kind=kind, category=category,
        title=_text(data.title, "title", TITLE_MAX, _l("Give the post a title.")),
        description=_text(data.description, "description", DESCRIPTION_MAX, _l("Describe what you offer or need.")),
        quantity=_quantity(data.quantity),
        unit=_optional_text(data.unit, "unit", UNIT_MAX),
        postcode=(data.postcode or "").strip() or None, city=(data.city or "").strip() or None,
        radius_km=_radius(kind, data.radius_km),
        available_from=data.available_from, available_until=_until(data.available_from, data.available_until),
        is_free=data.is_free,
    )


def _member(enum_cls, value, field: str, message):
    try:
        return enum_cls(value)
    except ValueError as exc:
        raise InvalidPost(message, field) from exc


def _text(value: str | None, field: str, max_length: int, missing_message) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidPost(missing_message, field)
    if len(cleaned) > max_length:
        raise InvalidPost(_l("%(max)d characters at most.", max=max_length), field)
    return cleaned


def _optional_text(value: str | None, field: str, max_length: int) -> str | None:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > max_length:
        raise InvalidPost(_l("%(max)d characters at most.", max=max_length), field)
    return cleaned or None


def _quantity(value: float | None, field: str = "quantity") -> float | None:
    if value is None:
        return None
    if value != value or value < 0 or value > QUANTITY_MAX:  # NaN, negative, absurd
        raise InvalidPost(_l("The quantity must be a positive number."), field)
    return float(value)


def _radius(kind: PostKind, value: int | None) -> int | None:
    if kind is PostKind.OFFER or value is None:
        return None
    if not RADIUS_MIN <= value <= RADIUS_MAX:
        raise InvalidPost(_l("The radius must be between %(min)d and %(max)d km.", min=RADIUS_MIN, max=RADIUS_MAX),
                          "radius_km")
    return int(value)


def _until(start: date | None, end: date | None) -> date | None:
    if start and end and end < start:
        raise InvalidPost(_l("The end date must come after the start date."), "available_until")
    return end


# --------------------------------------------------------------------------- creation and edition


def create_post(author: User, company: Company, data: PostData, *, submit: bool = True,
                entered_by_cci: bool = False, consent_note: str | None = None) -> Post:
    """A new post of ``company``; submitted to moderation unless kept as a draft.

    A post entered by the CCI (advisor intake) is published at once, its consent recorded."""
    _ensure_can_post(author, company, entered_by_cci)
    post = Post(company=company, author=author, status=PostStatus.DRAFT, entered_by_cci=entered_by_cci,
                consent_note=consent_note)
    _apply(post, clean(data))
    db.session.add(post)
    db.session.flush()
    if entered_by_cci:
        _publish(post, moderator=author)
        audit.record(author, "post.intake", post, consent=consent_note, company=company.id)
    elif submit:
        submit_post(author, post)
    return post


def _ensure_can_post(author: User, company: Company, entered_by_cci: bool) -> None:
    if company.is_suspended:
        raise Forbidden(_l("This company is suspended: it cannot publish for now. Contact your CCI."))
    allowed = permissions.covers_departement(author, company.departement) if entered_by_cci \
        else permissions.can_act_for_company(author, company)
    if not allowed:
        raise Forbidden(_l("You cannot post for this company."))


def update_post(actor: User, post: Post, data: PostData) -> Post:
    """Edit a post; changing what it is about sends a published post back to moderation."""
    _ensure_can_edit(actor, post)
    cleaned = clean(data)
    significant = any(getattr(post, name) != getattr(cleaned, name) for name in SIGNIFICANT_FIELDS)
    before = {name: getattr(post, name) for name in AUDITED_FIELDS}
    _apply(post, cleaned)
    audit_staff_action(actor, "post.edit", post,
                       fields=[name for name, old in before.items() if getattr(post, name) != old])
    # an expired post comes back online with one click ("renew"): what it is about must be checked again too
    if significant and post.status in (PostStatus.PUBLISHED, PostStatus.EXPIRED) \
            and not permissions.is_moderator(actor):
        post.moderated_at = None
        if pre_moderation():
            post.status = PostStatus.PENDING
            post.submitted_at = utcnow()
    return post


def ensure_can_edit(actor: User, post: Post) -> None:
    """Forbidden unless ``actor`` may edit the post; InvalidTransition once it is closed (photos use it too)."""
    if not permissions.can_edit_post(actor, post):
        raise Forbidden(_l("You cannot change this post."))
    if post.status in (PostStatus.CLOSED,):
        raise InvalidTransition(_l("A closed post cannot be changed."))


_ensure_can_edit = ensure_can_edit


def audit_staff_action(actor: User | None, action: str, target, reason: str | None = None, **details) -> None:
    """The audit entry of a change the CCI staff makes to a company's post (its own members' are not logged)."""
    company = target.company if isinstance(target, Post) else target
    if actor is not None and not permissions.can_act_for_company(actor, company):
        audit.record(actor, action, target, reason=reason, **details)


def _apply(post: Post, data: PostData) -> None:
    for name in ("kind", "category", "title", "description", "quantity", "unit", "radius_km",
                 "available_from", "available_until", "is_free"):
        setattr(post, name, getattr(data, name))
    _locate(post, data.postcode, data.city)


def _locate(post: Post, postcode: str | None, city: str | None) -> None:
    """Another postcode when given, else the company's own location."""
    location = geo.find_commune(postcode, city).location() if postcode else geo.location_of(post.company)
    geo.locate(post, location)


# --------------------------------------------------------------------------- lifecycle


def pre_moderation() -> bool:
    """Whether a post waits for a moderator before it is published (``POST_MODERATION``, "pre" or "post")."""
    return current_app.config["POST_MODERATION"] != "post"


def submit_post(actor: User, post: Post) -> Post:
    """draft (or rejected, once corrected) → pending, or published at once under post-moderation."""
    _ensure_can_edit(actor, post)
    if post.status not in (PostStatus.DRAFT, PostStatus.REJECTED):
        raise InvalidTransition(_l("Only a draft or a rejected post can be submitted."))
    if post.company.is_suspended:
        raise Forbidden(_l("This company is suspended: it cannot publish for now. Contact your CCI."))
    audit_staff_action(actor, "post.submit", post)
    post.submitted_at = utcnow()
    post.rejection_reason = None
    post.moderated_by, post.moderated_at = None, None  # a new submission: not reviewed yet (e.g. after a rejection)
    if pre_moderation():
        post.status = PostStatus.PENDING
    else:
        _publish(post, moderator=None)
    return post


def _publish(post: Post, moderator: User | None) -> None:
    now = utcnow()
    post.status = PostStatus.PUBLISHED
    post.published_at = post.published_at or now
    post.renewed_at = now
    post.reminder_sent_at = None
    if moderator is not None:
        post.moderated_by, post.moderated_at = moderator, now


def approve(moderator: User, post: Post) -> Post:
    """A moderator accepts a pending post (or, under post-moderation, confirms a published one)."""
    _ensure_moderates(moderator, post)
    was_pending = post.status is PostStatus.PENDING
    if was_pending:
        _publish(post, moderator)
    elif post.status is PostStatus.PUBLISHED and post.moderated_at is None:
        post.moderated_by, post.moderated_at = moderator, utcnow()
    else:
        raise InvalidTransition(_l("This post is not waiting for moderation."))
    audit.record(moderator, "post.approve", post)
    if was_pending:  # reviewing a post already online (post-moderation) is no news for its owner
        notifications.notify_company(post.company, _l("Your post “%(title)s” is published.", title=post.title),
                                     link=_post_link(post), mail_template="post_approved",
                                     mail_subject=_l("Your post is published"), kind="post_published", post=post)
    return post


def reject(moderator: User, post: Post, reason: str) -> Post:
    _ensure_moderates(moderator, post)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidPost(_l("Give the reason for the rejection: the company will read it."), "reason")
    if post.status not in (PostStatus.PENDING, PostStatus.PUBLISHED):
        raise InvalidTransition(_l("This post is not waiting for moderation."))
    post.status, post.rejection_reason = PostStatus.REJECTED, reason[:2000]
    post.moderated_by, post.moderated_at = moderator, utcnow()
    audit.record(moderator, "post.reject", post, reason=reason)
    notifications.notify_company(post.company, _l("Your post “%(title)s” was not accepted: %(reason)s",
                                                  title=post.title, reason=reason),
                                 link=_post_link(post), mail_template="post_rejected",
                                 mail_subject=_l("Your post was not accepted"), kind="post_rejected", post=post,
                                 reason=reason)
    return post


def _ensure_moderates(moderator: User, post: Post) -> None:
    if not permissions.can_moderate_post(moderator, post):
        raise Forbidden(_l("This post is outside your territory."))


def close_post(actor: User, post: Post, reason: str, exchanged_quantity: float | None = None) -> Post:
    """Closed as fulfilled (with the quantity actually exchanged) or withdrawn."""
    _ensure_can_edit(actor, post)
    close_reason = _member(CloseReason, reason, "reason", _l("Say whether the post was fulfilled or withdrawn."))
    if post.status not in (PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.EXPIRED, PostStatus.DRAFT):
        raise InvalidTransition(_l("This post cannot be closed."))
    if close_reason is CloseReason.FULFILLED:
        post.exchanged_quantity = _quantity(exchanged_quantity, "exchanged_quantity")
    post.status, post.close_reason, post.closed_at = PostStatus.CLOSED, close_reason, utcnow()
    audit_staff_action(actor, "post.close", post, reason=close_reason.value)
    return post


def renew_post(actor: User | None, post: Post) -> Post:
    """Keep a post for another ``POST_MAX_AGE_DAYS``; an expired one comes back if its end date allows."""
    if actor is not None:
        _ensure_can_edit(actor, post)
    if post.status not in (PostStatus.PUBLISHED, PostStatus.EXPIRED):
        raise InvalidTransition(_l("Only a published or expired post can be renewed."))
    if post.available_until and post.available_until < today():
        raise InvalidTransition(_l("The end date of this post has passed: change it to renew the post."))
    post.status, post.renewed_at, post.reminder_sent_at = PostStatus.PUBLISHED, utcnow(), None
    audit_staff_action(actor, "post.renew", post)
    return post


def delete_post(actor: User, post: Post) -> list[str]:
    """Delete the post; returns the photo files to remove once the deletion is committed."""
    if not permissions.can_edit_post(actor, post):
        raise Forbidden(_l("You cannot delete this post."))
    filenames = [photo.filename for photo in post.photos]
    audit_staff_action(actor, "post.delete", post.company, post=post.id, title=post.title)  # the post itself goes
    db.session.delete(post)
    db.session.flush()
    return filenames


# --------------------------------------------------------------------------- expiry


def today() -> date:
    return utcnow().date()


def max_age() -> timedelta:
    return timedelta(days=current_app.config["POST_MAX_AGE_DAYS"])


def expiry_date(post: Post) -> date | None:
    """The day after which the post is no longer shown: its end date, or its age limit."""
    by_age = (post.renewed_at + max_age()).date() if post.renewed_at else None
    candidates = [d for d in (post.available_until, by_age) if d is not None]
    return min(candidates) if candidates else None


def visible_condition(now: datetime | None = None):
    """SQL condition of what the public sees: published, not past its end date nor its age limit, company
    not suspended. Reads apply it, so an expired post disappears before the sweep marks it."""
    now = now or utcnow()
    return sa.and_(
        Post.status == PostStatus.PUBLISHED,
        sa.or_(Post.available_until.is_(None), Post.available_until >= now.date()),
        Post.renewed_at >= now - max_age(),
        Post.company.has(Company.suspended_at.is_(None)),
    )


def is_visible(post: Post, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if post.status is not PostStatus.PUBLISHED or post.company.is_suspended:
        return False
    if post.available_until and post.available_until < now.date():
        return False
    return post.renewed_at is not None and post.renewed_at >= now - max_age()


def expire_posts(now: datetime | None = None) -> int:
    """Mark as expired the published posts past their end date or age limit (the cron sweep)."""
    now = now or utcnow()
    stale = sa.and_(Post.status == PostStatus.PUBLISHED, sa.or_(
        Post.available_until < now.date(), Post.renewed_at < now - max_age()))
    posts = db.session.scalars(sa.select(Post).where(stale)).all()
    for post in posts:
        post.status = PostStatus.EXPIRED
    return len(posts)


def send_renewal_reminders(now: datetime | None = None) -> int:
    """Mail the owners of the posts that expire within ``POST_REMINDER_DAYS`` days, once per renewal."""
    now = now or utcnow()
    horizon = now + timedelta(days=current_app.config["POST_REMINDER_DAYS"])
    due = sa.and_(visible_condition(now), Post.reminder_sent_at.is_(None), sa.or_(
        Post.available_until <= horizon.date(), Post.renewed_at <= horizon - max_age()))
    posts = db.session.scalars(sa.select(Post).where(due)).all()
    for post in posts:
        _remind(post)
        post.reminder_sent_at = now
    return len(posts)


def _remind(post: Post) -> None:
    link = url_for("posts.renew_from_mail", token=tokens.make_token(RENEW, {"post": post.id}), _external=True)
    notifications.notify_company(post.company, _l("Your post “%(title)s” expires on %(date)s.", title=post.title,
                                                  date=format_date(expiry_date(post), "long")),
                                 link=_post_link(post), mail_template="post_expiring",
                                 mail_subject=_l("Your post expires soon"), kind="post_expiring", post=post,
                                 renew_link=link,
                                 expires_on=expiry_date(post))


def renew_from_token(token: str) -> Post:
    """One click from the reminder mail: the signed link is the authorization."""
    payload = tokens.read_token(RENEW, token, current_app.config["POST_RENEW_LINK_MAX_AGE"])
    post_id = payload.get("post") if isinstance(payload, dict) else None
    post = db.session.get(Post, post_id) if isinstance(post_id, int) else None
    if post is None:
        raise tokens.InvalidToken(_l("This link is invalid or has already been used."))
    return renew_post(None, post)


def _post_link(post: Post) -> str:
    return url_for("posts.detail", post_id=post.id)


# --------------------------------------------------------------------------- reading


def allowed_actions(post: Post) -> frozenset[str]:
    """The lifecycle actions that make sense for the post as it is now, to offer them in pages (the functions
    above still check): "edit", "submit", "close", "renew", "delete"."""
    status = post.status
    actions = {"delete"}
    if status is not PostStatus.CLOSED:
        actions.add("edit")
    if status in (PostStatus.DRAFT, PostStatus.REJECTED):
        actions.add("submit")
    if status in (PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.EXPIRED, PostStatus.DRAFT):
        actions.add("close")
    if status in (PostStatus.PUBLISHED, PostStatus.EXPIRED) and not (
            post.available_until and post.available_until < today()):
        actions.add("renew")
    return frozenset(actions)


def company_listing(company: Company, status: PostStatus | None = None) -> tuple[sa.Select, sa.Select]:
    """(count statement, items statement) of all the company's posts, or those of one status, last changed
    first (for ``paging.page_of``)."""
    conditions = [Post.company_id == company.id]
    if status is not None:
        conditions.append(Post.status == status)
    return (sa.select(sa.func.count(Post.id)).where(*conditions),
            sa.select(Post).where(*conditions).order_by(Post.updated_at.desc(), Post.id.desc()))


def status_counts(company: Company) -> dict[PostStatus, int]:
    rows = db.session.execute(sa.select(Post.status, sa.func.count(Post.id))
                              .where(Post.company_id == company.id).group_by(Post.status))
    counts = {status: 0 for status in PostStatus}
    counts.update({status: count for status, count in rows})
    return counts


def data_of(post: Post) -> PostData:
    """The editable fields of a post, e.g. to fill its form."""
    values = {f.name: getattr(post, f.name, None) for f in fields(PostData)}
    values["kind"], values["category"] = post.kind.value, post.category.value
    return PostData(**values)
