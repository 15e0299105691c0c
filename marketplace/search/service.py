"""Search as the rest of the application sees it: results pages, alerts, catching up, rebuilding, checking.

If the index is missing or unreadable, the site keeps serving: searches fall back to a plain database query (no
facets, no relevance) and say so, and the index is rebuilt (in the background in a web process)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from pathlib import Path


import sqlalchemy as sa
from flask import current_app, has_request_context
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from whoosh import highlight

from ..extensions import db
from ..models import Company, Post, PostStatus, SearchCursor, User
from ..models.types import utcnow
from ..services import catalogue, geo
from . import changes, engine
from .analysis import analyzer, fold, terms
from .params import SearchParams
from .query import Alternative, ParsedQuery, Thesaurus, merge_phrases, parse
from .query import CORRECTION_WEIGHT, MAX_QUERY_LENGTH, normalize_text
from .schema import CATEGORIES, KINDS, codes, document
from .snapshot import Snapshot, SnapshotCache
from .store import IndexStore, IndexUnavailable, store_for

log = logging.getLogger(__name__)
_caches: dict[str, SnapshotCache] = {}
_rebuilding: set[str] = set()
_rebuild_lock = threading.Lock()
MAX_CORRECTED_LENGTH = 30  # longer "words" are not words: no spelling correction


# --------------------------------------------------------------------------- where


def index_path() -> Path:
    configured = current_app.config.get("SEARCH_INDEX_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "search-index"


def current_store() -> IndexStore:
    return store_for(index_path())


def release_index(path) -> None:
    """Close the index at ``path`` in this process and drop its cached arrays (tests, a retired directory)."""
    from .store import release

    _caches.pop(str(Path(path).resolve()), None)
    release(path)


def index_name() -> str:
    return current_app.config["SEARCH_INDEX_NAME"]


def snapshot_of(store: IndexStore) -> Snapshot:
    searcher = store.searcher()
    cache = _caches.setdefault(str(store.root), SnapshotCache())
    try:
        return cache.snapshot(searcher)
    except Exception as exc:  # a segment file missing or damaged
        raise IndexUnavailable(f"the search index cannot be read: {exc}") from exc


# --------------------------------------------------------------------------- results


@dataclass
class FacetValue:
    code: str
    count: int
    selected: bool


@dataclass
class SearchResults:
    params: SearchParams
    page: catalogue.Page
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    highlights: dict[int, dict[str, Markup]] = field(default_factory=dict)
    distances: dict[int, float] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean"
    degraded: bool = False  # the index could not be used: plain database search
    truncated: bool = False  # the text was longer than what is read
    origin_missing: bool = False  # "near my company" without a company
    relaxed: bool = False  # no post had every word: those with all but one are shown


def run_search(params: SearchParams, user: User | None = None, per_page: int | None = None,
               raw_query: str | None = None) -> SearchResults:
    per_page = per_page or current_app.config["POSTS_PER_PAGE"]
    store = current_store()
    catch_up(store)
    try:
        snapshot = snapshot_of(store)
    except IndexUnavailable:
        log.warning("search index unavailable: answering from the database", exc_info=True)
        _rebuild_quietly(store)
        snapshot = _rebuilt_snapshot(store)
        if snapshot is None:
            return _database_search(params, per_page)
    try:
        return _index_search(snapshot, params, user, per_page, raw_query)
    except Exception:  # never a 500 for a search: the simpler search answers
        log.exception("search failed: answering from the database")
        db.session.rollback()
        return _database_search(params, per_page)


def _rebuilt_snapshot(store: IndexStore) -> Snapshot | None:
    """The index just rebuilt in this process ("sync" mode), if it was."""
    if current_app.config["SEARCH_AUTO_REBUILD"] != "sync":
        return None
    try:
        return snapshot_of(store)
    except IndexUnavailable:
        return None


def _index_search(snapshot: Snapshot, params: SearchParams, user, per_page: int, raw_query) -> SearchResults:
    parsed = parsed_query(snapshot, params.q)
    criteria, origin_missing = _criteria(params, user)
    found = engine.find(snapshot, parsed, criteria)
    relaxed = False
    if not found.total and len(parsed.groups) > 1:  # no post has every word: those with most of them
        found = engine.find(snapshot, parsed, criteria, min_groups=max(1, len(parsed.groups) - 1))
        relaxed = bool(found.total)
    pages = catalogue.page_count(found.total, per_page)
    number = min(params.page, pages)
    window = found.docnums[(number - 1) * per_page: number * per_page]
    post_ids = [int(pid) for pid in snapshot.columns["pid"][window]]
    posts = _load_posts(post_ids)
    page = catalogue.Page(posts, found.total, number, per_page, out_of_range=params.page > pages,
                          window=catalogue.page_window(number, pages))
    results = SearchResults(params, page, facets=_facets(found, params), origin_missing=origin_missing,
                            relaxed=relaxed,
                            truncated=len(normalize_text(raw_query)) > MAX_QUERY_LENGTH)
    if found.distances is not None:
        start = (number - 1) * per_page
        results.distances = {pid: float(d) for pid, d in zip(post_ids, found.distances[start:start + per_page])}
    results.highlights = _highlights(posts, parsed)
    if params.q and found.total < current_app.config["SEARCH_FEW_RESULTS"]:
        results.suggestion = suggestion(snapshot, params.q)
    return results


def matching_post_ids(params: SearchParams, post_ids: Iterable[int], user: User | None = None) -> set[int]:
    """Which of ``post_ids`` the search ``params`` finds now (saved-search alerts)."""
    wanted = list(post_ids)
    if not wanted:
        return set()
    store = current_store()
    try:
        snapshot = snapshot_of(store)
    except IndexUnavailable:
        return set()
    criteria, _ = _criteria(params, user, restrict_to=snapshot.docnums_of(wanted))
    found = engine.find(snapshot, parsed_query(snapshot, params.q), criteria, facets=False)
    return {int(pid) for pid in snapshot.columns["pid"][found.docnums]}


def thesaurus() -> Thesaurus:
    from .thesaurus import synonym_groups

    groups = synonym_groups()
    key = repr(groups)
    cached = _thesaurus_cache.get("value")
    if cached is None or cached[0] != key:
        cached = (key, Thesaurus(groups))
        _thesaurus_cache["value"] = cached
    return cached[1]


_thesaurus_cache: dict[str, tuple[str, Thesaurus]] = {}


def parsed_query(snapshot: Snapshot, text: str) -> ParsedQuery:
    """The query with its synonyms, and a corrected spelling added to each word the index does not know."""
    words = thesaurus()
    parsed = merge_phrases(parse(text, words), words)
    for group in parsed.groups:
        if any(engine.known(snapshot, alt) for alt in group.alternatives):
            continue
        for word in group.words:
            corrected = correct_word(snapshot, word)
            if corrected:
                for sub in words.groups_for(terms(corrected), corrected):
                    for alt in sub.alternatives:
                        group.add(Alternative(alt.terms, alt.weight * CORRECTION_WEIGHT))
    return parsed


def correct_word(snapshot: Snapshot, word: str) -> str | None:
    """The closest word of the titles (Whoosh's spelling corrector), if ``word`` itself is unknown; remembered
    for the snapshot (the corrector walks every segment's words)."""
    folded = fold(word.strip())
    if not 3 <= len(folded) <= MAX_CORRECTED_LENGTH or not folded.isalpha():
        return None
    cache = snapshot.__dict__.setdefault("_corrections", {})
    if folded not in cache:
        if len(cache) > 5000:
            cache.clear()
        cache[folded] = _closest_title_word(snapshot, folded)
    return cache[folded]


def _closest_title_word(snapshot: Snapshot, folded: str) -> str | None:
    for data, _ in snapshot.segments:
        try:
            corrector = data.reader.corrector("title")
            found = corrector.suggest(folded, limit=1, maxdist=2 if len(folded) > 5 else 1, prefix=1)
        except Exception:
            continue
        if found and found[0] != folded:
            return found[0]
    return None


def suggestion(snapshot: Snapshot, text: str) -> str | None:
    """The query with its unknown words corrected, if any was."""
    changed, words = False, []
    for word in text.split():
        analysed = terms(word)
        unknown = analysed and not all(snapshot.doc_frequency(t) for t in analysed)
        corrected = correct_word(snapshot, word) if unknown else None
        words.append(corrected or word)
        changed = changed or bool(corrected)
    return " ".join(words) if changed else None


def _criteria(params: SearchParams, user, restrict_to=None) -> tuple[engine.Criteria, bool]:
    origin, missing = _origin(params, user)
    values = engine.criteria_codes(params.kind, params.category, params.region, params.departement)
    return engine.Criteria(
        **values, free_only=params.free_only, origin=origin, within_km=params.within_km if origin else None,
        sort=params.effective_sort if origin or params.effective_sort != "distance" else "date",
        now=int(utcnow().timestamp()), restrict_to=restrict_to,
    ), missing


def _origin(params: SearchParams, user) -> tuple[tuple[float, float] | None, bool]:
    if params.near_postcode:
        commune = geo.communes_for(params.near_postcode)[0]
        return (commune.latitude, commune.longitude), False
    if params.near_company:
        company = getattr(user, "company", None) if user is not None and user.is_authenticated else None
        if company is None:
            return None, True
        return (company.latitude, company.longitude), False
    return None, False


def _load_posts(post_ids: list[int]) -> list[Post]:
    """The posts of a page, in the index's order, rechecked against the database (the index may lag)."""
    if not post_ids:
        return []
    statement = catalogue.with_card_data(sa.select(Post).where(Post.id.in_(post_ids),
                                                               catalogue.visible_condition()))
    found = {post.id: post for post in db.session.scalars(statement).unique()}
    return [found[pid] for pid in post_ids if pid in found]


def _facets(found: engine.Found, params: SearchParams) -> dict[str, list[FacetValue]]:
    regions, departements = codes().regions, codes().departements
    decoders = {
        "kind": (lambda n: KINDS[n].value if 0 <= n < len(KINDS) else None, params.kind),
        "category": (lambda n: CATEGORIES[n].value if 0 <= n < len(CATEGORIES) else None, params.category),
        "region": (lambda n: regions[n - 1] if 1 <= n <= len(regions) else None, params.region),
        "departement": (lambda n: departements[n - 1] if 1 <= n <= len(departements) else None,
                        params.departement),
    }
    facets = {}
    for name, (decode, selected) in decoders.items():
        values = [(decode(code), count) for code, count in found.facets.get(name, {}).items()]
        facets[name] = [FacetValue(code, count, code == (str(selected) if selected else None))
                        for code, count in sorted(values, key=lambda v: -v[1]) if code]
    free = found.facets.get("free", {})
    facets["free"] = [FacetValue("1", free.get(1, 0), params.free_only)]
    return facets


def _highlights(posts: list[Post], parsed: ParsedQuery) -> dict[int, dict[str, Markup]]:
    wanted = parsed.highlight_terms()
    if not wanted:
        return {}
    formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
    shown = {}
    for post in posts:
        title = highlight.highlight(post.title, wanted, analyzer(), highlight.WholeFragmenter(), formatter)
        excerpt = highlight.highlight(post.description, wanted, analyzer(),
                                      highlight.ContextFragmenter(maxchars=220, surround=60), formatter, top=2)
        shown[post.id] = {"title": Markup(title) if title else None, "excerpt": Markup(excerpt) if excerpt else None}
    return shown


# --------------------------------------------------------------------------- without the index


def _database_search(params: SearchParams, per_page: int) -> SearchResults:
    """Plain SQL: every word in the title or the description (accents as typed), the catalogue's filters."""
    conditions = catalogue.catalogue_conditions(params.filters)
    for word in params.q.split()[:10]:
        pattern = f"%{_escape_like(word)}%"
        conditions.append(sa.or_(Post.title.ilike(pattern, escape="\\"), Post.description.ilike(pattern, escape="\\")))
    page = catalogue.paginate(conditions, params.page, per_page)
    return SearchResults(params, page, degraded=True)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --------------------------------------------------------------------------- keeping the index up to date


def drain_now(timeout: float | None = None) -> changes.DrainResult:
    """Apply the change log now (after a commit); never raises: what is left waits for the next drain."""
    store = current_store()
    timeout = current_app.config["SEARCH_LOCK_TIMEOUT"] if timeout is None else timeout
    try:
        if not store.exists():
            ensure_rebuilt(store)
            return changes.DrainResult(skipped="unavailable")
        result = changes.drain(store, index_name(), timeout)
    except IndexUnavailable:
        _rebuild_quietly(store)
        return changes.DrainResult(skipped="unavailable")
    except Exception:
        log.exception("applying the search change log failed: the next drain will retry")
        db.session.rollback()
        return changes.DrainResult(skipped="error")
    if result.skipped == "locked":
        log.info("search index locked by another process: changes left for the next drain")
    if result.indexed or result.removed_ids:
        _match(result.indexed, result.removed_ids)
    if result.indexed:
        _alert(result.indexed)
    return result


def _match(indexed: list[int], removed: list[int]) -> None:
    """Recompute the match suggestions of the posts the index just took in or let go (after the index commit,
    so the candidates are read from an index that holds them), and commit them."""
    from ..services import matching

    try:
        matching.on_posts_indexed(indexed, removed)
        db.session.commit()
    except Exception:
        log.exception("computing match suggestions failed: `flask matching rebuild` repairs them")
        db.session.rollback()


def _rebuild_quietly(store: IndexStore) -> None:
    try:
        ensure_rebuilt(store)
    except Exception:
        log.exception("rebuilding the search index failed")
        db.session.rollback()


def _alert(post_ids: list[int]) -> None:
    try:
        from ..services import saved_searches
    except ImportError:
        return
    try:
        saved_searches.on_posts_indexed(post_ids)
        db.session.commit()
    except Exception:
        log.exception("saved-search alerts failed")
        db.session.rollback()


def catch_up(store: IndexStore) -> None:
    """Before a search: apply what other processes left in the log, without waiting for a lock."""
    try:
        if store.exists() and changes.behind(index_name()):
            drain_now(timeout=0)
    except Exception:
        log.exception("checking the search change log failed")
        db.session.rollback()


def ensure_rebuilt(store: IndexStore) -> None:
    """A missing or corrupt index is rebuilt: in a thread while serving pages, at once in a command (or with
    ``SEARCH_AUTO_REBUILD = "sync"``)."""
    mode = current_app.config["SEARCH_AUTO_REBUILD"]
    if not mode:
        return
    if mode == "sync" or not has_request_context():
        reindex()
        return
    with _rebuild_lock:
        if str(store.root) in _rebuilding:
            return
        _rebuilding.add(str(store.root))
    app = current_app._get_current_object()
    threading.Thread(target=_rebuild_in_background, args=(app, str(store.root)), daemon=True,
                     name="search-rebuild").start()


def _rebuild_in_background(app, root: str) -> None:
    try:
        with app.app_context():
            reindex()
            db.session.remove()
    except Exception:
        log.exception("rebuilding the search index failed")
    finally:
        with _rebuild_lock:
            _rebuilding.discard(root)


def rebuilding() -> bool:
    return str(current_store().root) in _rebuilding


def searchable_posts() -> sa.Select:
    return (sa.select(Post).options(joinedload(Post.company)).where(Post.status == PostStatus.PUBLISHED)
            .order_by(Post.id))


def searchable_documents() -> Iterator[dict]:
    """The index documents of every searchable post, read as plain rows (the ORM would cost more than the
    indexing itself on a large table)."""
    post = Post.__table__
    statement = (sa.select(post, Company.legal_name.label("company_name"),
                           Company.updated_at.label("company_updated_at"))
                 .join(Company, Company.id == post.c.company_id)
                 .where(post.c.status == PostStatus.PUBLISHED, Company.suspended_at.is_(None))
                 .order_by(post.c.id).execution_options(yield_per=2000))
    for row in db.session.execute(statement):
        values = row._asdict()
        company = SimpleNamespace(legal_name=values.pop("company_name"),
                                  updated_at=values.pop("company_updated_at"))
        view = SimpleNamespace(company=company, **values)
        yield document(view, changes.age_limit(view))


def reindex(procs: int | None = None) -> int:
    """Rebuild the whole index from the database into a new generation and swap it in.

    The change log is held from where the read starts (a temporary cursor, one per rebuild, stops the pruning),
    and the cursor of this index is set back there once the new index is in use: what changed meanwhile, or what
    another rebuild or drain applied to the old generation, is applied again."""
    store = current_store()
    name = index_name()
    holder = f"{name}:rebuild:{secrets.token_hex(4)}"
    db.session.rollback()
    start = changes.rebuild_start(name)
    db.session.add(SearchCursor(name=holder, position=start))
    db.session.commit()
    try:
        directory, count = store.build(searchable_documents(),
                                       procs=procs or current_app.config["SEARCH_BUILD_PROCS"])
        store.swap_in(directory)
        changes.rewind(name, start)
        db.session.commit()
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(SearchCursor).where(SearchCursor.name == holder))
        db.session.commit()
    changes.drain(store, name, current_app.config["SEARCH_LOCK_TIMEOUT"])
    return count


@dataclass
class CheckReport:
    missing: list[int]  # searchable in the database, absent from the index
    extra: list[int]  # in the index, not searchable
    stale: list[int]  # in both, the index copy older than the post

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check() -> CheckReport:
    store = current_store()
    searcher = store.searcher()
    try:
        indexed = {int(fields["id"]): fields.get("stamp") for fields in searcher.all_stored_fields()}
    except Exception as exc:  # a damaged segment
        raise IndexUnavailable(f"the search index cannot be read: {exc}") from exc
    from .schema import stamp_of

    expected = {post.id: stamp_of(post) for post in db.session.scalars(searchable_posts()).unique()
                if changes.searchable(post)}
    missing = sorted(set(expected) - set(indexed))
    extra = sorted(set(indexed) - set(expected))
    stale = sorted(pid for pid in set(expected) & set(indexed) if expected[pid] != indexed[pid])
    return CheckReport(missing, extra, stale)


def wait_for_index(seconds: float = 5.0) -> bool:
    """Tests and benchmarks: wait until the index exists (a background rebuild)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if current_store().exists() and not rebuilding():
            return True
        time.sleep(0.05)
    return False


__all__ = ["SearchResults", "check", "drain_now", "matching_post_ids", "reindex", "run_search"]

