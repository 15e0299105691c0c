"""The moderators' review of matches, and the introductions companies ask for ("Je suis intéressé·e").

A match waits as ``proposed`` (suggested by the engine, or requested by a company) until a moderator of the
territory of either post approves it (both companies are told and asked to accept the introduction) or rejects
it with a reason (only a requesting company is told). Everything here flushes, never commits; a refused step
raises a DomainError (Forbidden, NotFound) before anything is changed, and the view rolls back on any of them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager

from .. import permissions
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import Company, Match, MatchOrigin, MatchStatus, Post, PostKind, PostStatus, Role, User, UserTerritory
from ..models.types import utcnow
from . import audit, moderation, notifications
from . import posts as post_rules
from .moderation import StandardReason
from .paging import Page, page_of

log = logging.getLogger(__name__)

OTHER_REASON = moderation.OTHER_REASON
REASON_MAX = moderation.REASON_MAX
BULK_MAX = 100  # matches approved by one bulk decision (each one sends mails)


# --------------------------------------------------------------------------- errors


class MatchNotReviewable(DomainError):
    """The match is not (or no longer) waiting for a moderator's decision."""


class IntroductionRefused(DomainError):
    """A company's request for an introduction cannot be recorded (the message says why)."""


# --------------------------------------------------------------------------- rejection reasons


STANDARD_REASONS = (
    StandardReason("not_same_resource", _l("Not the same resource"),
                   _l("The two posts are not about the same resource.")),
    StandardReason("too_far", _l("Too far apart"),
                   _l("The two companies are too far apart for this exchange.")),
    StandardReason("dates", _l("Dates do not fit"),
                   _l("The dates of the two posts do not fit together.")),
    StandardReason("quantity", _l("Quantities do not fit"),
                   _l("The quantities of the two posts do not fit together.")),
    StandardReason("already_in_touch", _l("Companies already in touch"),
                   _l("The two companies are already in touch.")),
)
_REASONS_BY_CODE = {reason.code: reason for reason in STANDARD_REASONS}


def standard_reasons() -> tuple[StandardReason, ...]:
    return STANDARD_REASONS


def rejection_reason(code: str | None, written: str | None, locale: str | None = None) -> str:
    """The reason to store (and send to a requesting company): a standard reply in ``locale``, a written one, or
    both, as for posts but with the matches' standard replies. DomainError if there is none or the code is
    unknown."""
    return moderation.rejection_reason(code, written, locale, reasons=_REASONS_BY_CODE)


def reader_locale(match: Match) -> str:
    """The language of the person who asked for the introduction (the only reader of a rejection)."""
    requester = match.requested_by
    if requester is not None and requester.locale:
        return requester.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    min_score: float | None = None  # in [0, 1]
    origin: MatchOrigin | None = None


@dataclass(frozen=True)
class ParsedFilters:
    filters: QueueFilters
    ignored: list[str] = field(default_factory=list)  # names of the filters whose value was not understood


def parse_percentage(raw: str | None) -> float | None:
    """"80", "80 %", "72,5" -> 0.8, 0.8, 0.725; None for blank; ValueError for anything else or outside 0-100."""
    text = (raw or "").strip().removesuffix("%").strip().replace(",", ".")
    if not text:
        return None
    if len(text) > 10:
        raise ValueError(raw)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(raw)
    return float(value) / 100


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """The filters of the queue from the query string; a value not understood is ignored (and named)."""
    ignored = []
    try:
        min_score = parse_percentage(args.get("min_score"))
    except ValueError:
        min_score, ignored = None, ["min_score"]
    origin = None
    raw_origin = (args.get("origin") or "").strip()
    if raw_origin:
        try:
            origin = MatchOrigin(raw_origin)
        except ValueError:
            ignored.append("origin")
    return ParsedFilters(QueueFilters(min_score, origin), ignored)


def _aliases():
    offer, need = aliased(Post, name="offer_post"), aliased(Post, name="need_post")
    offer_company, need_company = aliased(Company, name="offer_company"), aliased(Company, name="need_company")
    return offer, need, offer_company, need_company


def _reviewable(moderator: User, offer, need, offer_company, need_company) -> list:
    """Proposed matches of two posts still shown to the public, in the moderator's territory."""
    now = utcnow()
    return [Match.status == MatchStatus.PROPOSED,
            _visible(offer, offer_company, now), _visible(need, need_company, now),
            territory_condition(moderator, offer, need)]


def _visible(post, company, now):
    """``posts.visible_condition`` on an aliased post and its (joined) company."""
    return sa.and_(post.status == PostStatus.PUBLISHED,
                   sa.or_(post.available_until.is_(None), post.available_until >= now.date()),
                   post.renewed_at >= now - post_rules.max_age(),
                   company.suspended_at.is_(None))


def territory_condition(moderator: User, offer=Post, need=Post):
    """The matches a moderator reviews: either post in one of his départements (the SQL twin of
    ``permissions.can_review_match``); every match for an administrator without territory."""
    if not permissions.is_moderator(moderator):
        return sa.false()
    if permissions.is_admin(moderator) and not moderator.territories:
        return sa.true()
    departements = moderator.departements
    return sa.or_(offer.departement.in_(departements), need.departement.in_(departements))


def _joined(statement: sa.Select, offer, need, offer_company, need_company) -> sa.Select:
    return (statement.join(offer, Match.offer_id == offer.id).join(offer_company, offer.company_id == offer_company.id)
            .join(need, Match.need_id == need.id).join(need_company, need.company_id == need_company.id))


def queue_page(moderator: User, filters: QueueFilters, requested: int | None, per_page: int) -> Page:
    """The proposed matches of the moderator's territory, best first, with both posts and both companies.

    Two queries whatever the number of matches: the count and the page."""
    offer, need, offer_company, need_company = aliases = _aliases()
    conditions = _reviewable(moderator, *aliases)
    if filters.min_score is not None:
        conditions.append(Match.score >= filters.min_score - 1e-9)
    if filters.origin is not None:
        conditions.append(Match.origin == filters.origin)
    count = _joined(sa.select(sa.func.count(Match.id)), *aliases).where(*conditions)
    items = (_joined(sa.select(Match), *aliases).where(*conditions)
             .options(contains_eager(Match.offer.of_type(offer)).contains_eager(offer.company.of_type(offer_company)),
                      contains_eager(Match.need.of_type(need)).contains_eager(need.company.of_type(need_company)))
             .order_by(Match.score.desc(), Match.id))
    return page_of(count, items, requested, per_page)


def get_match(match_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if match is None:
        raise NotFound(_l("This match does not exist."))
    return match


def requester_company(match: Match) -> Company | None:
    """The company that asked for the introduction (one of the two sides), for the origin badge."""
    side = match.side_of(match.requested_by_company_id)
    return getattr(match, side).company if side else None


# --------------------------------------------------------------------------- decisions


def _ensure_reviews(moderator: User, match: Match) -> None:
    if not permissions.can_review_match(moderator, match):
        raise Forbidden(_l("This match is outside your territory."))


def _ensure_proposed(match: Match) -> None:
    if match.status is MatchStatus.PROPOSED:
        return
    if match.status is MatchStatus.REJECTED:
        raise MatchNotReviewable(_l("This match has already been rejected."))
    if match.status is MatchStatus.APPROVED:
        raise MatchNotReviewable(_l("This match has already been approved."))
    raise MatchNotReviewable(_l("This match is no longer waiting for review."))


def _ensure_posts_visible(match: Match) -> None:
    if not (post_rules.is_visible(match.offer) and post_rules.is_visible(match.need)):
        raise MatchNotReviewable(_l("One of the two posts is no longer published: this match cannot be approved."))


def approve(moderator: User, match: Match) -> Match:
    """Approve a proposed match: both companies are told (in the app and by mail) and asked to accept."""
    _ensure_reviews(moderator, match)
    _ensure_proposed(match)
    _ensure_posts_visible(match)
    match.status, match.decided_by, match.decided_at = MatchStatus.APPROVED, moderator, utcnow()
    match.rejection_reason = None
    audit.record(moderator, "match.approve", match, score=round(match.score, 4), origin=match.origin.value,
                 offer_id=match.offer_id, need_id=match.need_id)
    _tell_approved(match)
    return match


def _tell_approved(match: Match) -> None:
    from ..matching.scoring import reason_text

    link = url_for("matches.detail", match_id=match.id)
    for own, other in ((match.offer, match.need), (match.need, match.offer)):
        notifications.notify_company(
            own.company,
            _l("Your CCI proposes to introduce you to %(company)s: their post “%(other)s” fits your post "
               "“%(own)s”. Accept or decline the introduction.",
               company=other.company.legal_name, other=other.title, own=own.title),
            link=link, mail_template="match_approved",
            mail_subject=_l("Your CCI proposes an introduction"),
            kind="match_approved", match_id=match.id,
            match=match, own=own, other=other, reason_text=reason_text)


def reject(moderator: User, match: Match, reason: str) -> Match:
    """Reject a proposed match with a reason; a company that asked for it is told why, nobody else."""
    _ensure_reviews(moderator, match)
    _ensure_proposed(match)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_l("Give the reason for the rejection: choose a standard reply or write one."))
    match.status, match.decided_by, match.decided_at = MatchStatus.REJECTED, moderator, utcnow()
    match.rejection_reason = reason[:REASON_MAX]
    audit.record(moderator, "match.reject", match, reason=match.rejection_reason, score=round(match.score, 4),
                 origin=match.origin.value, offer_id=match.offer_id, need_id=match.need_id)
    if match.origin is MatchOrigin.REQUESTED:
        _tell_rejected(match)
    return match


def _tell_rejected(match: Match) -> None:
    side = match.side_of(match.requested_by_company_id)
    if side is None:  # the requesting company is no longer on either side (cannot happen, but tell nobody)
        return
    own = getattr(match, side)
    other = match.need if side == "offer" else match.offer
    notifications.notify_company(
        own.company,
        _l("Your CCI did not follow up your interest in “%(other)s”: %(reason)s",
           other=other.title, reason=match.rejection_reason),
        link=url_for("posts.detail", post_id=other.id), mail_template="match_rejected",
        mail_subject=_l("Your request for an introduction"), kind="match_rejected", match_id=match.id,
        match=match, own=own, other=other, reason=match.rejection_reason)


class BulkRefused(DomainError):
    """The selection cannot be approved as a whole: nothing was changed."""


def bulk_approve(moderator: User, min_score: float | None, match_ids: list[int] | None = None) -> int:
    """Approve the proposed matches of the moderator's territory scoring at least ``min_score`` (in [0, 1]), the
    best ``BULK_MAX`` first; with ``match_ids``, exactly those (all of them or none). Returns how many."""
    if min_score is not None and not 0 <= min_score <= 1:
        raise DomainError(_l("The minimum score must be a percentage between 0 and 100."))
    if match_ids:
        selection = _selection(moderator, match_ids, min_score)
    else:
        if min_score is None:
            raise DomainError(_l("Choose a minimum score, or select matches."))
        offer, need, offer_company, need_company = aliases = _aliases()
        statement = (_joined(sa.select(Match), *aliases)
                     .where(*_reviewable(moderator, *aliases), Match.score >= min_score - 1e-9)
                     .options(contains_eager(Match.offer.of_type(offer))
                              .contains_eager(offer.company.of_type(offer_company)),
                              contains_eager(Match.need.of_type(need))
                              .contains_eager(need.company.of_type(need_company)))
                     .order_by(Match.score.desc(), Match.id).limit(BULK_MAX))
        selection = list(db.session.scalars(statement).unique())
    for match in selection:
        approve(moderator, match)
    return len(selection)


def _selection(moderator: User, match_ids: list[int], min_score: float | None) -> list[Match]:
    ids = list(dict.fromkeys(match_ids))
    if len(ids) > BULK_MAX:
        raise DomainError(_l("Select %(max)d matches at most.", max=BULK_MAX))
    found = {match.id: match for match in db.session.scalars(sa.select(Match).where(Match.id.in_(ids)))}
    problems = [problem for match_id in ids
                if (problem := _problem(moderator, match_id, found.get(match_id), min_score))]
    if problems:
        listed = format_list([str(problem) for problem in problems], locale=get_locale() or "fr")
        raise BulkRefused(_l("Nothing was changed: %(problems)s.", problems=listed))
    return [found[match_id] for match_id in ids]


def _problem(moderator: User, match_id: int, match: Match | None, min_score: float | None):
    if match is None:
        return _l("match #%(id)d does not exist", id=match_id)
    if not permissions.can_review_match(moderator, match):
        return _l("match #%(id)d is outside your territory", id=match_id)
    if match.status is not MatchStatus.PROPOSED:
        return _l("match #%(id)d is not waiting for review", id=match_id)
    if not (post_rules.is_visible(match.offer) and post_rules.is_visible(match.need)):
        return _l("one of the posts of match #%(id)d is no longer published", id=match_id)
    if min_score is not None and match.score < min_score - 1e-9:
        return _l("match #%(id)d scores under the minimum", id=match_id)
    return None


# --------------------------------------------------------------------------- "Je suis intéressé·e"


def opposite_kind(post: Post) -> PostKind:
    return PostKind.NEED if post.kind is PostKind.OFFER else PostKind.OFFER


def own_counterparts(user: User, target: Post) -> list[Post]:
    """The published posts of the user's company that could answer ``target`` (the other kind), newest first."""
    if user.company is None or not permissions.can_act_for_company(user, user.company):
        return []
    statement = (sa.select(Post).join(Post.company).options(contains_eager(Post.company))
                 .where(Post.company_id == user.company_id, Post.kind == opposite_kind(target),
                        post_rules.visible_condition())
                 .order_by(Post.published_at.desc(), Post.id.desc()))
    return list(db.session.scalars(statement))


def request_introduction(user: User, target: Post, own: Post) -> Match:
    """A company asks its CCI to be introduced: its post ``own`` answers ``target`` (another company's).

    Creates the match (origin requested, scored by the engine when the index can be read), or marks as
    requested the suggestion already proposed for the pair; the moderators of the territory are told."""
    _ensure_may_request(user, target, own)
    offer, need = (own, target) if own.kind is PostKind.OFFER else (target, own)
    match = db.session.scalar(sa.select(Match).where(Match.offer_id == offer.id, Match.need_id == need.id))
    if match is not None:
        _ensure_pair_open(match, user.company_id)
        match.origin = MatchOrigin.REQUESTED
    else:
        score, reasons = _judged(offer, need)
        match = Match(offer=offer, need=need, score=score, reasons=reasons, origin=MatchOrigin.REQUESTED,
                      status=MatchStatus.PROPOSED)
        try:
            with db.session.begin_nested():
                db.session.add(match)
        except IntegrityError:  # the same pair recorded at the same moment by another request
            raise IntroductionRefused(_l("An introduction between these two posts has already been asked for: "
                                         "your CCI is reviewing it.")) from None
    match.requested_by, match.requested_by_company_id = user, user.company_id
    db.session.flush()
    _tell_moderators(match, own, target)
    return match


def _ensure_may_request(user: User, target: Post, own: Post) -> None:
    if permissions.is_staff(user):
        raise Forbidden(_l("CCI staff do not ask for introductions: approve a suggested match instead."))
    if not (user.company is not None and permissions.can_act_for_company(user, user.company)):
        raise Forbidden(_l("Only the active members of a company can ask for an introduction."))
    if target.company_id == user.company_id:
        raise IntroductionRefused(_l("This post is your own company's."))
    if own.company_id != user.company_id:
        raise Forbidden(_l("Choose one of your company's posts."))
    if not post_rules.is_visible(target):
        raise IntroductionRefused(_l("This post is no longer published: no introduction can be asked for."))
    if own.kind is target.kind:
        raise IntroductionRefused(_l("Choose one of your needs to answer an offer, or one of your offers to "
                                     "answer a need."))
    if not post_rules.is_visible(own):
        raise IntroductionRefused(_l("Your post “%(title)s” is not published: only a published post can be "
                                     "put forward.", title=own.title))


def _ensure_pair_open(match: Match, company_id: int | None = None) -> None:
    if match.status is MatchStatus.PROPOSED and match.origin is MatchOrigin.REQUESTED:
        if company_id is not None and match.requested_by_company_id not in (None, company_id):
            raise IntroductionRefused(_l("The other company has already asked for this introduction: your CCI is "
                                         "reviewing it."))
        raise IntroductionRefused(_l("An introduction between these two posts has already been asked for: your "
                                     "CCI is reviewing it."))
    if match.status in (MatchStatus.APPROVED, MatchStatus.INTRODUCED):
        raise IntroductionRefused(_l("Your CCI has already proposed this introduction: see it in your matches."))
    if match.status is MatchStatus.REJECTED:
        raise IntroductionRefused(_l("Your CCI has already reviewed these two posts and did not propose the "
                                     "introduction."))
    if match.status is not MatchStatus.PROPOSED:
        raise IntroductionRefused(_l("These two posts have already been introduced to each other."))


def _judged(offer: Post, need: Post) -> tuple[float, list]:
    """The engine's judgement of the pair; 0 and no reasons when the index cannot be read."""
    from . import matching

    try:
        ctx = matching.context()
        if ctx is None:
            return 0.0, []
        db.session.flush()  # the engine reads the posts' columns from the database
        rows = {row["id"]: row for row in matching._rows([offer.id, need.id])}
        if offer.id not in rows or need.id not in rows:
            return 0.0, []
        judgement = matching.judge_pair(ctx.facts(rows[offer.id]), ctx.facts(rows[need.id]), ctx)
    except Exception:  # a scoring failure must not stop the request: the moderator judges the pair anyway
        log.exception("match review: the pair %s/%s could not be scored", offer.id, need.id)
        return 0.0, []
    return min(max(float(judgement.score), 0.0), 1.0), list(judgement.reasons)


def _tell_moderators(match: Match, own: Post, target: Post) -> None:
    """An in-app notification for the staff in charge of either post's département (else the administrators
    without territory, so that someone hears of it)."""
    departements = {match.offer.departement, match.need.departement}
    staff_roles = (Role.MODERATOR, Role.ADMIN)
    recipients = list(db.session.scalars(
        sa.select(User).where(User.role.in_(staff_roles),
                              User.territories.any(UserTerritory.departement.in_(departements)))
        .order_by(User.id)))
    if not recipients:
        recipients = list(db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN, ~User.territories.any()).order_by(User.id)))
    link = url_for("moderation.matches", origin=MatchOrigin.REQUESTED.value)
    for moderator in recipients:
        notifications.notify(
            moderator,
            _l("%(company)s asks to be introduced: “%(own)s” for “%(target)s”.",
               company=own.company.legal_name, own=own.title, target=target.title),
            link=link, kind="match_requested", match_id=match.id)
