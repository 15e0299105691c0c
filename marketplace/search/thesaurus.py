"""The synonym thesaurus: groups of words and phrases that mean the same resource for a company looking for it
("entrepôt, hangar, local de stockage"). A query for one term of a group also looks for the others.

The groups live in the database (``SynonymGroup``), edited by the administrators
(``marketplace.services.thesaurus``); the default list ships with the project (``synonyms_fr.txt``, loaded by the
migration that creates the table, and restorable from the administration page).

``synonym_groups()`` is what the search reads, on every query: it keeps the groups in memory for
``SEARCH_THESAURUS_TTL`` seconds (30 by default; other processes see an edit within that delay, this one at once
through ``invalidate()``), and it never raises: if the database cannot be read, the search goes on with the shipped
list and the problem is logged."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from .analysis import fold
from .analysis import terms as analysed_terms

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).with_name("synonyms_fr.txt")
DEFAULT_TTL = 30.0  # seconds; the setting SEARCH_THESAURUS_TTL overrides it
TERM_MAX_LENGTH = 60
GROUP_MIN_TERMS = 2
GROUP_MAX_TERMS = 30
# what a term may hold besides letters and digits: spaces, apostrophes, hyphens and a few signs of product names
# ("alcool à 96°", "palette 80x120", "B&B", "3PL", "PE/PP"); never query syntax (quotes, parentheses, * ? : ^ ~)
ALLOWED_SIGNS = frozenset(" '’-./&+°")

_SEPARATORS = re.compile(r"[,\r\n]")
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w]+|_")


class InvalidSynonyms(DomainError):
    """The terms typed for a group cannot be used (the message says why)."""


# --------------------------------------------------------------------------- the shipped list


def parse_groups(text: str) -> list[list[str]]:
    """The groups of the shipped file format: one group per line, terms separated by commas, ``#`` starts a comment
    (a whole line or the end of one). Blank terms and lines are skipped; no other check (see ``normalize_terms``)."""
    groups = []
    for line in text.splitlines():
        content = line.split("#", 1)[0]
        terms = [_SPACES.sub(" ", term).strip() for term in content.split(",")]
        terms = [term for term in terms if term]
        if terms:
            groups.append(terms)
    return groups


def default_groups() -> list[list[str]]:
    """The default list shipped with the project."""
    return parse_groups(DEFAULT_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the terms of one group


def term_key(term: str) -> str:
    """A term without case, accents, ligatures or punctuation ("Main-d’Œuvre" → "main d oeuvre"), to filter by."""
    return _PUNCTUATION.sub(" ", fold(term)).strip()


def search_key(term: str) -> tuple[str, ...]:
    """What the search makes of a term: two terms with the same key are the same term for it ("Entrepôts",
    "entrepot"; "papier bulle", "papier à bulles"). Empty for a term of words the search ignores ("de la")."""
    return tuple(analysed_terms(term))


def normalize_terms(raw: str | None) -> list[str]:
    """The terms of one group from what an administrator typed: separated by commas or new lines, spaces trimmed and
    collapsed, empty terms and repeats dropped (the same term for the search: case, accents, punctuation, plurals
    and little words like "de" aside), the first one kept.

    Raises ``InvalidSynonyms`` for a term too long, made of something else than words or only of words the search
    ignores, and for fewer than 2 or more than 30 terms."""
    terms: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for piece in _SEPARATORS.split(unicodedata.normalize("NFC", raw or "")):
        term = _SPACES.sub(" ", piece).strip()
        if not term:
            continue
        _check_term(term)
        key = search_key(term)
        if not key:
            raise InvalidSynonyms(_l("“%(term)s” holds only words that the search ignores (such as “le”, “de”, "
                                     "“pour”): give a more precise term.", term=term))
        if key in seen:
            continue
        seen.add(key)
        terms.append(term)
        if len(terms) > GROUP_MAX_TERMS:
            raise InvalidSynonyms(_l("A group holds %(max)d terms at most: split it into several groups.",
                                     max=GROUP_MAX_TERMS))
    if len(terms) < GROUP_MIN_TERMS:
        raise InvalidSynonyms(_l("A group needs at least two different terms, separated by commas."))
    return terms


def _check_term(term: str) -> None:
    if len(term) > TERM_MAX_LENGTH:
        raise InvalidSynonyms(_l("“%(term)s…” is too long: %(max)d characters at most per term.",
                                 term=term[:30], max=TERM_MAX_LENGTH))
    for char in term:
        if char.isalnum() or char in ALLOWED_SIGNS:
            continue
        if not char.isprintable():
            raise InvalidSynonyms(_l("A term contains an invisible control character: type it again."))
        raise InvalidSynonyms(_l("“%(term)s” contains “%(char)s”: a term holds only letters, digits, spaces, "
                                 "apostrophes, hyphens and the signs . / & + °.", term=term, char=char))
    if not any(char.isalnum() for char in term):
        raise InvalidSynonyms(_l("“%(term)s” is not a word: a term needs at least one letter or digit.", term=term))


# --------------------------------------------------------------------------- what the search reads


@dataclass(frozen=True)
class _Cached:
    groups: tuple[tuple[str, ...], ...]
    expires: float
    generation: int


_lock = threading.Lock()
_generation = 0  # bumped by invalidate(): every process-wide cache entry older than it is stale
_clock = time.monotonic  # replaced by the tests
_EXTENSION_KEY = "marketplace.search.thesaurus"


def synonym_groups() -> list[list[str]]:
    """The groups of the thesaurus (each a list of terms), from the database, kept in memory for a short while.

    Never raises: without a usable database (or outside an application) it answers the shipped list and logs why."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no application: nothing to read from
        log.warning("Synonym thesaurus read outside an application: the shipped list is used")
        return _copy(_fallback())
    now = _clock()
    cached: _Cached | None = app.extensions.get(_EXTENSION_KEY)
    if cached is not None and cached.expires > now and cached.generation == _generation:
        return _copy(cached.groups)
    with _lock:
        cached = app.extensions.get(_EXTENSION_KEY)  # another thread may have just loaded it
        if cached is not None and cached.expires > now and cached.generation == _generation:
            return _copy(cached.groups)
        generation = _generation
        groups = _load()
        ttl = _ttl(app)
        app.extensions[_EXTENSION_KEY] = _Cached(groups, now + ttl, generation)
    return _copy(groups)


def invalidate() -> None:
    """Forget the groups kept in memory (every application of this process): the next search reads them again.
    Called after the commit of an administrator's edit."""
    global _generation
    with _lock:
        _generation += 1


def _copy(groups) -> list[list[str]]:
    return [list(group) for group in groups]


def _ttl(app) -> float:
    try:
        return max(0.0, float(app.config.get("SEARCH_THESAURUS_TTL", DEFAULT_TTL)))
    except (TypeError, ValueError):
        log.warning("SEARCH_THESAURUS_TTL is not a number of seconds: %r; %s is used",
                    app.config.get("SEARCH_THESAURUS_TTL"), DEFAULT_TTL)
        return DEFAULT_TTL


def _load() -> tuple[tuple[str, ...], ...]:
    try:
        rows = _read_terms()
    except Exception:  # the database is down, the table is missing...: search goes on with the shipped list
        log.exception("The synonym thesaurus could not be read from the database: the shipped list is used")
        return _fallback()
    groups = []
    for terms in rows:
        group = tuple(term.strip() for term in (terms or "").split(",") if term.strip())
        if len(group) >= GROUP_MIN_TERMS:
            groups.append(group)
    return tuple(groups)


def _read_terms() -> list[str]:
    """The ``terms`` column of every group, in creation order, read apart from the caller's transaction: a failed
    read must not break a transaction the request is still using (PostgreSQL refuses every statement after one)."""
    from ..extensions import db
    from ..models import SynonymGroup

    statement = sa.select(SynonymGroup.terms).order_by(SynonymGroup.id)
    bind = db.session.get_bind()
    if isinstance(bind, sa.engine.Connection):  # a session joined to an outer connection (the tests): a savepoint
        with bind.begin_nested():
            return list(bind.execute(statement).scalars())
    if isinstance(bind.pool, (sa.pool.StaticPool, sa.pool.SingletonThreadPool)):
        # one connection shared with the session (in-memory SQLite): closing another would roll the session back
        return list(db.session.execute(statement).scalars())
    with bind.connect() as connection:
        return list(connection.execute(statement).scalars())


_shipped: tuple[tuple[str, ...], ...] | None = None


def _fallback() -> tuple[tuple[str, ...], ...]:
    global _shipped
    if _shipped is None:
        try:
            _shipped = tuple(tuple(group) for group in default_groups())
        except OSError:
            log.exception("The shipped synonym list %s cannot be read: no synonyms", DEFAULT_FILE)
            return ()
    return _shipped
