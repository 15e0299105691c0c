"""The open-businesses directory: a company says it is open and how (hours, services, a note) until a date; the
public lists the entries still valid by sector, commune and service; moderators hide an entry of their territory.

An entry is *listed* while it is open, not hidden, its company not suspended, and its ``valid_until`` is today
or later (today in the site's time zone: an entry valid until the 12th is listed all day on the 12th)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.functions import FunctionElement

from .. import permissions
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import Company, CompanyOpening, User
from ..models.opening import SERVICES
from ..models.types import utcnow
from ..search.analysis import fold as _fold_word
from . import audit, naf, post_map
from .paging import Page, page_of

HOURS_MAX = 300
NOTE_MAX = 280
REASON_MAX = 500
MAX_DAYS_AHEAD = 90
QUERY_MAX = 100
COMMUNE_MAX = 120
PER_PAGE = 20
MAP_LIMIT = 2000  # features of the GeoJSON at most (the directory of one CCI is far smaller)
HIDDEN_SHOWN = 100  # hidden entries listed for a moderator at most

SERVICE_LABELS = {
    "click_and_collect": _l("Click & collect"),
    "delivery": _l("Delivery"),
    "appointments": _l("By appointment"),
    "phone_orders": _l("Phone orders"),
}

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FIVE_DIGITS = re.compile(r"[0-9][0-9AB][0-9]{3}")  # postcodes and INSEE codes (Corsica: 2A, 2B)


class DirectoryError(DomainError):
    """A directory rule was broken; ``field`` names the form field concerned (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def today() -> date:
    """Today in the site's time zone (an entry valid until a date is listed all that day, in France)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


# --------------------------------------------------------------------------- the company's entry


def get_opening(company: Company) -> CompanyOpening | None:
    return db.session.scalar(sa.select(CompanyOpening).where(CompanyOpening.company_id == company.id))


def _ensure_member(user: User, company: Company) -> None:
    if not permissions.can_act_for_company(user, company):
        raise Forbidden(_l("Only the active members of the company can say whether it is open."))


def _text(raw: str | None, name: str, limit: int, label) -> str:
    text = (raw or "").replace("\r\n", "\n").strip()
    if _CONTROL_CHARACTERS.search(text):
        raise DirectoryError(_l("This field contains invisible control characters: type it again."), name)
    if len(text) > limit:
        raise DirectoryError(_l("%(field)s: at most %(max)d characters (%(count)d typed).", field=label,
                                max=limit, count=len(text)), name)
    return text


def validate(hours: str | None, services: Iterable[str], note: str | None, valid_until: date | None,
             on: date | None = None) -> tuple[str, set[str], str, date]:
    """The entry's fields, cleaned, or a ``DirectoryError`` saying what is wrong (nothing is changed)."""
    on = on or today()
    hours = _text(hours, "hours", HOURS_MAX, _l("Opening hours"))
    if not hours:
        raise DirectoryError(_l("Say when you are open, e.g. “lun-ven 8h-12h”."), "hours")
    note = _text(note, "note", NOTE_MAX, _l("Note"))
    chosen = set(services)
    unknown = chosen - set(SERVICES)
    if unknown:
        raise DirectoryError(_l("Unknown service: %(name)s.", name=", ".join(sorted(unknown))), "services")
    if valid_until is None:
        raise DirectoryError(_l("Say until when the entry is valid."), "valid_until")
    if valid_until < on:
        raise DirectoryError(_l("The date is past: choose today or a later day."), "valid_until")
    if valid_until > on + timedelta(days=MAX_DAYS_AHEAD):
        raise DirectoryError(_l("At most %(days)d days ahead (until %(date)s): you can renew the entry later.",
                                days=MAX_DAYS_AHEAD, date=(on + timedelta(days=MAX_DAYS_AHEAD)).strftime("%d/%m/%Y")),
                             "valid_until")
    return hours, chosen, note, valid_until


def declare(user: User, company: Company, hours: str | None, services: Iterable[str], note: str | None,
            valid_until: date | None, on: date | None = None) -> CompanyOpening:
    """Mark the company open (or change its entry); an entry a moderator hid stays hidden."""
    _ensure_member(user, company)
    if company.is_suspended:
        raise DirectoryError(_l("Your company is suspended: it cannot appear in the directory."))
    hours, chosen, note, valid_until = validate(hours, services, note, valid_until, on)
    opening = get_opening(company)
    if opening is None:
        opening = CompanyOpening(company=company)
        db.session.add(opening)
    opening.is_open = True
    opening.hours = hours
    opening.note = note
    opening.valid_until = valid_until
    for name in SERVICES:
        setattr(opening, name, name in chosen)
    opening.updated_by = user
    db.session.flush()
    return opening


def withdraw(user: User, company: Company) -> CompanyOpening:
    """Take the company out of the directory (the row stays, closed, with any moderator's hide)."""
    _ensure_member(user, company)
    opening = get_opening(company)
    if opening is None or not opening.is_open:
        raise DirectoryError(_l("Your company is not in the directory."))
    opening.is_open = False
    opening.updated_by = user
    db.session.flush()
    return opening


# --------------------------------------------------------------------------- moderation


def get_for_moderation(user: User, opening_id: int) -> CompanyOpening:
    opening = db.session.get(CompanyOpening, opening_id)
    if opening is None:
        raise NotFound(_l("This entry does not exist."))
    if not permissions.can_moderate_company(user, opening.company):
        raise Forbidden(_l("This company is outside your territory."))
    return opening


def hide(moderator: User, opening: CompanyOpening, reason: str | None) -> CompanyOpening:
    if not permissions.can_moderate_company(moderator, opening.company):
        raise Forbidden(_l("This company is outside your territory."))
    reason = _text(reason, "reason", REASON_MAX, _l("Reason"))
    if not reason:
        raise DirectoryError(_l("Give the reason for hiding the entry: the company will see it."), "reason")
    if opening.is_hidden:
        raise DirectoryError(_l("This entry is already hidden."))
    opening.hidden_at = utcnow()
    opening.hidden_by = moderator
    opening.hidden_reason = reason
    audit.record(moderator, "directory.hide", opening.company, reason=reason, opening_id=opening.id)
    db.session.flush()
    return opening


def unhide(moderator: User, opening: CompanyOpening, reason: str | None = None) -> CompanyOpening:
    if not permissions.can_moderate_company(moderator, opening.company):
        raise Forbidden(_l("This company is outside your territory."))
    reason = _text(reason, "reason", REASON_MAX, _l("Reason")) or None
    if not opening.is_hidden:
        raise DirectoryError(_l("This entry is not hidden."))
    opening.hidden_at = None
    opening.hidden_by = None
    opening.hidden_reason = None
    audit.record(moderator, "directory.unhide", opening.company, reason=reason, opening_id=opening.id)
    db.session.flush()
    return opening


def hidden_entries(moderator: User) -> list[CompanyOpening]:
    """The hidden entries of the moderator's territory (to show them again), newest hide first: one query."""
    statement = (sa.select(CompanyOpening).join(CompanyOpening.company).options(contains_eager(CompanyOpening.company))
                 .where(CompanyOpening.hidden_at.is_not(None))
                 .order_by(CompanyOpening.hidden_at.desc(), CompanyOpening.id.desc()).limit(HIDDEN_SHOWN))
    if not permissions.is_moderator(moderator):
        return []
    if not (permissions.is_admin(moderator) and not moderator.territories):
        statement = statement.where(Company.departement.in_(moderator.departements))
    return list(db.session.scalars(statement))


# --------------------------------------------------------------------------- folding (accents, case)

_ACCENTED = {
    "a": "àâäáãåÀÂÄÁÃÅ", "e": "éèêëÉÈÊË", "i": "îïíìÎÏÍÌ", "o": "ôöóòõøÔÖÓÒÕØ", "u": "ùûüúÙÛÜÚ",
    "c": "çÇ", "y": "ÿýŸÝ", "n": "ñÑ", " ": "-’'",
}
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, spaces collapsed: "Saint-Étienne" →
    "saint etienne" (``sql_fold`` gives the same in the database)."""
    folded = _fold_word(text.replace("-", " ").replace("’", " ").replace("'", " "))
    return " ".join(folded.split())


class sql_fold(FunctionElement):  # noqa: N801 (used like a SQL function)
    """``fold`` in SQL, on SQLite and PostgreSQL (no ``unaccent`` extension needed): on PostgreSQL ``translate``
    then ``lower`` (the French letters; runs of spaces are not collapsed); on SQLite the Python ``fold`` itself,
    registered on every connection."""

    type = sa.String()
    inherit_cache = True
    name = "marketplace_fold"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@compiles(sql_fold)
def _fold_default(element, compiler, **kw):
    return f"marketplace_fold({compiler.process(element.clauses, **kw)})"


@compiles(sql_fold, "postgresql")
def _fold_postgresql(element, compiler, **kw):
    expression = compiler.process(element.clauses, **kw)
    for ligature, plain in _LIGATURES.items():
        expression = f"replace({expression}, {_sql_string(ligature)}, {_sql_string(plain)})"
    source = "".join(_ACCENTED.values())
    target = "".join(plain * len(letters) for plain, letters in _ACCENTED.items())
    return f"lower(translate({expression}, {_sql_string(source)}, {_sql_string(target)}))"


def _sqlite_fold(value):
    return None if value is None else fold(value)


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("marketplace_fold", 1, _sqlite_fold, deterministic=True)


# --------------------------------------------------------------------------- the listing


@dataclass(frozen=True)
class DirectoryFilters:
    section: str | None = None  # NAF section letter
    commune: str | None = None  # INSEE code, postcode or commune name
    service: str | None = None
    q: str | None = None  # words of the company's name or of its sector

    def as_args(self) -> dict[str, str]:
        return {name: value for name in ("section", "commune", "service", "q")
                if (value := getattr(self, name))}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass
class ParsedDirectoryFilters:
    filters: DirectoryFilters
    notices: list = field(default_factory=list)  # what was ignored, and why


def parse_filters(args: Mapping[str, str]) -> ParsedDirectoryFilters:
    """The GET parameters of the directory; a value not understood is ignored and said so."""
    notices = []
    section = (args.get("section") or "").strip().upper() or None
    if section and section not in dict(naf.sections()):
        notices.append(_l("Unknown sector: the filter was ignored."))
        section = None
    service = (args.get("service") or "").strip() or None
    if service and service not in SERVICES:
        notices.append(_l("Unknown service: the filter was ignored."))
        service = None
    commune = " ".join((args.get("commune") or "").split()) or None
    if commune and (len(commune) > COMMUNE_MAX or _CONTROL_CHARACTERS.search(commune)):
        notices.append(_l("The commune was not understood: the filter was ignored."))
        commune = None
    q = " ".join((args.get("q") or "").split()) or None
    if q and len(q) > QUERY_MAX:
        notices.append(_l("The search is too long (at most %(max)d characters): it was ignored.", max=QUERY_MAX))
        q = None
    elif q and _CONTROL_CHARACTERS.search(q):
        notices.append(_l("The search contains invisible control characters: it was ignored."))
        q = None
    return ParsedDirectoryFilters(DirectoryFilters(section, commune, service, q), notices)


@cache
def _codes_by_section() -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for code, _label in naf.naf_choices():
        grouped.setdefault(naf.get_naf(code).section, set()).add(code)
    return {section: frozenset(codes) for section, codes in grouped.items()}


@cache
def _folded_sector_labels() -> tuple[tuple[str, str], ...]:
    """(code, folded label of the code and of its section) for every NAF code."""
    return tuple((code, fold(f"{entry.label} {entry.section_label}"))
                 for code, _label in naf.naf_choices() for entry in [naf.get_naf(code)])


def _codes_matching(word: str) -> list[str]:
    return sorted(code for code, label in _folded_sector_labels() if word in label)


def visible_conditions(on: date | None = None) -> list:
    on = on or today()
    return [CompanyOpening.is_open.is_(True), CompanyOpening.hidden_at.is_(None), CompanyOpening.valid_until >= on,
            Company.suspended_at.is_(None)]


def filter_conditions(filters: DirectoryFilters) -> list:
    conditions = []
    if filters.section:
        conditions.append(Company.naf_code.in_(sorted(_codes_by_section().get(filters.section, ()))))
    if filters.service:
        conditions.append(getattr(CompanyOpening, filters.service).is_(True))
    if filters.commune:
        raw = filters.commune.upper()
        if _FIVE_DIGITS.fullmatch(raw):
            conditions.append(sa.or_(Company.insee_code == raw, Company.postcode == raw))
        else:
            wanted = fold(filters.commune)
            city = sql_fold(Company.city)
            # "Lyon" also finds "Lyon 7e Arrondissement"
            conditions.append(sa.or_(city == wanted, city.startswith(wanted + " ", autoescape=True)))
    if filters.q:
        name = sql_fold(Company.legal_name)
        for word in fold(filters.q).split():
            codes = _codes_matching(word)
            either = [name.contains(word, autoescape=True)]
            if codes:
                either.append(Company.naf_code.in_(codes))
            conditions.append(sa.or_(*either))
    return conditions


def _listed(filters: DirectoryFilters, on: date | None) -> list:
    return [*visible_conditions(on), *filter_conditions(filters)]


def directory_page(filters: DirectoryFilters, requested: int | None, per_page: int = PER_PAGE,
                   on: date | None = None) -> Page:
    """One page of the listed entries, by company name: two queries (count, page with the companies)."""
    conditions = _listed(filters, on)
    count = sa.select(sa.func.count(CompanyOpening.id)).join(CompanyOpening.company).where(*conditions)
    items = (sa.select(CompanyOpening).join(CompanyOpening.company).options(contains_eager(CompanyOpening.company))
             .where(*conditions).order_by(Company.legal_name, CompanyOpening.id))
    return page_of(count, items, requested, per_page)


def directory_features(filters: DirectoryFilters, on: date | None = None, limit: int = MAP_LIMIT,
                       bbox: post_map.Bbox | None = None) -> dict:
    """The listed entries as GeoJSON points at their company's commune (the commune's coordinates from the
    postcode table, never the street address), at most ``limit`` with ``truncated``: one query. The properties
    carry what ``static/js/map.js`` draws (title, url, lines, marker, symbol)."""
    located = []
    if bbox is not None:
        located = [Company.longitude.between(bbox.west, bbox.east), Company.latitude.between(bbox.south, bbox.north)]
    rows = db.session.execute(
        sa.select(CompanyOpening.id, Company.id, Company.legal_name, Company.naf_code, Company.city,
                  Company.postcode, Company.insee_code, Company.latitude, Company.longitude,
                  CompanyOpening.hours, CompanyOpening.valid_until, *(getattr(CompanyOpening, name) for name in SERVICES))
        .join(CompanyOpening.company).where(*_listed(filters, on), *located)
        .order_by(Company.legal_name, CompanyOpening.id).limit(limit + 1)).all()
    features = []
    for row in rows[:limit]:
        (opening_id, company_id, name, naf_code, city, postcode, insee_code, latitude, longitude, hours,
         valid_until, *flags) = row
        services = [str(SERVICE_LABELS[service]) for service, offered in zip(SERVICES, flags) if offered]
        sector = sector_label(naf_code)
        features.append({
            "type": "Feature",
            "id": opening_id,
            "geometry": {"type": "Point", "coordinates": list(post_map.post_point(postcode, insee_code, longitude,
                                                                                 latitude))},
            "properties": {
                "id": opening_id, "company_id": company_id, "name": name, "sector": sector, "city": city,
                "postcode": postcode, "hours": hours, "valid_until": valid_until.isoformat(), "services": services,
                "title": name, "marker": "open", "symbol": "O",
                "url": url_for("directory.index", q=name, _anchor=f"opening-{opening_id}"),
                "lines": [sector, f"{city} ({postcode})", hours, " · ".join(services)],
            },
        })
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit, "limit": limit}


def sector_label(naf_code: str) -> str:
    """The label of the company's NAF code ("" for a code not in the table)."""
    try:
        return naf.get_naf(naf_code).label
    except DomainError:
        return ""


def section_of(naf_code: str) -> str | None:
    try:
        return naf.get_naf(naf_code).section
    except DomainError:
        return None
