"""Introductions: what the two companies of an approved match do, from the introduction to the outcome.

    approved ─ each company accepts or declines, once ─┬─ both accepted → introduced (contact details shown,
                                                        │                  message thread open)
                                                        └─ one declined  → refused (the other company is told)
    introduced ─ each company reports the outcome, once ─┬─ concluded (a quantity exchanged)
                                                         └─ declined (a reason)

Rules kept here (the views only call them):

- Only an active member of the company of one side acts for that side; nobody answers for the other side; the CCI
  staff reads (``permissions.can_view_match``) but never answers, writes or reports for a company.
- Contact details are shown to the two companies only once both accepted (``contact_companies``); moderators see
  those of the companies of their territory, as everywhere else (``permissions.can_see_contact_details``).
- The message thread opens at the introduction and stays open while the match is introduced or concluded (the two
  companies often still have the delivery to arrange); it closes when the match ends with nothing exchanged
  ("declined"): the companies keep each other's details, the platform stops relaying.
- The first "concluded" report sets the match concluded and records the exchange on both posts: the quantity is
  taken off each post's remaining quantity (``Post.quantity``) and added to ``Post.exchanged_quantity``; a post
  with nothing left closes as fulfilled. The quantity is typed in the unit of the reporting company's post (or of
  the other post when its own has no quantity); it is converted to the other post's unit when the two units measure
  the same thing ("t" and "kg", "m2" and "m²"), otherwise the form asks for it in the other post's unit too
  (``quantity_plan``). A later report of the other company is recorded and changes no quantity.
- The first "declined" report sets the match declined unless an exchange was already reported; a later
  "concluded" report still concludes it (one company may know better).
- ``remind_outcomes`` (cron, ``flask matching remind-outcomes``) asks both companies for the outcome once, 14 days
  after the introduction, when neither reported it.

Services flush and raise domain errors; the view or command commits; mails leave after the commit."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from .. import permissions
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..matching.quantities import parse_unit
from ..models import (
    CloseReason,
    Company,
    IntroductionAnswer,
    Match,
    MatchMessage,
    MatchOutcome,
    MatchStatus,
    Outcome,
    Post,
    PostStatus,
    User,
)
from ..models.types import utcnow
from . import notifications
from .posts import QUANTITY_MAX, allowed_actions

SIDES = ("offer", "need")
MESSAGE_MAX = 2000
REASON_MAX = 2000
REMINDER_AFTER = timedelta(days=14)
# once both companies accepted (the outcome statuses keep the introduction: contacts stay visible)
INTRODUCED_STATUSES = (MatchStatus.INTRODUCED, MatchStatus.CONCLUDED, MatchStatus.DECLINED)
MESSAGING_STATUSES = (MatchStatus.INTRODUCED, MatchStatus.CONCLUDED)
# what a company sees of its matches: from the moderator's approval on (never proposed nor rejected ones)
COMPANY_STATUSES = (MatchStatus.APPROVED, MatchStatus.INTRODUCED, MatchStatus.REFUSED, MatchStatus.CONCLUDED,
                    MatchStatus.DECLINED)
EPSILON = 1e-9
NOT_CONVERTED = {"time"}  # "jour" counted as 7 hours is a guess, not a conversion people agree to
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

STATUS_LABELS = {
    MatchStatus.PROPOSED: _l("Awaiting the CCI"),
    MatchStatus.APPROVED: _l("Introduction proposed"),
    MatchStatus.REJECTED: _l("Not retained by the CCI"),
    MatchStatus.INTRODUCED: _l("Introduced"),
    MatchStatus.REFUSED: _l("Introduction declined"),
    MatchStatus.CONCLUDED: _l("Exchange concluded"),
    MatchStatus.DECLINED: _l("Ended without exchange"),
}


class InvalidIntroduction(DomainError):
    """An action the match's state (or the input) does not allow; ``field`` names the form field, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- who is who


def side_of_user(user: User | None, match: Match) -> str | None:
    """"offer" or "need": the side the user acts for (an active member of that company), else None."""
    return permissions.match_side(user, match)


def other_side(side: str) -> str:
    return "need" if side == "offer" else "offer"


def post_of(match: Match, side: str) -> Post:
    return match.offer if side == "offer" else match.need


def company_of(match: Match, side: str) -> Company:
    return post_of(match, side).company


def answer_of(match: Match, side: str) -> IntroductionAnswer | None:
    return getattr(match, f"{side}_answer")


def outcome_of(match: Match, company_id: int) -> MatchOutcome | None:
    return next((o for o in match.outcomes if o.company_id == company_id), None)


def status_label(status: MatchStatus) -> str:
    return str(STATUS_LABELS[MatchStatus(status)])


def _acting_side(user: User, match: Match, message) -> str:
    side = side_of_user(user, match)
    if side is None:
        raise Forbidden(message)
    return side


def _lock(*rows) -> None:
    """Read the rows again, locked until the commit (PostgreSQL; SQLite serializes writers): the two companies
    answering at the same moment must not both miss the other's acceptance."""
    db.session.flush()
    for row in rows:
        db.session.refresh(row, with_for_update={"of": type(row)})  # not the eager-joined tables (PostgreSQL)


def is_introduced(match: Match) -> bool:
    return match.introduced_at is not None and match.status in INTRODUCED_STATUSES


# --------------------------------------------------------------------------- answering the introduction


def answer(user: User, match: Match, accept: bool) -> Match:
    """The user's company accepts or declines the introduction (once; only while the match is approved)."""
    side = _acting_side(user, match, _l("Only the two companies concerned can answer this introduction."))
    _lock(match)
    if match.status is not MatchStatus.APPROVED:
        raise InvalidIntroduction(_not_answerable(match, side))
    if answer_of(match, side) is not None:
        raise InvalidIntroduction(_l("Your company has already answered this introduction."))
    now = utcnow()
    setattr(match, f"{side}_answer", IntroductionAnswer.ACCEPTED if accept else IntroductionAnswer.DECLINED)
    setattr(match, f"{side}_answered_at", now)
    setattr(match, f"{side}_answered_by_id", user.id)
    other = other_side(side)
    if not accept:
        match.status = MatchStatus.REFUSED
        _tell_refused(match, side)
    elif answer_of(match, other) is IntroductionAnswer.ACCEPTED:
        match.status, match.introduced_at = MatchStatus.INTRODUCED, now
        _tell_introduced(match)
    db.session.flush()
    return match


def _not_answerable(match: Match, side: str):
    status = match.status
    if status is MatchStatus.PROPOSED:
        return _l("The CCI has not approved this match yet: there is nothing to answer.")
    if status is MatchStatus.REJECTED:
        return _l("The CCI did not retain this match: there is no introduction to answer.")
    if status is MatchStatus.REFUSED:
        return _l("This introduction was declined: it is closed.")
    if answer_of(match, side) is not None:
        return _l("Your company has already answered this introduction.")
    return _l("This introduction can no longer be answered.")


def _tell_introduced(match: Match) -> None:
    for side in SIDES:
        own, other = post_of(match, side), post_of(match, other_side(side))
        notifications.notify_company(
            own.company, _l("You are introduced to %(company)s about “%(title)s”: their contact details are on "
                            "the match page.", company=other.company.legal_name, title=own.title),
            link=match_link(match), mail_template="match_introduced",
            mail_subject=_l("You are introduced to %(company)s", company=other.company.legal_name),
            kind="match_introduced", match_id=match.id, match=match, own_post=own, other_post=other,
            match_url=match_link(match, external=True))


def _tell_refused(match: Match, refusing_side: str) -> None:
    side = other_side(refusing_side)
    own, other = post_of(match, side), post_of(match, refusing_side)
    notifications.notify_company(
        own.company, _l("%(company)s declined the introduction about “%(title)s”.",
                        company=other.company.legal_name, title=own.title),
        link=match_link(match), mail_template="match_refused",
        mail_subject=_l("An introduction was declined"), kind="match_refused", match_id=match.id, match=match,
        own_post=own, other_post=other, match_url=match_link(match, external=True))


# --------------------------------------------------------------------------- contact details


def contacts_visible(user: User, match: Match) -> bool:
    """Whether the match page shows contact details to the user: to the two companies once introduced (never
    before), to the CCI staff of the territory of either company (as on the company pages)."""
    return bool(contact_companies(user, match))


def contact_companies(user: User, match: Match) -> list[Company]:
    """The companies whose contact details the match page shows to the user."""
    side = side_of_user(user, match)
    if side is not None:
        return [company_of(match, other_side(side))] if is_introduced(match) else []
    if not permissions.is_staff(user):
        return []
    return [company for company in (match.offer.company, match.need.company)
            if permissions.can_see_contact_details(user, company)]


# --------------------------------------------------------------------------- messages


def can_message(match: Match) -> bool:
    return match.introduced_at is not None and match.status in MESSAGING_STATUSES


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL_CHARACTERS.search(text):
        raise InvalidIntroduction(_l("The message contains invisible control characters: type it again."), "body")
    if not text:
        raise InvalidIntroduction(_l("Write a message before sending it."), "body")
    if len(text) > MESSAGE_MAX:
        raise InvalidIntroduction(_l("A message has %(max)d characters at most (this one has %(length)d).",
                                     max=MESSAGE_MAX, length=len(text)), "body")
    return text


def post_message(user: User, match: Match, body: str | None) -> MatchMessage:
    """A message of the user's company to the other one (plain text, 1 to 2,000 characters)."""
    side = _acting_side(user, match, _l("Only the two companies concerned can write in this thread."))
    if not can_message(match):
        if match.introduced_at is None:
            raise InvalidIntroduction(_l("Messages open once both companies have accepted the introduction."))
        raise InvalidIntroduction(_l("This match ended without an exchange: its thread is closed."))
    text = clean_body(body)
    own, other = post_of(match, side), post_of(match, other_side(side))
    message = MatchMessage(match=match, company_id=own.company_id, author_id=user.id, body=text)
    db.session.add(message)
    db.session.flush()
    notifications.notify_company(
        other.company, _l("New message from %(company)s about “%(title)s”.", company=own.company.legal_name,
                          title=other.title),
        link=match_link(match), mail_template="match_message",
        mail_subject=_l("New message from %(company)s", company=own.company.legal_name),
        kind="match_message", match_id=match.id, match=match, own_post=other, other_post=own, body=text,
        author_company=own.company, match_url=match_link(match, external=True))
    return message


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class QuantityPlan:
    """How a company reports the quantity exchanged: ``quantity`` in the unit of ``primary``; the other post
    (``secondary``) gets it converted by ``factor``, or asks its own amount (``asks_second``) when its unit cannot
    be converted; nothing for it when it has neither a quantity nor a convertible unit."""

    primary: Post
    secondary: Post
    factor: float | None
    required: bool  # the primary post has a quantity: the exchange is measured against it

    @property
    def asks_second(self) -> bool:
        return self.factor is None and self.secondary.quantity is not None


def quantity_plan(match: Match, side: str) -> QuantityPlan:
    own, other = post_of(match, side), post_of(match, other_side(side))
    primary, secondary = (own, other) if own.quantity is not None or other.quantity is None else (other, own)
    return QuantityPlan(primary=primary, secondary=secondary, factor=unit_factor(primary.unit, secondary.unit),
                        required=primary.quantity is not None)


def unit_factor(source: str | None, target: str | None) -> float | None:
    """What one ``source`` unit is in ``target`` units, when both measure the same thing; else None."""
    if _unit_key(source) == _unit_key(target):
        return 1.0
    a, b = parse_unit(source), parse_unit(target)
    if a is None or b is None or a.dimension != b.dimension or a.period_days != b.period_days \
            or a.dimension in NOT_CONVERTED:
        return None
    return a.factor / b.factor


def _unit_key(unit: str | None) -> str:
    return " ".join((unit or "").lower().split())


def remaining(post: Post) -> float | None:
    """What is left on the post to exchange (None: no quantity given, or the post is closed)."""
    if post.quantity is None or post.status is PostStatus.CLOSED:
        return None
    return post.quantity


def can_report(match: Match, company_id: int | None) -> bool:
    return is_introduced(match) and company_id is not None and outcome_of(match, company_id) is None


def report_outcome(user: User, match: Match, outcome: str | Outcome | None, quantity: float | None = None,
                   reason: str | None = None, second_quantity: float | None = None) -> MatchOutcome:
    """The user's company reports how the match ended (once per company): concluded with the quantity exchanged
    (``second_quantity``: the same exchange in the other post's unit, when ``quantity_plan`` asks it), or declined
    with a reason."""
    side = _acting_side(user, match, _l("Only the two companies concerned can report the outcome."))
    _lock(match, match.offer, match.need)  # two reports at once must not both subtract, nor two matches of a post
    if not is_introduced(match):
        raise InvalidIntroduction(_l("The outcome can be reported once both companies have accepted the "
                                     "introduction."))
    company = company_of(match, side)
    if outcome_of(match, company.id) is not None:
        raise InvalidIntroduction(_l("Your company has already reported the outcome of this match."))
    try:
        kind = Outcome(outcome)
    except ValueError as exc:
        raise InvalidIntroduction(_l("Say whether an exchange took place."), "outcome") from exc
    now = utcnow()
    if kind is Outcome.DECLINED:
        record = MatchOutcome(match=match, company_id=company.id, outcome=kind, reason=_reason(reason),
                              reported_by_id=user.id, reported_at=now)
        if match.status is MatchStatus.INTRODUCED:
            match.status = MatchStatus.DECLINED
    else:
        first = not any(o.outcome is Outcome.CONCLUDED for o in match.outcomes)
        plan = quantity_plan(match, side)
        amount = _amount(quantity, "quantity", plan.primary, required=plan.required, check_remaining=first)
        second = None
        if plan.asks_second:
            second = _amount(second_quantity, "second_quantity", plan.secondary, required=amount is not None,
                             check_remaining=first)
        elif amount is not None and plan.factor is not None:
            second = round(amount * plan.factor, 6)
            if first:
                _check_remaining(second, plan.secondary, "quantity")
        record = MatchOutcome(match=match, company_id=company.id, outcome=kind, quantity=amount,
                              reported_by_id=user.id, reported_at=now)
        if first:
            match.status = MatchStatus.CONCLUDED
            _record_exchange(plan.primary, amount)
            _record_exchange(plan.secondary, second)
    match.closed_at = match.closed_at or now
    db.session.add(record)
    db.session.flush()
    _tell_outcome(match, side, record)
    return record


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidIntroduction(_l("Say why nothing came of it: it helps your CCI suggest better matches."),
                                  "reason")
    if _CONTROL_CHARACTERS.search(text):
        raise InvalidIntroduction(_l("The reason contains invisible control characters: type it again."),
                                  "reason")
    if len(text) > REASON_MAX:
        raise InvalidIntroduction(_l("%(max)d characters at most.", max=REASON_MAX), "reason")
    return text


def _amount(value: float | None, field: str, post: Post, *, required: bool, check_remaining: bool) -> float | None:
    if value is None:
        if required:
            raise InvalidIntroduction(_quantity_prompt(post), field)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value <= 0 or value > QUANTITY_MAX:
        raise InvalidIntroduction(_l("The quantity exchanged must be a number greater than zero."), field)
    value = float(value)
    if check_remaining:
        _check_remaining(value, post, field)
    return value


def _quantity_prompt(post: Post):
    if post.unit:
        return _l("Enter the quantity exchanged, in %(unit)s (“%(title)s”).", unit=post.unit, title=post.title)
    return _l("Enter the quantity exchanged (“%(title)s”).", title=post.title)


def _check_remaining(value: float, post: Post, field: str) -> None:
    left = remaining(post)
    if left is not None and value > left + EPSILON:
        raise InvalidIntroduction(_l("Only %(left)s %(unit)s remain on “%(title)s”: the quantity exchanged cannot be "
                                     "more.", left=_number(left), unit=post.unit or "", title=post.title), field)


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


def _record_exchange(post: Post, amount: float | None) -> None:
    """Take the exchange off what the post has left; nothing left: the post closes as fulfilled. A closed post
    is left as its owner closed it."""
    if amount is None or post.status is PostStatus.CLOSED:
        return
    post.exchanged_quantity = (post.exchanged_quantity or 0.0) + amount
    if post.quantity is None:
        return
    left = post.quantity - amount
    post.quantity = 0.0 if left <= EPSILON else left
    if post.quantity == 0.0:
        _close_fulfilled(post)


def _close_fulfilled(post: Post) -> None:
    """Closed as fulfilled, with the same fields as ``posts.close_post`` (the index change log and the suggestions
    follow from the flush, as for any change of a post). No member of the post's company is acting (the other
    company may have reported the exchange), so no permission of theirs is checked and nothing is audited."""
    if "close" not in allowed_actions(post):
        return
    post.status, post.close_reason, post.closed_at = PostStatus.CLOSED, CloseReason.FULFILLED, utcnow()


def _tell_outcome(match: Match, side: str, record: MatchOutcome) -> None:
    """In the app only: the other company is asked for its own report (no mail: the reminder does that)."""
    other = other_side(side)
    if outcome_of(match, company_of(match, other).id) is not None:
        return
    reporter, own = company_of(match, side), post_of(match, other)
    message = _l("%(company)s reported that an exchange took place about “%(title)s”: report it too.",
                 company=reporter.legal_name, title=own.title) if record.outcome is Outcome.CONCLUDED else \
        _l("%(company)s reported that nothing came of the match about “%(title)s”.", company=reporter.legal_name,
           title=own.title)
    notifications.notify_company(own.company, message, link=match_link(match), kind="outcome_reported",
                                 match_id=match.id)


# --------------------------------------------------------------------------- outcome reminder


def remind_outcomes(now: datetime | None = None) -> int:
    """Ask both companies for the outcome of the matches introduced 14 days ago or more, once, when neither
    company reported it; returns how many matches were reminded."""
    now = now or utcnow()
    due = db.session.scalars(
        _eager(sa.select(Match)).where(
            Match.status == MatchStatus.INTRODUCED, Match.introduced_at <= now - REMINDER_AFTER,
            Match.outcome_reminder_sent_at.is_(None), ~Match.outcomes.any())
        .order_by(Match.id)).all()
    for match in due:
        for side in SIDES:
            own, other = post_of(match, side), post_of(match, other_side(side))
            notifications.notify_company(
                own.company, _l("How did it go with %(company)s about “%(title)s”? Report the outcome.",
                                company=other.company.legal_name, title=own.title),
                link=match_link(match), mail_template="match_outcome_reminder",
                mail_subject=_l("How did it go with %(company)s?", company=other.company.legal_name),
                kind="match_outcome_reminder", match_id=match.id, match=match, own_post=own, other_post=other,
                match_url=match_link(match, external=True))
        match.outcome_reminder_sent_at = now
    db.session.flush()
    return len(due)


# --------------------------------------------------------------------------- reading


def _eager(statement: sa.Select) -> sa.Select:
    return statement.options(
        joinedload(Match.offer).joinedload(Post.company).selectinload(Company.members),
        joinedload(Match.need).joinedload(Post.company).selectinload(Company.members),
        selectinload(Match.outcomes))


def get_match(match_id: int) -> Match | None:
    """The match with its posts, companies and outcomes (the messages load with the page that shows them)."""
    return db.session.scalar(_eager(sa.select(Match)).where(Match.id == match_id))


def _of_company(company_id: int):
    return sa.or_(Match.offer.has(Post.company_id == company_id), Match.need.has(Post.company_id == company_id))


def my_matches(company: Company) -> tuple[sa.Select, sa.Select]:
    """(count statement, items statement) of the company's matches from the moderator's approval on (never the
    proposed or rejected ones), newest first, posts and companies loaded (for ``paging.page_of``)."""
    conditions = (_of_company(company.id), Match.status.in_(COMPANY_STATUSES))
    newest = sa.func.coalesce(Match.decided_at, Match.created_at)
    return (sa.select(sa.func.count(Match.id)).where(*conditions),
            _eager(sa.select(Match)).where(*conditions).order_by(newest.desc(), Match.id.desc()))


def post_matches(post: Post) -> list[Match]:
    """The approved (and later) matches of a post, for its owner's page, newest first."""
    condition = sa.or_(Match.offer_id == post.id, Match.need_id == post.id)
    newest = sa.func.coalesce(Match.decided_at, Match.created_at)
    return list(db.session.scalars(_eager(sa.select(Match)).where(condition, Match.status.in_(COMPANY_STATUSES))
                                   .order_by(newest.desc(), Match.id.desc())).unique())


def post_match_rows(user: User, post: Post) -> list[dict]:
    """What the owner's post page lists of the post's matches: the match, the other post, its status and what
    is expected from the owner's company (empty for anyone who cannot act for the post's company)."""
    if not permissions.can_act_for_company(user, post.company):
        return []
    rows = []
    for match in post_matches(post):
        side = "offer" if match.offer_id == post.id else "need"
        rows.append({"match": match, "other": post_of(match, other_side(side)),
                     "status_label": status_label(match.status), "expected": expected_action(match, side)})
    return rows


def expected_action(match: Match, side: str | None) -> str | None:
    """What the company of ``side`` has to do now: "answer", "wait" (for the other company's answer),
    "report" (the outcome), or None."""
    if side is None:
        return None
    if match.status is MatchStatus.APPROVED:
        return "answer" if answer_of(match, side) is None else "wait"
    if can_report(match, company_of(match, side).id):
        return "report"
    return None


def messages_of(match: Match) -> list[MatchMessage]:
    return list(db.session.scalars(sa.select(MatchMessage).where(MatchMessage.match_id == match.id)
                                   .options(joinedload(MatchMessage.author)).order_by(MatchMessage.id)))


def match_link(match: Match, external: bool = False) -> str:
    return url_for("matches.detail", match_id=match.id, _external=external)
