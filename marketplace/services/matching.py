"""Match suggestions: for a published post, the posts of the other kind that truly fit it, stored as ``Match`` rows.

How a post's suggestions are found, fast enough for the publication path at 100,000 posts:

1. *Candidates* come from the search index, never from a whole-post Whoosh query: the post's most telling units
   (terms by idf, and the phrases of the thesaurus and of the related families with their alternatives) are scored
   in memory with NumPy over the index's postings (BM25), only among live posts of the other kind and of another
   company; the category fit and nearness weigh in; the best ``MATCH_CANDIDATES`` are kept.
2. Those candidates are loaded from the database in one query, with what each says (``match_facts``: its text
   read once, when it was indexed or changed, by ``matching.facts.read_post``; read again and rewritten when
   missing or stale), and *judged* by the pure scoring functions (``marketplace.matching.scoring``): same
   resource, reach, dates, quantity, conditions; the words are compared only for pairs that could reach the
   floor with identical words.
3. Only pairs above ``MATCH_MIN_SCORE`` (and not far below the post's best) are suggested, best first, at most
   ``MATCH_MAX_SUGGESTIONS``.

A stored pair belongs to both its posts: ``refresh_post`` adds the post's new suggestions, updates the scores of
its proposed suggested matches and deletes those that no longer hold (re-judged pair by pair). Rows that a person
has acted on (approved, rejected, concluded, declined) and requested ones are never touched. Nothing here commits
(but ``rebuild_all`` in several processes, which commits the stored facts before its children read them): the
caller (the index drain, a command) commits; nothing runs inside a request's transaction."""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..matching import codec, scoring
from ..matching.facts import PostFacts, read_post
from ..matching.places import gazetteer
from ..matching.text import PhraseGroups, related_groups
from ..models import Company, Match, MatchOrigin, MatchStatus, Post, PostKind, PostStatus
from ..models.match_facts import MatchFacts
from ..models.types import utcnow
from ..search.schema import CATEGORIES, KINDS

log = logging.getLogger(__name__)

QUERY_UNITS = 12  # units of the post sent to the index
ALTERNATIVES_PER_UNIT = 4  # synonyms and relatives of one phrase
LOCAL_BOOST = 1.0  # a candidate within reach counts double in the retrieval
FACTS_CACHE_SIZE = 20_000  # decoded facts kept by a worker (a rebuild keeps every post's: see compute_all)
POST_COLUMNS = ("id", "kind", "category", "company_id", "title", "description", "quantity", "unit", "city",
                "latitude", "longitude", "departement", "radius_km", "available_from", "available_until",
                "external_ref", "updated_at")


@dataclass(frozen=True)
class Suggestion:
    """One counterpart suggested for a post, with the pair's score and reasons."""

    post_id: int  # the counterpart
    offer_id: int
    need_id: int
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RefreshResult:
    added: int = 0
    updated: int = 0
    removed: int = 0

    def __iadd__(self, other: "RefreshResult") -> "RefreshResult":
        self.added += other.added
        self.updated += other.updated
        self.removed += other.removed
        return self


# --------------------------------------------------------------------------- settings and shared resources


def min_score() -> float:
    return float(current_app.config["MATCH_MIN_SCORE"])


def max_suggestions() -> int:
    return int(current_app.config["MATCH_MAX_SUGGESTIONS"])


def mutual_floor() -> float:
    return float(current_app.config["MATCH_MUTUAL_FLOOR"])


def relative_cut() -> float:
    return float(current_app.config["MATCH_RELATIVE_CUT"])


def mutual_rank() -> int:
    return int(current_app.config.get("MATCH_MUTUAL_RANK", 3))


def candidate_count() -> int:
    return int(current_app.config["MATCH_CANDIDATES"])


_groups_cache: dict[str, tuple[str, PhraseGroups, str]] = {}
_groups_lock = threading.Lock()


TEXT_ANALYSIS = "\x00function-words-1"  # the text layer's own rules: a change re-reads the stored facts


def _groups_state() -> tuple[PhraseGroups, str]:
    """The thesaurus (as the search reads it) and the related families, analysed once per thesaurus version, with
    the version of the stored facts they give (``codec.version_of``)."""
    from ..search.thesaurus import synonym_groups

    groups = synonym_groups()
    key = repr(groups)
    with _groups_lock:
        cached = _groups_cache.get("value")
        if cached is None or cached[0] != key:
            cached = (key, PhraseGroups(groups, related_groups()),
                      codec.version_of(key + repr(related_groups()) + TEXT_ANALYSIS))
            _groups_cache["value"] = cached
        return cached[1], cached[2]


def phrase_groups() -> PhraseGroups:
    """The thesaurus (as the search reads it) and the related families, analysed once per thesaurus version."""
    return _groups_state()[0]


class _FactsCache:
    """What each post says, decoded once per version of the post (its id, ``updated_at`` and the facts version)
    and kept for the process (least recently used out)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, PostFacts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> PostFacts | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, facts: PostFacts) -> None:
        with self._lock:
            self._items[key] = facts
            if len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def resize(self, size: int) -> None:
        with self._lock:
            self.size = size
            while len(self._items) > size:
                self._items.popitem(last=False)


_facts = _FactsCache(FACTS_CACHE_SIZE)


def _stored_facts_valid(row: Any, version: str) -> bool:
    return row.get("facts_data") is not None and row.get("facts_version") == version \
        and row.get("facts_updated_at") == row["updated_at"]


def facts_of(rows: list[Any], groups: PhraseGroups, version: str, store: bool = True) -> list[PostFacts]:
    """What each post of ``rows`` says (rows of ``_rows``: the post's columns and its stored facts): from the
    process cache, else from the stored facts, else read from its text (then stored, if ``store``)."""
    found, fresh = [], []
    for row in rows:
        key = (row["id"], row["updated_at"], version)
        facts = _facts.get(key)
        if facts is None:
            if _stored_facts_valid(row, version):
                facts = codec.load(row["facts_data"], row)
            else:
                facts = read_post(row, groups, gazetteer())
                fresh.append((row, facts))
            _facts.put(key, facts)
        found.append(facts)
    if fresh and store and _store_enabled:
        store_facts([(row["id"], row["updated_at"], codec.dump(facts)) for row, facts in fresh], version)
    return found


_store_enabled = True  # False in the children of a rebuild


def store_facts(items: list[tuple[int, Any, bytes]], version: str) -> None:
    """Write the facts of these posts ((post id, its updated_at, ``codec.dump``)), replacing older ones, in a
    savepoint: a failure (a post deleted meanwhile) is logged and costs nothing but a later recomputation."""
    if not items:
        return
    rows = [{"post_id": post_id, "post_updated_at": updated_at, "version": version, "data": data}
            for post_id, updated_at, data in items]
    try:
        with db.session.begin_nested():
            _upsert_facts(rows)
    except Exception:
        log.warning("matching: storing the facts of %d posts failed", len(rows), exc_info=True)


def _upsert_facts(rows: list[dict[str, Any]]) -> None:
    dialect = db.session.get_bind().dialect.name
    table = MatchFacts.__table__
    for start in range(0, len(rows), 2000):
        chunk = rows[start:start + 2000]
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            statement = insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.post_id],
                set_={name: statement.excluded[name] for name in ("post_updated_at", "version", "data")})
            db.session.execute(statement, chunk)
        else:
            db.session.execute(sa.delete(table).where(table.c.post_id.in_([r["post_id"] for r in chunk])))
            db.session.execute(sa.insert(table), chunk)


# --------------------------------------------------------------------------- index statistics


_segment_df: "weakref.WeakKeyDictionary[Any, dict[str, int]]" = weakref.WeakKeyDictionary()


class IndexStats:
    """Document frequencies read from the index's segments (cached per immutable segment) and the idf, kept for
    the process while the number of documents stays within 1 % (a publication does not change an idf)."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.count = max(snapshot.doc_count, 1)
        self._idf: dict[str, float] = {}

    @classmethod
    def of(cls, snapshot) -> "IndexStats":
        with _stats_lock:
            current = _stats.get("value")
            if current is not None and abs(current.count - max(snapshot.doc_count, 1)) <= 0.01 * current.count:
                current.snapshot = snapshot
                return current
            current = _stats["value"] = cls(snapshot)
            return current

    def doc_frequency(self, term: str) -> int:
        total = 0
        for data, _ in self.snapshot.segments:
            table = _segment_df.get(data)
            if table is None:
                table = _segment_df.setdefault(data, _df_table(data))
            total += table.get(term, 0)
        return total

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            df = min(self.doc_frequency(term), self.count)
            value = math.log(1.0 + (self.count - df + 0.5) / (df + 0.5))
            self._idf[term] = value
        return value


def _df_table(data) -> dict[str, int]:
    """Every term of a segment's text field with its document frequency, read in one pass (a term at a time,
    Whoosh takes some 4 µs per term and segment: a post and its candidates name a thousand terms)."""
    try:
        reader = data.reader
        decode = reader.schema["text"].from_bytes
        return {decode(term): info.doc_frequency() for term, info in reader.iter_field("text")}
    except Exception:  # a reader closed by a newer snapshot: count its terms as absent
        log.warning("matching: the terms of a segment could not be read", exc_info=True)
        return {}


_stats: dict[str, IndexStats] = {}
_stats_lock = threading.Lock()


def clear_caches() -> None:
    """Forget what this process keeps between calls (decoded facts, idf values): a fresh worker's state, for
    the benchmarks and the tests. The index's own data (its columns, each segment's term table) stays."""
    _facts.clear()
    with _stats_lock:
        _stats.clear()


class Context:
    """Everything one round of suggestions reads: the index snapshot, its statistics, the phrase groups, today."""

    def __init__(self, snapshot, today: date | None = None):
        self.snapshot = snapshot
        self.stats = IndexStats.of(snapshot)
        self.groups, self.version = _groups_state()
        self.today = today or utcnow().date()
        self.now = int(time.time())
        self.idf = self.stats.idf  # one bound method: the scoring functions cache their weights by it

    def facts(self, row: Any) -> PostFacts:
        return self.facts_of([row])[0]

    def facts_of(self, rows: list[Any]) -> list[PostFacts]:
        return facts_of(rows, self.groups, self.version)

    def alternatives(self, key) -> list[tuple[str, ...]]:
        """The phrases of one group (thesaurus or related family)."""
        return self.groups.phrases(key)


def warm_up() -> None:
    """Load what the engine reads once per process, so that a worker's first publication costs no more than its
    next ones: the mappers configured, the statements compiled, the thesaurus and the related families analysed,
    the gazetteer (a new post's towns), the index's columns and term tables. For a worker's start (about 1 s),
    in an application context of its own; never raises."""
    try:
        sa.orm.configure_mappers()
        phrase_groups()
        gazetteer()
        _rows([0])
        db.session.execute(sa.select(MatchFacts.post_id).where(MatchFacts.post_id == 0)).all()
        ctx = context()
        if ctx is not None:
            ctx.stats.doc_frequency("")  # every segment's term table
    except Exception:
        log.warning("matching: warming up failed (the first publication will do it)", exc_info=True)


def context() -> Context | None:
    """A context on the current index, or None when the index cannot be read (nothing is suggested then)."""
    from ..search.service import current_store, snapshot_of
    from ..search.store import IndexUnavailable

    try:
        store = current_store()
        if not store.exists():
            return None
        return Context(snapshot_of(store))
    except IndexUnavailable:
        log.warning("matching: the search index cannot be read, no suggestions computed")
        return None


# --------------------------------------------------------------------------- candidates from the index


def query_units(facts: PostFacts, ctx: Context) -> list[tuple[float, list[tuple[str, float]]]]:
    """The post's most telling units, each as (weight, [(term, factor), ...]): a term alone, or the rarest term of
    each phrase of its groups (the phrase itself at 1, synonyms at 0.9, relatives at 0.75)."""
    text = facts.text
    scored = []
    for unit in set(text.title) | set(text.body):
        count = scoring.TITLE_WEIGHT * text.title.get(unit, 0) + text.body.get(unit, 0)
        weight = scoring.unit_weight(unit, ctx.idf) * (1.0 + math.log(count)) if count >= 1 else 0.0
        if weight > 0:
            scored.append((weight, unit))
    scored.sort(key=lambda item: (-item[0], str(item[1])))  # ties in a fixed order: runs repeat
    units = []
    for weight, unit in scored[:QUERY_UNITS]:
        if isinstance(unit, str):
            units.append((weight, [(unit, 1.0)]))
            continue
        terms = {_rarest(unit, ctx): 1.0}
        for key in sorted(text.groups.get(unit, ()), key=str):
            factor = scoring.SYNONYM_WEIGHT if key[0] == "s" else scoring.RELATED_WEIGHT
            for phrase in ctx.alternatives(key)[:ALTERNATIVES_PER_UNIT * 2]:
                term = _rarest(phrase, ctx)
                if term and term not in terms and len(terms) < ALTERNATIVES_PER_UNIT + 1:
                    terms[term] = factor
        units.append((weight, [(t, f) for t, f in terms.items() if t]))
    return units


def _rarest(phrase: tuple[str, ...], ctx: Context) -> str:
    words = [t for t in phrase if not t.isdigit()]
    return max(words, key=ctx.idf) if words else ""


def candidates(facts: PostFacts, ctx: Context, limit: int | None = None) -> list[int]:
    """The post ids of the best candidates of the other kind (in-memory BM25 over the index's postings, weighted
    by the category fit and nearness), best first.

    Scores are summed into one array over the snapshot's documents (a unit counts once per document: the best of
    its alternatives); the nearness boost (at most x2) is computed only for the documents that can still reach
    the first ``limit`` with it."""
    snapshot = ctx.snapshot
    limit = limit or candidate_count()
    size = snapshot.size
    totals = np.zeros(size, dtype=np.float64)
    for weight, terms in query_units(facts, ctx):
        best = None
        for term, factor in terms:
            ids, tf = snapshot.postings("text", term)
            if not len(ids):
                continue
            contribution = (weight * factor) * snapshot.bm25("text", ids, tf)
            if len(terms) == 1:
                totals[ids] += contribution  # a term's postings name each document once
                continue
            if best is None:
                best = np.zeros(size, dtype=np.float32)
            best[ids] = np.maximum(best[ids], contribution)
        if best is not None:  # the best of the unit's alternatives, per document
            totals += best
    other_kind = KINDS.index(PostKind.NEED if facts.kind == PostKind.OFFER.value else PostKind.OFFER)
    docs = np.flatnonzero((totals > 0) & _eligible(snapshot, other_kind))
    columns = snapshot.columns
    keep = ((columns["company"][docs] != facts.company_id) & (columns["pid"][docs] != facts.id)
            & (columns["exp"][docs] >= ctx.now))
    docs = docs[keep]
    if not len(docs):
        return []
    scores = totals[docs] * _category_weights(facts)[columns["cat"][docs]]
    if len(docs) > limit:  # only a document within twice the limit-th score can still make it with the boost
        floor = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        hopeful = scores * (1.0 + LOCAL_BOOST) >= floor
        docs, scores = docs[hopeful], scores[hopeful]
    reach = float(facts.radius_km or scoring.DEFAULT_RADIUS_KM) * 2 if facts.kind == "need" else 100.0
    near = _distances(facts, columns["lat"][docs], columns["lon"][docs]) <= reach
    scores = scores * (1.0 + LOCAL_BOOST * near)
    if len(docs) > limit:
        top = np.argpartition(-scores, limit)[:limit]
        docs, scores = docs[top], scores[top]
    order = np.lexsort((columns["pid"][docs], -scores))
    return [int(pid) for pid in columns["pid"][docs[order]]]


_eligible_cache: list = [None, {}]  # [a weak reference to the last snapshot, {kind: its live documents}]


def _eligible(snapshot, kind: int) -> np.ndarray:
    """The live documents of one kind in a snapshot (kept for the last snapshot)."""
    reference, by_kind = _eligible_cache
    if reference is None or reference() is not snapshot:
        by_kind = {}
        _eligible_cache[:] = [weakref.ref(snapshot), by_kind]
    found = by_kind.get(kind)
    if found is None:
        found = by_kind[kind] = snapshot.alive & (snapshot.columns["kind"] == kind)
    return found


def _category_weights(facts: PostFacts) -> np.ndarray:
    weights = np.empty(len(CATEGORIES), dtype=np.float64)
    for index, category in enumerate(CATEGORIES):
        if facts.kind == "need":
            fit = scoring.category_fit(category.value, facts.category, frozenset(), facts.cues)
        else:
            fit = scoring.category_fit(facts.category, category.value, facts.cues, frozenset())
        weights[index] = 0.3 + 0.7 * fit
    return weights


def _distances(facts: PostFacts, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat1, lon1 = math.radians(facts.latitude), math.radians(facts.longitude)
    lat2, lon2 = np.radians(lat.astype(np.float64)), np.radians(lon.astype(np.float64))
    h = np.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


# --------------------------------------------------------------------------- judging


_rows_statement: dict[str, Any] = {}


def _rows(post_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The columns the engine reads and the stored facts, for the published posts of companies not suspended, in
    one query."""
    ids = list(post_ids)
    if not ids:
        return []
    statement = _rows_statement.get("value")
    if statement is None:
        columns = [getattr(Post, name) for name in POST_COLUMNS]
        statement = _rows_statement["value"] = (
            sa.select(*columns, MatchFacts.post_updated_at.label("facts_updated_at"),
                      MatchFacts.version.label("facts_version"), MatchFacts.data.label("facts_data"))
            .join(Company, Company.id == Post.company_id)
            .outerjoin(MatchFacts, MatchFacts.post_id == Post.id)
            .where(Post.id.in_(sa.bindparam("ids", expanding=True)), Post.status == PostStatus.PUBLISHED,
                   Company.suspended_at.is_(None)))
    return [dict(row) for row in db.session.execute(statement, {"ids": ids}).mappings()]


def _live(facts: PostFacts, ctx: Context) -> bool:
    return facts.available_until is None or facts.available_until >= ctx.today


def judge_pair(a: PostFacts, b: PostFacts, ctx: Context, at_least: float = 0.0) -> scoring.Judgement:
    """The judgement of a pair given in any order (``at_least``: see ``scoring.judge``)."""
    offer, need = (a, b) if a.kind == PostKind.OFFER.value else (b, a)
    if not (_live(offer, ctx) and _live(need, ctx)):
        return scoring.Judgement(0.0, [{"code": "dates_past"}])
    return scoring.judge(offer, need, ctx.idf, ctx.today, at_least)


def worth_judging() -> float:
    """The score under which a candidate can be neither suggested nor a mutual best (``MATCH_MUTUAL_FLOOR``,
    ``MATCH_MIN_SCORE``): such pairs are not worth comparing word by word."""
    return min(mutual_floor(), min_score())


def _suggest(facts: PostFacts, judged: list[tuple[PostFacts, scoring.Judgement]]) -> list[Suggestion]:
    """The suggestions among judged candidates: above the threshold and not far below the best, best first."""
    floor = min_score()
    kept = sorted(((j.score, other.id, other, j) for other, j in judged if j.score >= floor),
                  key=lambda item: (-item[0], item[1]))
    if kept:
        cut = relative_cut() * kept[0][0]
        kept = [item for item in kept if item[0] >= cut]
    return [_suggestion(facts, other, j) for _, _, other, j in kept[:max_suggestions()]]


def _judged(facts: PostFacts, ctx: Context) -> list[tuple[PostFacts, scoring.Judgement]]:
    """The post's candidates from the index, read in one query and judged (those that cannot reach
    ``worth_judging`` get 0: whatever their exact score, they are neither suggested nor a mutual best)."""
    ids = candidates(facts, ctx)
    floor = worth_judging()
    return [(other, judge_pair(facts, other, ctx, floor)) for other in ctx.facts_of(_rows(ids))]


def _best(judged: list[tuple[PostFacts, scoring.Judgement]]) -> tuple[PostFacts, scoring.Judgement] | None:
    return max(judged, key=lambda item: (item[1].score, -item[0].id), default=None)


def _suggestion(facts: PostFacts, other: PostFacts, judgement: scoring.Judgement) -> Suggestion:
    offer_id, need_id = (facts.id, other.id) if facts.kind == PostKind.OFFER.value else (other.id, facts.id)
    return Suggestion(other.id, offer_id, need_id, judgement.score, judgement.reasons)


def _ranked(judged: list[tuple[PostFacts, scoring.Judgement]], count: int) -> list[int]:
    """The ids of the ``count`` best judged candidates (scoring above 0), best first."""
    ordered = sorted(((j.score, other.id) for other, j in judged if j.score > 0), key=lambda item: (-item[0], item[1]))
    return [post_id for _, post_id in ordered[:count]]


def _rescued(post_id: int, best: Suggestion, theirs: list[int], text: float) -> bool:
    """A post without suggestion is paired with its best candidate (``best``, scoring at least
    ``MATCH_MUTUAL_FLOOR``, its words meeting the post's at least ``RESCUE_MIN_TEXT``: under the threshold, a pair
    rests on what its words share, not on a category) when it is that candidate's best too (``theirs``: the
    candidate's best candidates, best first), or one of its ``MATCH_MUTUAL_RANK`` best and of a compatible
    category: a post that would get nothing and a counterpart that ranks it high deserve a moderator's look."""
    if best.score < mutual_floor() or text < RESCUE_MIN_TEXT or post_id not in theirs[:mutual_rank()]:
        return False
    return theirs[0] == post_id or any(r.get("code") in COMPATIBLE_CODES for r in best.reasons)


COMPATIBLE_CODES = frozenset({"same_category", "related_category"})
RESCUE_MIN_TEXT = 0.25  # the text factor (scoring.text_relevance) a rescued pair needs
RESCUE_MIN_QUANTITY = 10  # the share of the need's quantity (percent) a rescued pair covers at least


def _rescue_text(facts: PostFacts, other: PostFacts, judgement: scoring.Judgement, ctx: Context) -> float:
    """The text factor of a pair as the rescue reads it: 0 when its shared words do not name the resource
    (``scoring.names_the_resource``) or when the offer covers less than ``RESCUE_MIN_QUANTITY`` % of the need."""
    text = (judgement.factors or {}).get("text", 0.0)
    if not text:
        return 0.0
    for reason in judgement.reasons:
        if reason.get("code") == "quantity" and reason.get("percent", 100) < RESCUE_MIN_QUANTITY:
            return 0.0
    if not scoring.names_the_resource(facts.text, other.text, ctx.idf):
        return 0.0
    return text


def _mutual(facts: PostFacts, judged, ctx: Context) -> Suggestion | None:
    """The post's best candidate when it scores under the threshold but is rescued (``_rescued``)."""
    best = _best(judged)
    if best is None or not mutual_floor() <= best[1].score < min_score():
        return None
    suggestion = _suggestion(facts, *best)
    theirs = _ranked(_judged(best[0], ctx), mutual_rank())
    return suggestion if _rescued(facts.id, suggestion, theirs, _rescue_text(facts, *best, ctx)) else None


def suggestions_for(post: Post | int, ctx: Context | None = None) -> list[Suggestion]:
    """The suggestions for one published post, best first (empty for a post that is not published)."""
    ctx = ctx or context()
    post_id = post if isinstance(post, int) else post.id
    rows = _rows([post_id])
    if ctx is None or not rows:
        return []
    facts = ctx.facts(rows[0])
    if not _live(facts, ctx):
        return []
    judged = _judged(facts, ctx)
    found = _suggest(facts, judged)
    if not found:
        mutual = _mutual(facts, judged, ctx)
        found = [mutual] if mutual else []
    return found


# --------------------------------------------------------------------------- storing


def _stored(post_id: int) -> list[Match]:
    return list(db.session.scalars(sa.select(Match).where(sa.or_(Match.offer_id == post_id,
                                                                  Match.need_id == post_id))))


def _editable(match: Match) -> bool:
    return match.origin is MatchOrigin.SUGGESTED and match.status is MatchStatus.PROPOSED


def refresh_post(post_id: int, ctx: Context | None = None) -> RefreshResult:
    """Recompute the proposed suggested matches of one post: add its new suggestions, update the scores of the
    others that still hold, delete those that no longer do (or all of them if the post is no longer published).
    Flushes; the caller commits."""
    result = RefreshResult()
    ctx = ctx or context()
    rows = _rows([post_id])
    stored = _stored(post_id)
    if not rows or ctx is None:
        if not rows:  # closed, expired, rejected, deleted, suspended: its proposals go
            result.removed += _delete([m for m in stored if _editable(m)])
        return result
    facts = ctx.facts(rows[0])
    suggested = {s.post_id: s for s in suggestions_for(post_id, ctx)} if _live(facts, ctx) else {}
    by_pair = {(m.offer_id, m.need_id): m for m in stored}
    for suggestion in suggested.values():
        match = by_pair.get((suggestion.offer_id, suggestion.need_id))
        if match is None:
            db.session.add(Match(offer_id=suggestion.offer_id, need_id=suggestion.need_id,
                                 score=suggestion.score, reasons=suggestion.reasons,
                                 origin=MatchOrigin.SUGGESTED, status=MatchStatus.PROPOSED))
            result.added += 1
        elif _editable(match):
            result.updated += _update(match, suggestion.score, suggestion.reasons)
    others = [m for m in stored if _editable(m)
              and (m.need_id if m.offer_id == post_id else m.offer_id) not in suggested]
    if others:
        counterparts = {facts.id: facts for facts in
                        ctx.facts_of(_rows(m.need_id if m.offer_id == post_id else m.offer_id for m in others))}
        stale = []
        for match in others:
            other = counterparts.get(match.need_id if match.offer_id == post_id else match.offer_id)
            judgement = judge_pair(facts, other, ctx) if other is not None else None
            if judgement is None or judgement.score < min_score():
                stale.append(match)
            else:
                result.updated += _update(match, judgement.score, judgement.reasons)
        result.removed += _delete(stale)
    db.session.flush()
    return result


def _update(match: Match, score: float, reasons: list[dict[str, Any]]) -> int:
    if abs(match.score - score) < 1e-4 and match.reasons == reasons:
        return 0
    match.score, match.reasons = score, reasons
    return 1


def _delete(matches: list[Match]) -> int:
    for match in matches:
        db.session.delete(match)
    return len(matches)


def forget_post(post_id: int) -> int:
    """A post left the index (closed, expired, withdrawn): its proposed suggested matches go."""
    return _delete([m for m in _stored(post_id) if _editable(m)])


def on_posts_indexed(indexed_ids: Iterable[int], removed_ids: Iterable[int] = ()) -> None:
    """After the index committed a drain: posts that left it lose their proposed matches, posts (re)indexed get
    theirs recomputed. Flushes, never commits, never raises (logs and returns): the drain commits after it."""
    try:
        for post_id in sorted(set(removed_ids)):
            forget_post(post_id)
        ids = sorted(set(indexed_ids))
        ctx = context() if ids else None
        for post_id in ids:
            refresh_post(post_id, ctx)
        db.session.flush()
    except Exception:
        log.exception("matching: computing the suggestions of %d posts failed", len(list(indexed_ids or [])))
        db.session.rollback()


def matchable_post_ids() -> list[int]:
    statement = (sa.select(Post.id).join(Company, Company.id == Post.company_id)
                 .where(Post.status == PostStatus.PUBLISHED, Company.suspended_at.is_(None)).order_by(Post.id))
    return list(db.session.scalars(statement))


@dataclass
class Computed:
    """What a rebuild computes: the suggested pairs, and each post's best candidate (for the mutual bests)."""

    pairs: dict[tuple[int, int], Suggestion] = field(default_factory=dict)
    best: dict[int, Suggestion] = field(default_factory=dict)  # post id -> its best candidate, whatever its score
    ranked: dict[int, list[int]] = field(default_factory=dict)  # post id -> its best candidates (mutual rank)
    texts: dict[int, float] = field(default_factory=dict)  # post id -> the text factor of its best candidate

    def merge(self, other: "Computed") -> None:
        for key, suggestion in other.pairs.items():
            self.pairs.setdefault(key, suggestion)
        self.best.update(other.best)
        self.ranked.update(other.ranked)
        self.texts.update(other.texts)

    def with_mutual_bests(self, floor: float | None = None) -> dict[tuple[int, int], Suggestion]:
        """The pairs, and the posts without a suggestion paired with their best candidate when it rescues them
        (``_rescued``; ``floor``: ``MATCH_MUTUAL_FLOOR`` by default)."""
        pairs = dict(self.pairs)
        suggested = {post for key in pairs for post in key}
        for post_id, best in self.best.items():
            if post_id in suggested or (floor is not None and best.score < floor):
                continue
            theirs = self.ranked.get(best.post_id)
            if theirs is None:  # only the candidate's best is known
                theirs = [self.best[best.post_id].post_id] if best.post_id in self.best else []
            if _rescued(post_id, best, theirs, self.texts.get(post_id, 1.0)):
                pairs.setdefault((best.offer_id, best.need_id), best)
        return pairs


REBUILD_CHUNK = 500  # posts whose candidates are read in one query during a rebuild
last_rebuild_phases: dict[str, float] = {}  # seconds per phase of the last rebuild in this process (benchmarks)


def compute_all(post_ids: list[int], ctx: Context) -> Computed:
    """The suggestions of every post given, merged by pair (a pair suggested from both sides is one). The
    candidates of ``REBUILD_CHUNK`` posts are read in one query."""
    computed = Computed()
    floor = worth_judging()
    size = _facts.size
    _facts.resize(max(size, len(post_ids) * 2 + 1000))  # the candidates of all: most posts, decoded once
    try:
        _compute_chunks(post_ids, ctx, floor, computed)
    finally:
        _facts.resize(size)
    return computed


def _compute_chunks(post_ids: list[int], ctx: Context, floor: float, computed: Computed) -> None:
    for start in range(0, len(post_ids), REBUILD_CHUNK):
        chunk = [f for f in ctx.facts_of(_rows(post_ids[start:start + REBUILD_CHUNK])) if _live(f, ctx)]
        wanted = [(facts, candidates(facts, ctx)) for facts in chunk]
        needed = {pid for _, ids in wanted for pid in ids}
        known = {f.id: f for f in ctx.facts_of(_rows(sorted(needed)))}
        for facts, ids in wanted:
            judged = [(other, judge_pair(facts, other, ctx, floor)) for other in
                      sorted((known[i] for i in ids if i in known), key=lambda f: f.id)]
            for suggestion in _suggest(facts, judged):
                computed.pairs.setdefault((suggestion.offer_id, suggestion.need_id), suggestion)
            best = _best(judged)
            if best is not None and best[1].score > 0:
                computed.best[facts.id] = _suggestion(facts, *best)
                computed.ranked[facts.id] = _ranked(judged, mutual_rank())
                computed.texts[facts.id] = _rescue_text(facts, *best, ctx) if best[1].score < min_score() \
                    else best[1].factors.get("text", 0.0)


def _can_fork(procs: int, count: int, minimum: int) -> bool:
    import multiprocessing

    return procs > 1 and count >= minimum and "fork" in multiprocessing.get_all_start_methods()


def _in_processes(function, slices: list) -> list:
    """``function`` over ``slices`` in forked processes, each in an app context of its own (database connections
    are not shared with the parent: each child opens its own)."""
    import multiprocessing

    global _worker_app, _worker_function
    _worker_app, _worker_function = current_app._get_current_object(), function
    db.session.remove()
    with multiprocessing.get_context("fork").Pool(len(slices)) as pool:
        return pool.map(_run_in_worker, slices)


_worker_app = None
_worker_function = None


def _run_in_worker(argument):
    import gc

    global _store_enabled
    _store_enabled = False  # a child only reads: the parent writes (SQLite has one writer at a time)
    # a short-lived child that makes no reference cycles: the cyclic collector would only walk its hundred
    # thousand facts again and again (a third of its time)
    gc.disable()
    with _worker_app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections are not this process's
        try:
            return _worker_function(argument)
        finally:
            db.session.remove()


def _compute_in_processes(post_ids: list[int], procs: int) -> Computed:
    """``compute_all`` split over ``procs`` forked processes (each reads the index and the database itself)."""
    parts = _in_processes(_compute_slice, [post_ids[i::procs] for i in range(procs)])
    computed = Computed()
    for part in parts:
        computed.merge(part)
    return computed


def _compute_slice(post_ids: list[int]) -> Computed:
    ctx = context()
    return compute_all(post_ids, ctx) if ctx is not None else Computed()


def stale_facts_ids(post_ids: Iterable[int] | None = None) -> list[int]:
    """The published posts (of ``post_ids``, or all) whose stored facts are missing or stale."""
    version = _groups_state()[1]
    statement = (sa.select(Post.id, Post.updated_at, MatchFacts.post_updated_at, MatchFacts.version)
                 .join(Company, Company.id == Post.company_id)
                 .outerjoin(MatchFacts, MatchFacts.post_id == Post.id)
                 .where(Post.status == PostStatus.PUBLISHED, Company.suspended_at.is_(None)).order_by(Post.id))
    if post_ids is not None:
        statement = statement.where(Post.id.in_(list(post_ids)))
    return [row[0] for row in db.session.execute(statement) if row[3] != version or row[2] != row[1]]


def _read_facts(post_ids: list[int]) -> list[tuple[int, Any, bytes]]:
    """(post id, updated_at, stored form) of these posts' facts, read from their text."""
    groups, found = phrase_groups(), []
    places = gazetteer()
    for start in range(0, len(post_ids), 1000):
        for row in _rows(post_ids[start:start + 1000]):
            found.append((row["id"], row["updated_at"], codec.dump(read_post(row, groups, places))))
    return found


def refresh_facts(post_ids: Iterable[int] | None = None, procs: int = 1) -> int:
    """Read and store the facts of the published posts (of ``post_ids``, or all) whose stored facts are missing
    or stale (a new thesaurus, a new version of the engine), in ``procs`` processes. Returns how many were
    stored. Flushes; the caller commits."""
    stale = stale_facts_ids(post_ids)
    if not stale:
        return 0
    version = _groups_state()[1]
    if _can_fork(procs, len(stale), 4000):
        gazetteer()  # read once, shared with the children
        items = [item for part in _in_processes(_read_facts, [stale[i::procs] for i in range(procs)])
                 for item in part]
    else:
        items = _read_facts(stale)
    for start in range(0, len(items), 5000):
        store_facts(items[start:start + 5000], version)
    db.session.flush()
    return len(items)


def rebuild_all(ctx: Context | None = None, procs: int = 1) -> RefreshResult:
    """Recompute every post's suggestions and bring the proposed suggested matches in line (rows people have
    acted on are kept as they are), in ``procs`` processes where the system can fork. Stores the facts of the
    posts that have none (or stale ones) first. Flushes; the caller commits (with ``procs`` > 1 the stored facts
    are committed before the children start: they read them from the database)."""
    phases = last_rebuild_phases
    phases.clear()
    mark = time.perf_counter()
    ctx = ctx or context()
    result = RefreshResult()
    if ctx is None:
        return result
    refresh_facts(procs=procs)
    post_ids = matchable_post_ids()
    forking = _can_fork(procs, len(post_ids), 1000)
    if forking:
        db.session.commit()  # the children read the facts from the database (derived data, like the index)
    phases["facts"], mark = time.perf_counter() - mark, time.perf_counter()
    if forking:
        computed = _compute_in_processes(post_ids, procs)
    else:
        computed = compute_all(post_ids, ctx)
    pairs = computed.with_mutual_bests(mutual_floor())
    phases["suggestions"], mark = time.perf_counter() - mark, time.perf_counter()
    result += _store_pairs(pairs)
    phases["storing"] = time.perf_counter() - mark
    return result


def _store_pairs(pairs: dict[tuple[int, int], Suggestion]) -> RefreshResult:
    """Bring the stored matches in line with ``pairs``: new pairs inserted, proposed suggested ones updated or
    deleted, the others left as they are (Core statements: a rebuild touches a hundred thousand rows)."""
    result = RefreshResult()
    table = Match.__table__
    existing = db.session.execute(sa.select(table.c.id, table.c.offer_id, table.c.need_id, table.c.score,
                                            table.c.reasons, table.c.origin, table.c.status)).all()
    editable = {MatchOrigin.SUGGESTED.value, MatchOrigin.SUGGESTED}, {MatchStatus.PROPOSED.value,
                                                                      MatchStatus.PROPOSED}
    stale, updates, seen = [], [], set()
    now = utcnow()
    for row in existing:
        key = (row.offer_id, row.need_id)
        seen.add(key)
        if row.origin not in editable[0] or row.status not in editable[1]:
            continue
        suggestion = pairs.get(key)
        if suggestion is None:
            stale.append(row.id)
        elif abs(row.score - suggestion.score) >= 1e-4 or row.reasons != suggestion.reasons:
            updates.append({"match_id": row.id, "score": suggestion.score, "reasons": suggestion.reasons,
                            "updated_at": now})
    for start in range(0, len(stale), 1000):
        result.removed += _delete(list(db.session.scalars(sa.select(Match).where(
            Match.id.in_(stale[start:start + 1000])))))
    db.session.flush()
    if updates:
        statement = (sa.update(table).where(table.c.id == sa.bindparam("match_id"))
                     .values(score=sa.bindparam("score"), reasons=sa.bindparam("reasons"),
                             updated_at=sa.bindparam("updated_at")))
        db.session.execute(statement, updates, execution_options={"synchronize_session": False})
        result.updated += len(updates)
    new_rows = [{"offer_id": s.offer_id, "need_id": s.need_id, "score": s.score, "reasons": s.reasons,
                 "origin": MatchOrigin.SUGGESTED, "status": MatchStatus.PROPOSED, "created_at": now,
                 "updated_at": now} for key, s in pairs.items() if key not in seen]
    for start in range(0, len(new_rows), 5000):
        db.session.execute(sa.insert(Match), new_rows[start:start + 5000])
    result.added += len(new_rows)
    db.session.flush()
    return result


# --------------------------------------------------------------------------- reading the stored suggestions


def stored_suggestions(limit_per_post: int | None = None) -> dict[int, list[Match]]:
    """The suggested matches still open or acted on favourably, by post, best first (at most ``limit_per_post``)."""
    limit = limit_per_post or max_suggestions()
    statement = sa.select(Match).where(Match.origin == MatchOrigin.SUGGESTED,
                                       Match.status.in_([MatchStatus.PROPOSED, MatchStatus.APPROVED,
                                                         MatchStatus.CONCLUDED]))
    by_post: dict[int, list[Match]] = {}
    for match in db.session.scalars(statement):
        by_post.setdefault(match.offer_id, []).append(match)
        by_post.setdefault(match.need_id, []).append(match)
    for post_id, matches in by_post.items():
        matches.sort(key=lambda m: (-m.score, m.id))
        del matches[limit:]
    return by_post
