"""What CCI moderators do beyond one post: the queue, bulk decisions, standard replies, oversight of companies;
and the audit log that administrators browse.

Single decisions on a post (approve, reject) are ``services.posts.approve`` / ``reject``: they check the
territory, write the audit log and tell the company. Everything here flushes, never commits; a refused bulk
decision raises before anything is changed, and the view rolls the transaction back on any DomainError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from babel.lists import format_list
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from .. import permissions
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import AuditLog, Company, Post, PostStatus, User
from ..models.types import utcnow
from . import audit, notifications
from . import posts as post_rules
from .paging import Page, page_of

OTHER_REASON = "other"
REASON_MAX = 2000
REPORT_MAX = 5000
BULK_MAX = 100
HISTORY_LIMIT = 100


# --------------------------------------------------------------------------- standard replies


class StandardReason(NamedTuple):
    code: str
    label: object  # short, for the moderator's select (lazy string)
    text: object  # the sentence the company reads (lazy string)


STANDARD_REASONS = (
    StandardReason("incomplete", _l("Incomplete description"),
                   _l("The description is incomplete: say what you offer or need, how much, where and when.")),
    StandardReason("not_business", _l("Not a business resource"),
                   _l("This post is not about a resource exchanged between businesses.")),
    StandardReason("duplicate", _l("Duplicate post"),
                   _l("This post duplicates another post of your company.")),
    StandardReason("contact_in_text", _l("Contact details in the text"),
                   _l("The text contains contact details: remove them, your CCI puts the companies in touch.")),
    StandardReason("advertising", _l("Commercial advertising rather than mutual aid"),
                   _l("This post is commercial advertising rather than mutual aid between businesses.")),
    StandardReason("outside_territory", _l("Outside the territory"),
                   _l("This post is outside the territory covered by the marketplace.")),
)
_REASONS_BY_CODE = {reason.code: reason for reason in STANDARD_REASONS}


def standard_reasons() -> tuple[StandardReason, ...]:
    return STANDARD_REASONS


def rejection_reason(code: str | None, written: str | None, locale: str | None = None,
                     reasons: dict[str, StandardReason] | None = None) -> str:
    """The reason to store and send: a standard reply (in ``locale``, the reader's), a written one, or the
    standard reply followed by the written details. ``reasons``: the standard replies by code (the posts' ones by
    default). DomainError if there is none or the code is unknown."""
    reasons = _REASONS_BY_CODE if reasons is None else reasons
    code = (code or "").strip()
    written = " ".join((written or "").split())
    if code and code != OTHER_REASON and code not in reasons:
        raise DomainError(_l("Choose one of the standard replies, or “Other reason” and write it."))
    if len(written) > REASON_MAX:
        raise DomainError(_l("The reason is too long: %(max)d characters at most.", max=REASON_MAX))
    standard = reasons.get(code)
    if standard is None:
        if not written:
            raise DomainError(_l("Give the reason for the rejection: choose a standard reply or write one."))
        return written
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(standard.text)
    return f"{text} {written}" if written else text


def reader_locale(post: Post) -> str:
    """The language of the person who wrote the post (a member of its company), else the site's default."""
    author = post.author
    if author is not None and author.company_id == post.company_id and author.locale:
        return author.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# --------------------------------------------------------------------------- the queue


def awaiting_review_condition():
    """Pending posts; under post-moderation also the published posts no moderator has seen yet."""
    pending = Post.status == PostStatus.PENDING
    if post_rules.pre_moderation():
        return pending
    return sa.or_(pending, sa.and_(Post.status == PostStatus.PUBLISHED, Post.moderated_at.is_(None)))


def is_awaiting_review(post: Post) -> bool:
    if post.status is PostStatus.PENDING:
        return True
    return not post_rules.pre_moderation() and post.status is PostStatus.PUBLISHED and post.moderated_at is None


def territory_condition(moderator: User):
    """The companies a moderator acts on (the SQL twin of ``permissions.can_moderate_company``)."""
    if not permissions.is_moderator(moderator):
        return sa.false()
    if permissions.is_admin(moderator) and not moderator.territories:
        return sa.true()
    return Company.departement.in_(moderator.departements)


def queue_page(moderator: User, requested: int | None, per_page: int) -> Page:
    """The posts awaiting review in the moderator's territory, oldest submitted first, with their company.

    Two queries whatever the number of posts: the count and the page (company joined)."""
    conditions = (awaiting_review_condition(), territory_condition(moderator))
    count = sa.select(sa.func.count(Post.id)).join(Post.company).where(*conditions)
    items = (sa.select(Post).join(Post.company).options(contains_eager(Post.company)).where(*conditions)
             .order_by(sa.func.coalesce(Post.submitted_at, Post.created_at), Post.id))
    return page_of(count, items, requested, per_page)


# --------------------------------------------------------------------------- bulk decisions


class BulkRefused(DomainError):
    """The selection cannot be decided as a whole: nothing was changed."""


def bulk_approve(moderator: User, post_ids: list[int]) -> list[Post]:
    """Approve every selected post, or none (the message lists each post that prevents it)."""
    selection = _selection(moderator, post_ids)
    return [post_rules.approve(moderator, post) for post in selection]


def bulk_reject(moderator: User, post_ids: list[int], code: str | None, written: str | None) -> list[Post]:
    """Reject every selected post with the same reason (each in its reader's language), or none."""
    selection = _selection(moderator, post_ids)
    reasons = [rejection_reason(code, written, reader_locale(post)) for post in selection]
    return [post_rules.reject(moderator, post, reason) for post, reason in zip(selection, reasons)]


def _selection(moderator: User, post_ids: list[int]) -> list[Post]:
    ids = list(dict.fromkeys(post_ids or []))
    if not ids:
        raise DomainError(_l("Select at least one post."))
    if len(ids) > BULK_MAX:
        raise DomainError(_l("Select %(max)d posts at most.", max=BULK_MAX))
    found = {post.id: post for post in db.session.scalars(
        sa.select(Post).join(Post.company).options(contains_eager(Post.company)).where(Post.id.in_(ids)))}
    problems = [problem for post_id in ids if (problem := _problem(moderator, post_id, found.get(post_id)))]
    if problems:
        listed = format_list([str(problem) for problem in problems], locale=get_locale() or "fr")
        raise BulkRefused(_l("Nothing was changed: %(problems)s.", problems=listed))
    return [found[post_id] for post_id in ids]


def _problem(moderator: User, post_id: int, post: Post | None):
    if post is None:
        return _l("post #%(id)d does not exist", id=post_id)
    if not permissions.can_moderate_post(moderator, post):
        return _l("post #%(id)d is outside your territory", id=post_id)
    if not is_awaiting_review(post):
        return _l("“%(title)s” (#%(id)d) is not waiting for moderation", title=post.title, id=post_id)
    return None


# --------------------------------------------------------------------------- companies


def company_for(moderator: User, company_id: int) -> Company:
    """The company, if it exists (NotFound) and is in the moderator's territory (Forbidden)."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound(_l("This company does not exist."))
    _ensure_moderates(moderator, company)
    return company


def _ensure_moderates(moderator: User, company: Company) -> None:
    if not permissions.can_moderate_company(moderator, company):
        raise Forbidden(_l("This company is outside your territory."))


def verify_company(moderator: User, company: Company) -> Company:
    _ensure_moderates(moderator, company)
    if company.verified:
        raise DomainError(_l("This company is already verified."))
    company.verified = True
    audit.record(moderator, "company.verify", company)
    return company


def unverify_company(moderator: User, company: Company) -> Company:
    _ensure_moderates(moderator, company)
    if not company.verified:
        raise DomainError(_l("This company is not verified."))
    company.verified = False
    audit.record(moderator, "company.unverify", company)
    return company


def report_company(moderator: User, company: Company, text: str | None) -> AuditLog:
    """A moderator's written report on a company, kept in the audit log and shown on its moderation page."""
    _ensure_moderates(moderator, company)
    text = _required_text(text, REPORT_MAX, _l("Write the report."))
    return audit.record(moderator, "company.report", company, reason=text)


def suspend_company(moderator: User, company: Company, reason: str | None) -> Company:
    """Hide all the company's posts from the public (``posts.visible_condition``) and stop it from posting."""
    _ensure_moderates(moderator, company)
    if company.is_suspended:
        raise DomainError(_l("This company is already suspended."))
    reason = _required_text(reason, REASON_MAX, _l("Give the reason for the suspension: the company will read it."))
    company.suspended_at, company.suspension_reason = utcnow(), reason
    audit.record(moderator, "company.suspend", company, reason=reason)
    notifications.notify_company(
        company, _l("Your company %(name)s has been suspended by the CCI: %(reason)s",
                    name=company.legal_name, reason=reason),
        mail_template="company_suspended", mail_subject=_l("Your company is suspended"), kind="company_suspended",
        reason=reason)
    return company


def lift_suspension(moderator: User, company: Company, note: str | None = None) -> Company:
    _ensure_moderates(moderator, company)
    if not company.is_suspended:
        raise DomainError(_l("This company is not suspended."))
    note = " ".join((note or "").split())[:REASON_MAX] or None
    company.suspended_at, company.suspension_reason = None, None
    audit.record(moderator, "company.lift_suspension", company, reason=note)
    notifications.notify_company(
        company, _l("The suspension of %(name)s has been lifted: its posts are visible again.",
                    name=company.legal_name),
        mail_template="company_suspension_lifted", mail_subject=_l("The suspension of your company is lifted"),
        kind="company_suspension_lifted")
    return company


def _required_text(value: str | None, max_length: int, missing_message) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(missing_message)
    if len(text) > max_length:
        raise DomainError(_l("%(max)d characters at most.", max=max_length))
    return text


@dataclass(frozen=True)
class CompanyFile:
    """What a moderator sees of a company: its posts by status, its reports and its history."""

    company: Company
    posts_by_status: list[tuple[PostStatus, list[Post]]]
    reports: list[AuditLog]
    history: list[AuditLog]

    @property
    def post_titles(self) -> dict[int, str]:
        """The titles of the company's posts by id, for the links of its history."""
        return {post.id: post.title for _, posts in self.posts_by_status for post in posts}


def company_file(moderator: User, company_id: int) -> CompanyFile:
    company = company_for(moderator, company_id)
    posts = db.session.scalars(sa.select(Post).where(Post.company_id == company.id)
                               .order_by(Post.created_at.desc(), Post.id.desc())).all()
    by_status = [(status, [p for p in posts if p.status is status]) for status in PostStatus]
    history = list(db.session.scalars(_history(company).limit(HISTORY_LIMIT)))
    reports = list(db.session.scalars(_history(company).where(AuditLog.action == "company.report")))
    return CompanyFile(company, [(s, items) for s, items in by_status if items], reports, history)


def _history(company: Company) -> sa.Select:
    """The audit rows about the company or one of its posts, newest first."""
    post_ids = sa.select(Post.id).where(Post.company_id == company.id).scalar_subquery()
    about = sa.or_(sa.and_(AuditLog.target_type == "company", AuditLog.target_id == company.id),
                   sa.and_(AuditLog.target_type == "post", AuditLog.target_id.in_(post_ids)))
    return sa.select(AuditLog).where(about).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


# --------------------------------------------------------------------------- the audit log (administrators)

ACTION_LABELS = {
    "thesaurus.create": _l("Synonym group added"),
    "thesaurus.update": _l("Synonym group edited"),
    "thesaurus.delete": _l("Synonym group deleted"),
    "thesaurus.restore": _l("Default synonym list restored"),
    "post.approve": _l("Post approved"),
    "post.reject": _l("Post rejected"),
    "post.intake": _l("Post entered by the CCI"),
    "post.edit": _l("Post edited by the CCI"),
    "post.submit": _l("Post submitted by the CCI"),
    "post.close": _l("Post closed by the CCI"),
    "post.renew": _l("Post renewed by the CCI"),
    "post.delete": _l("Post deleted by the CCI"),
    "company.verify": _l("Company verified"),
    "company.unverify": _l("Company no longer verified"),
    "company.report": _l("Report on a company"),
    "company.suspend": _l("Company suspended"),
    "company.lift_suspension": _l("Suspension lifted"),
    "user.create_moderator": _l("Moderator account created"),
    "user.create_admin": _l("Administrator account created"),
    "company.intake": _l("Company entered by the CCI"),
    "company.accept_member": _l("Membership request accepted"),
    "company.refuse_member": _l("Membership request declined"),
    "import": _l("Posts imported from a file"),
    "directory.hide": _l("Open-business entry hidden"),
    "directory.unhide": _l("Open-business entry shown again"),
}
TARGET_LABELS = {"post": _l("Post"), "company": _l("Company"), "user": _l("Person"),
                 "synonymgroup": _l("Synonym group")}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target_label(target_type: str | None) -> str:
    return str(TARGET_LABELS.get(target_type, target_type or ""))


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # part of the actor's email address
    action: str | None = None
    target_type: str | None = None
    date_from: date | None = None  # days in the site's time zone, both included
    date_to: date | None = None


def audit_actions() -> list[str]:
    """The actions present in the log (the choices of the filter)."""
    return list(db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)))


def audit_target_types() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.target_type).where(AuditLog.target_type.is_not(None))
                                   .distinct().order_by(AuditLog.target_type)))


def audit_page(filters: AuditFilters, requested: int | None, per_page: int) -> Page:
    """The log, newest first, narrowed by the filters: two queries whatever its size."""
    conditions = audit_conditions(filters)
    count = sa.select(sa.func.count(AuditLog.id)).where(*conditions)
    items = sa.select(AuditLog).where(*conditions).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    return page_of(count, items, requested, per_page)


def target_names(entries: list[AuditLog]) -> tuple[dict[int, str], dict[int, str]]:
    """(post titles, company names) by id, of the targets of ``entries``: one query."""
    def ids(kind: str) -> set[int]:
        return {e.target_id for e in entries if e.target_type == kind and e.target_id is not None}

    if not entries:
        return {}, {}
    rows = db.session.execute(sa.union_all(
        sa.select(sa.literal("post"), Post.id, Post.title).where(Post.id.in_(ids("post"))),
        sa.select(sa.literal("company"), Company.id, Company.legal_name).where(Company.id.in_(ids("company")))))
    found: dict[str, dict[int, str]] = {"post": {}, "company": {}}
    for kind, target_id, label in rows:
        found[kind][target_id] = label
    return found["post"], found["company"]


def audit_conditions(filters: AuditFilters) -> list:
    conditions = []
    if filters.actor:
        conditions.append(AuditLog.actor_label.contains(filters.actor.strip().lower(), autoescape=True))
    if filters.action:
        conditions.append(AuditLog.action == filters.action)
    if filters.target_type:
        conditions.append(AuditLog.target_type == filters.target_type)
    if filters.date_from:
        conditions.append(AuditLog.created_at >= _start_of_day(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        conditions.append(AuditLog.created_at < _start_of_day(filters.date_to + timedelta(days=1)))
    return conditions


def _start_of_day(day: date) -> datetime:
    """Midnight of ``day`` in the site's time zone, in UTC (clamped at the ends of the calendar)."""
    local = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    try:
        return datetime.combine(day, time.min, tzinfo=local).astimezone(timezone.utc)
    except OverflowError:
        edge = datetime.min if day.year < 2 else datetime.max
        return edge.replace(tzinfo=timezone.utc)
