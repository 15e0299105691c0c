"""Saved searches and their mail alerts.

A company member keeps a search (its words and filters) and chooses instant or daily alerts. When the index has
applied new posts, ``on_posts_indexed`` records which saved searches find them (``SavedSearchHit``, once per
saved search and post) and mails the instant ones at once; ``send_daily_digests`` (``flask search alerts``, from
cron) mails the daily ones. Either way a person gets one mail listing every new post, grouped by saved search,
never one mail per post. Every mail carries a signed one-click unsubscribe link (no login needed).

Services flush; the caller commits; the mails leave after the commit (``services.mail``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import force_locale, ngettext
from sqlalchemy.orm import selectinload

from .. import permissions, search
from ..config import is_production
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import AlertFrequency, Category, MembershipStatus, Post, PostKind, SavedSearch, SavedSearchHit, User
from ..models.types import utcnow
from ..search.params import SearchParams
from . import categories, geo, mail, posts, tokens
from .effects import after_commit

log = logging.getLogger(__name__)

NAME_MAX = 120
QUERY_MAX = 500  # the column's size (the search reads no more of a text either)
MAX_PER_USER = 20
POSTS_PER_GROUP = 20  # in one mail, per saved search; the rest is behind the link to the search
UNSUBSCRIBE = "saved-search-alerts"
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 366  # the link of an old digest keeps working for a year
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves the application
_CHUNK = 500  # ids per IN (...) list

FREQUENCY_LABELS = {
    AlertFrequency.INSTANT: _l("Instant: one mail as soon as new posts match"),
    AlertFrequency.DAILY: _l("Daily: one digest a day"),
}
FREQUENCY_SHORT_LABELS = {AlertFrequency.INSTANT: _l("Instant"), AlertFrequency.DAILY: _l("Daily")}


class InvalidSavedSearch(DomainError):
    """A field of a saved search is not acceptable; ``field`` names it for the form."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- the search of a saved search


def params_of(saved: SavedSearch) -> SearchParams:
    """The search a saved search runs: its words and its filters, parsed as the search page parses them."""
    args = {str(key): str(value) for key, value in (saved.filters or {}).items() if key not in ("q", "page")}
    args["q"] = saved.query or ""
    return SearchParams.from_args(args).params


def _filters_of(params: SearchParams) -> dict[str, str]:
    return {key: value for key, value in params.as_args().items() if key not in ("q", "page")}


def _is_empty(params: SearchParams) -> bool:
    """No words, no filter, no place: such a search finds every post (the sort order is no criterion)."""
    return not params.has_criteria


def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(getattr(value, "value", value)).strip()


def describe(params: SearchParams) -> str:
    """The search in words, for a person: “entrepôt” · Offer · Storage · Rhône (69) · Free only."""
    parts: list[str] = []
    q = _text(getattr(params, "q", None))
    if q:
        parts.append(str(_l("“%(words)s”", words=q)))
    kind = _label(PostKind, categories.KIND_LABELS, getattr(params, "kind", None))
    category = _label(Category, categories.CATEGORY_LABELS, getattr(params, "category", None))
    parts += [str(label) for label in (kind, category) if label]
    departement = _text(getattr(params, "departement", None))
    if departement:
        name = geo.departement_name(departement)
        parts.append(f"{name} ({departement})" if name else departement)
    region = _text(getattr(params, "region", None))
    if region:
        parts.append(dict(geo.regions()).get(region, region))
    if getattr(params, "free_only", False):
        parts.append(str(_l("Free only")))
    near = _near(params)
    if near:
        parts.append(near)
    return " · ".join(parts) if parts else str(_l("All posts"))


def _label(enum_cls, labels: dict, value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return str(labels[enum_cls(text)])
    except (ValueError, KeyError):
        return text


def _near(params: SearchParams) -> str | None:
    km = getattr(params, "within_km", None)
    postcode = _text(getattr(params, "near_postcode", None))
    if getattr(params, "near_company", False):
        return str(_l("within %(km)d km of my company", km=km) if km else _l("near my company"))
    if postcode:
        return str(_l("within %(km)d km of %(place)s", km=km, place=postcode) if km
                   else _l("near %(place)s", place=postcode))
    return None


def default_name(params: SearchParams) -> str:
    text = describe(params)
    return text if len(text) <= NAME_MAX else text[:NAME_MAX - 1].rstrip() + "…"


def search_url(params: SearchParams, external: bool = False, **overrides: str) -> str:
    """The search page running these parameters (``overrides``: e.g. ``sort="date"``)."""
    return url_for("search.results", _external=external, **{**params.as_args(), **overrides})


# --------------------------------------------------------------------------- keeping searches


def _ensure_member(user: User) -> None:
    company = getattr(user, "company", None)
    if company is None or not permissions.can_act_for_company(user, company):
        raise Forbidden(_l("Only the members of a company can save searches and receive alerts."))


def _ensure_owner(user: User, saved: SavedSearch) -> None:
    if saved is None or saved.user_id != getattr(user, "id", None):
        raise Forbidden(_l("This saved search is not yours."))


def _clean_name(name: str | None, params: SearchParams) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        return default_name(params)
    if len(cleaned) > NAME_MAX:
        raise InvalidSavedSearch(_l("%(max)d characters at most.", max=NAME_MAX), "name")
    return cleaned


def _clean_frequency(frequency: str | AlertFrequency | None) -> AlertFrequency:
    try:
        return AlertFrequency(frequency)
    except ValueError as exc:
        raise InvalidSavedSearch(_l("Choose instant or daily alerts."), "frequency") from exc


def save_search(user: User, name: str | None, params: SearchParams, frequency: str) -> SavedSearch:
    """Keep the search ``params`` for ``user`` (an active company member) with mail alerts at ``frequency``."""
    _ensure_member(user)
    chosen = _clean_frequency(frequency)
    if _is_empty(params):
        raise InvalidSavedSearch(_l("Type some words or choose a filter before saving a search: "
                                    "this one finds every post."))
    query = _text(params.q)
    if len(query) > QUERY_MAX:
        raise InvalidSavedSearch(_l("This search is too long to be saved: %(max)d characters at most.",
                                    max=QUERY_MAX))
    filters = _filters_of(params)
    mine = list_searches(user)
    for existing in mine:
        if existing.query == query and (existing.filters or {}) == filters:
            raise InvalidSavedSearch(_l("You have already saved this search as “%(name)s”.", name=existing.name))
    if len(mine) >= MAX_PER_USER:
        raise InvalidSavedSearch(_l("You can keep at most %(max)d saved searches. Delete one before saving "
                                    "another.", max=MAX_PER_USER))
    saved = SavedSearch(user_id=user.id, name=_clean_name(name, params), query=query, filters=filters,
                        frequency=chosen, alerts_enabled=True, created_at=utcnow())
    db.session.add(saved)
    db.session.flush()
    return saved


def update_search(user: User, saved: SavedSearch, name: str | None, frequency: str,
                  alerts_enabled: bool) -> SavedSearch:
    """Rename the saved search, change its frequency, turn its alerts on or off (an empty name: the default)."""
    _ensure_owner(user, saved)
    chosen = _clean_frequency(frequency)
    saved.name = _clean_name(name, params_of(saved))
    saved.frequency = chosen
    saved.alerts_enabled = bool(alerts_enabled)
    db.session.flush()
    return saved


def delete_search(user: User, saved: SavedSearch) -> None:
    _ensure_owner(user, saved)
    db.session.execute(sa.delete(SavedSearchHit).where(SavedSearchHit.saved_search_id == saved.id))
    db.session.delete(saved)
    db.session.flush()


def list_searches(user: User) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())))


def get_search(user: User, saved_id: int) -> SavedSearch:
    """NotFound when it does not exist, Forbidden when it is someone else's."""
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None:
        raise NotFound(_l("This saved search does not exist."))
    _ensure_owner(user, saved)
    return saved


# --------------------------------------------------------------------------- new posts: hits and alerts


def on_posts_indexed(post_ids: list[int]) -> None:
    """The index has just applied these posts: record which saved searches find them, mail the instant alerts.

    Called by the search drain (app context, no request transaction); flushes, the caller commits. Never
    raises: a failure is logged and leaves the caller's transaction as it was."""
    try:
        ids = sorted({int(post_id) for post_id in post_ids if post_id is not None})
    except (TypeError, ValueError):
        log.exception("on_posts_indexed: post ids that are not integers: %r", post_ids)
        return
    if not ids:
        return
    try:
        with db.session.begin_nested():
            _record_hits(ids)
    except Exception:
        log.exception("Saved searches: recording the hits of %d posts failed", len(ids))
        return
    try:  # the new hits, and any an earlier failure left unsent
        with db.session.begin_nested():
            _send_alerts(AlertFrequency.INSTANT, utcnow())
    except Exception:
        log.exception("Saved searches: sending the instant alerts failed (they stay pending)")


def send_daily_digests(now: datetime | None = None) -> int:
    """One mail per person with the unsent hits of their daily saved searches; returns the number of mails.

    Flushes; the caller commits (the mails leave then). Links are built on the request, ``SERVER_NAME``,
    ``BASE_URL`` (MARKETPLACE_BASE_URL) or, in development, the address of ``make run``."""
    return _send_alerts(AlertFrequency.DAILY, now or utcnow())


def _record_hits(post_ids: list[int]) -> int:
    """Insert the hits of the saved searches (alerts on) that find these posts; returns how many are new."""
    found: list[Post] = []
    for chunk in _chunks(post_ids):
        found += db.session.scalars(sa.select(Post).where(Post.id.in_(chunk), Post.published_at.is_not(None)))
    if not found:
        return 0
    searches = db.session.scalars(
        sa.select(SavedSearch).join(User, SavedSearch.user_id == User.id)
        .where(SavedSearch.alerts_enabled.is_(True), User.company_id.is_not(None),
               User.membership == MembershipStatus.ACTIVE)
        .options(selectinload(SavedSearch.user)).order_by(SavedSearch.id)).all()
    if not searches:
        return 0
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks([post.id for post in found]):
        existing.update(db.session.execute(sa.select(SavedSearchHit.saved_search_id, SavedSearchHit.post_id)
                                           .where(SavedSearchHit.post_id.in_(chunk))).all())
    now = utcnow()
    rows: list[dict[str, Any]] = []
    answers: dict[tuple, set[int]] = {}  # many people save the same search: run it once per set of posts
    for saved in searches:
        user = saved.user
        candidates = [post.id for post in found
                      if post.company_id != user.company_id and post.published_at >= saved.created_at
                      and (saved.id, post.id) not in existing]
        if not candidates:
            continue
        try:
            params = params_of(saved)
            origin = user.company_id if params.near_company else None  # "near my company" depends on the person
            key = (tuple(sorted(params.as_args().items())), origin, tuple(candidates))
            if key not in answers:
                answers[key] = search.matching_post_ids(params, candidates, user=user)
            matched = answers[key]
        except Exception:  # one saved search that cannot run must not stop the others
            log.exception("Saved search %s could not be run on new posts", saved.id)
            continue
        rows += [{"saved_search_id": saved.id, "post_id": post_id, "created_at": now}
                 for post_id in candidates if post_id in matched]
    _insert_hits(rows)
    return len(rows)


def _insert_hits(rows: list[dict[str, Any]]) -> None:
    """Insert, skipping a hit another process recorded meanwhile (the pairs were checked before)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - the application runs on SQLite and PostgreSQL
        insert = None
    for start in range(0, len(rows), _CHUNK):
        batch = rows[start:start + _CHUNK]
        if insert is None:
            db.session.execute(sa.insert(SavedSearchHit), batch)
        else:
            db.session.execute(insert(SavedSearchHit).values(batch)
                               .on_conflict_do_nothing(index_elements=["saved_search_id", "post_id"]))
    db.session.flush()


@dataclass
class _Group:
    """The new posts of one saved search, as one mail lists them."""

    saved: SavedSearch
    posts: list[Post] = field(default_factory=list)
    more: int = 0  # posts beyond POSTS_PER_GROUP, behind the link to the search


def _send_alerts(frequency: AlertFrequency, now: datetime) -> int:
    pending = db.session.execute(
        sa.select(SavedSearchHit, SavedSearch).join(SavedSearch, SavedSearchHit.saved_search_id == SavedSearch.id)
        .where(SavedSearchHit.sent_at.is_(None), SavedSearch.frequency == frequency)
        .options(selectinload(SavedSearch.user).selectinload(User.company))
        .order_by(SavedSearch.user_id, SavedSearch.created_at, SavedSearch.id, SavedSearchHit.created_at,
                  SavedSearchHit.post_id)).all()
    if not pending:
        return 0
    posts_by_id = _posts([hit.post_id for hit, _ in pending])
    by_user: dict[int, list[tuple[SavedSearchHit, SavedSearch]]] = {}
    for hit, saved in pending:
        by_user.setdefault(saved.user_id, []).append((hit, saved))
    try:
        links = site_links()
    except NoSiteAddress:
        log.error("Saved-search alerts not sent: set SERVER_NAME or BASE_URL (MARKETPLACE_BASE_URL) for the links")
        return 0
    sent = 0
    with links:
        for hits in by_user.values():
            user = hits[0][1].user
            groups = _groups(user, hits, posts_by_id, now)
            for hit, _ in hits:  # mailed or dropped (post gone, alerts off, no longer a member): done
                hit.sent_at = now
            if groups:
                _mail(user, frequency, groups)
                for group in groups:
                    group.saved.last_sent_at = now
                sent += 1
    db.session.flush()
    return sent


def _posts(post_ids: list[int]) -> dict[int, Post]:
    found: dict[int, Post] = {}
    for chunk in _chunks(sorted(set(post_ids))):
        for post in db.session.scalars(sa.select(Post).where(Post.id.in_(chunk))
                                       .options(selectinload(Post.company))):
            found[post.id] = post
    return found


def _groups(user: User, hits, posts_by_id: dict[int, Post], now: datetime) -> list[_Group]:
    """What one mail lists: per saved search (alerts still on), the posts still visible, each post once."""
    if user.company is None or not permissions.can_act_for_company(user, user.company):
        return []
    groups: dict[int, _Group] = {}
    listed: set[int] = set()
    for hit, saved in hits:
        post = posts_by_id.get(hit.post_id)
        if not saved.alerts_enabled or post is None or post.id in listed or post.company_id == user.company_id \
                or not posts.is_visible(post, now):
            continue
        listed.add(post.id)
        group = groups.setdefault(saved.id, _Group(saved))
        if len(group.posts) < POSTS_PER_GROUP:
            group.posts.append(post)
        else:
            group.more += 1
    return list(groups.values())


def _mail(user: User, frequency: AlertFrequency, groups: list[_Group]) -> None:
    total = sum(len(group.posts) + group.more for group in groups)
    with force_locale(user.locale):
        if frequency is AlertFrequency.INSTANT:
            template = "alerts_instant"
            subject = ngettext("%(num)d new post matches your saved searches",
                               "%(num)d new posts match your saved searches", total)
        else:
            template = "alerts_digest"
            subject = ngettext("Your daily digest: %(num)d new post", "Your daily digest: %(num)d new posts",
                               total)
    unsubscribe_all = unsubscribe_url([group.saved for group in groups])
    context = {
        "user": user, "total": total, "unsubscribe_all_url": unsubscribe_all,
        "manage_url": url_for("alerts.index", _external=True),
        "groups": [{
            "name": group.saved.name,
            "search_url": search_url(params_of(group.saved), external=True, sort="date"),
            "posts": [{"title": post.title, "city": post.city, "company": post.company.legal_name,
                       "kind": categories.KIND_LABELS.get(post.kind, ""),
                       "url": url_for("posts.detail", post_id=post.id, _external=True)} for post in group.posts],
            "more": group.more,
            "unsubscribe_url": unsubscribe_url([group.saved]),
        } for group in groups],
    }
    message = mail.build_message(user.email, subject, template, user.locale, **context)
    # RFC 2369 / RFC 8058: the mail client's own "unsubscribe" button (POST to the same link, no login)
    message.extra_headers = {"List-Unsubscribe": f"<{unsubscribe_all}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    app = current_app._get_current_object()
    after_commit(lambda: mail.deliver(app, message))


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


# --------------------------------------------------------------------------- links in the mails


class NoSiteAddress(Exception):
    """Outside a request, in production, without SERVER_NAME nor BASE_URL: no address to build links on."""


def site_links(base_url: str | None = None):
    """Where ``url_for(..., _external=True)`` builds the links of the mails: ``base_url`` when given, else the
    current request, ``SERVER_NAME``, ``BASE_URL`` (MARKETPLACE_BASE_URL), or in development the address of
    ``make run``; NoSiteAddress in production without any of them. Raises ValueError for a bad address."""
    if base_url:
        return _site_at(base_url)
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return nullcontext()
    configured = current_app.config.get("BASE_URL")
    if configured:
        return _site_at(str(configured))
    if is_production(current_app):
        raise NoSiteAddress()
    return _site_at(DEVELOPMENT_BASE_URL)


def _site_at(base_url: str):
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{base_url!r} is not an address such as https://bourse.example.org")
    context = current_app.test_request_context("/", base_url=base_url.rstrip("/"))
    context.url_adapter = current_app.url_map.bind_to_environ(context.request.environ)  # even past SERVER_NAME
    return context


# --------------------------------------------------------------------------- unsubscribing


def unsubscribe_token(searches: Iterable[SavedSearch]) -> str:
    return tokens.make_token(UNSUBSCRIBE, {"searches": sorted(saved.id for saved in searches)})


def unsubscribe_url(searches: Iterable[SavedSearch]) -> str:
    return url_for("alerts.unsubscribe", token=unsubscribe_token(searches), _external=True)


def _searches_of_token(token: str) -> list[SavedSearch]:
    payload = tokens.read_token(UNSUBSCRIBE, token, UNSUBSCRIBE_MAX_AGE)
    ids = payload.get("searches") if isinstance(payload, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise tokens.InvalidToken(_l("This link is invalid or has already been used."))
    searches = list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.id.in_(ids[:MAX_PER_USER * 2]))
                                       .order_by(SavedSearch.id)))
    if not searches:
        raise tokens.InvalidToken(_l("This saved search no longer exists: you will not receive any alert for it."))
    return searches


def unsubscribe_from_token(token: str) -> list[SavedSearch]:
    """One click from an alert mail (the signed link is the authorization): alerts off for the saved searches
    it names (one, or all those of the mail). InvalidToken when the link is bad, expired or names nothing."""
    searches = _searches_of_token(token)
    for saved in searches:
        saved.alerts_enabled = False
    db.session.flush()
    return searches


def resubscribe_from_token(token: str) -> list[SavedSearch]:
    """Undo an unsubscription (a click by mistake, or a mail scanner that followed the link)."""
    searches = _searches_of_token(token)
    for saved in searches:
        saved.alerts_enabled = True
    db.session.flush()
    return searches
