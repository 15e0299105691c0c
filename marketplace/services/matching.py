"""Match suggestions: for a published post, the posts of the other kind that truly fit it, stored as ``Match`` rows.

How a post's suggestions are found, fast enough for the publication path at 100,000 posts:

1. *Candidates* come from the search index, never from a whole-post Whoosh query: the post's most telling units
   (terms by idf, and the phrases of the thesaurus and of the related families with their alternatives) are scored
   in memory with NumPy over the index's postings (BM25), only among live posts of the other kind and of another
   company; the category fit and nearness weigh in; the best ``MATCH_CANDIDATES`` are kept.
2. Those candidates are loaded from the database in one query and *judged* by the pure scoring functions
   (``marketplace.matching.scoring``): same resource, reach, dates, quantity, conditions.
3. Only pairs above ``MATCH_MIN_SCORE`` (and not far below the post's best) are suggested, best first, at most
   ``MATCH_MAX_SUGGESTIONS``.

A stored pair belongs to both its posts: ``refresh_post`` adds the post's new suggestions, updates the scores of
its proposed suggested matches and deletes those that no longer hold (re-judged pair by pair). Rows that a person
has acted on (approved, rejected, concluded, declined) and requested ones are never touched. Nothing here commits:
the caller (the index drain, a command) commits; nothing runs inside a request's transaction."""

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
from ..matching import scoring
from ..matching.facts import PostFacts, read_post
from ..matching.places import gazetteer
from ..matching.text import PhraseGroups, related_groups
from ..models import Company, Match, MatchOrigin, MatchStatus, Post, PostKind, PostStatus
from ..models.types import utcnow
from ..search.schema import CATEGORIES, KINDS

log = logging.getLogger(__name__)

QUERY_UNITS = 12  # units of the post sent to the index
ALTERNATIVES_PER_UNIT = 4  # synonyms and relatives of one phrase
LOCAL_BOOST = 1.0  # a candidate within reach counts double in the retrieval
FACTS_CACHE_SIZE = 120_000
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


def candidate_count() -> int:
    return int(current_app.config["MATCH_CANDIDATES"])


_groups_cache: dict[str, tuple[str, PhraseGroups]] = {}
_groups_lock = threading.Lock()


def phrase_groups() -> PhraseGroups:
    """The thesaurus (as the search reads it) and the related families, analysed once per thesaurus version."""
    from ..search.thesaurus import synonym_groups

    groups = synonym_groups()
    key = repr(groups)
    with _groups_lock:
        cached = _groups_cache.get("value")
        if cached is None or cached[0] != key:
            cached = (key, PhraseGroups(groups, related_groups()))
            _groups_cache["value"] = cached
        return cached[1]


class _FactsCache:
    """What each post says, read once per version of the post (its id and ``updated_at``)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, PostFacts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, row: Any, groups: PhraseGroups) -> PostFacts:
        key = (row["id"], row["updated_at"], id(groups))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        found = read_post(row, groups, gazetteer())
        with self._lock:
            self._items[key] = found
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_facts = _FactsCache(FACTS_CACHE_SIZE)


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
            cache = _segment_df.get(data)
            if cache is None:
                cache = _segment_df.setdefault(data, {})
            df = cache.get(term)
            if df is None:
                try:
                    df = data.reader.doc_frequency("text", term)
                except Exception:  # a reader closed by a newer snapshot: count it as absent
                    df = 0
                cache[term] = df
            total += df
        return total

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            df = min(self.doc_frequency(term), self.count)
            value = math.log(1.0 + (self.count - df + 0.5) / (df + 0.5))
            self._idf[term] = value
        return value


_stats: dict[str, IndexStats] = {}
_stats_lock = threading.Lock()


class Context:
    """Everything one round of suggestions reads: the index snapshot, its statistics, the phrase groups, today."""

    def __init__(self, snapshot, today: date | None = None):
        self.snapshot = snapshot
        self.stats = IndexStats.of(snapshot)
        self.groups = phrase_groups()
        self.today = today or utcnow().date()
        self.now = int(time.time())
        self.idf = self.stats.idf  # one bound method: the scoring functions cache their weights by it

    def facts(self, row: Any) -> PostFacts:
        return _facts.get(row, self.groups)

    def alternatives(self, key) -> list[tuple[str, ...]]:
        """The phrases of one group (thesaurus or related family)."""
        return self.groups.phrases(key)


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
    scored.sort(key=lambda item: item[0], reverse=True)
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
    by the category fit and nearness), best first."""
    snapshot = ctx.snapshot
    limit = limit or candidate_count()
    parts_ids, parts_scores = [], []
    for weight, terms in query_units(facts, ctx):
        best_ids, best_scores = None, None
        for term, factor in terms:
            ids, tf = snapshot.postings("text", term)
            if not len(ids):
                continue
            contribution = (weight * factor) * snapshot.bm25("text", ids, tf)
            if best_ids is None:
                best_ids, best_scores = ids, contribution
            else:  # a unit counts once per document: the best of its alternatives
                best_ids = np.concatenate([best_ids, ids])
                best_scores = np.concatenate([best_scores, contribution])
        if best_ids is None:
            continue
        if len(terms) > 1:
            order = np.lexsort((-best_scores, best_ids))
            best_ids, best_scores = best_ids[order], best_scores[order]
            first = np.ones(len(best_ids), dtype=bool)
            first[1:] = best_ids[1:] != best_ids[:-1]
            best_ids, best_scores = best_ids[first], best_scores[first]
        parts_ids.append(best_ids)
        parts_scores.append(best_scores)
    if not parts_ids:
        return []
    ids = np.concatenate(parts_ids)
    scores = np.concatenate(parts_scores).astype(np.float64)
    docs, inverse = np.unique(ids, return_inverse=True)
    totals = np.bincount(inverse, weights=scores)
    columns = snapshot.columns
    other_kind = KINDS.index(PostKind.NEED if facts.kind == PostKind.OFFER.value else PostKind.OFFER)
    keep = (snapshot.alive[docs] & (columns["kind"][docs] == other_kind)
            & (columns["company"][docs] != facts.company_id) & (columns["pid"][docs] != facts.id)
            & (columns["exp"][docs] >= ctx.now))
    docs, totals = docs[keep], totals[keep]
    if not len(docs):
        return []
    totals *= _category_weights(facts)[columns["cat"][docs].astype(np.int64)]
    reach = float(facts.radius_km or scoring.DEFAULT_RADIUS_KM) * 2 if facts.kind == "need" else 100.0
    near = _distances(facts, columns["lat"][docs], columns["lon"][docs]) <= reach
    totals *= 1.0 + LOCAL_BOOST * near
    if len(docs) > limit:
        top = np.argpartition(-totals, limit)[:limit]
        docs, totals = docs[top], totals[top]
    order = np.argsort(-totals, kind="stable")
    return [int(pid) for pid in columns["pid"][docs[order]]]


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


def _rows(post_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The columns the engine reads, for the published posts of companies not suspended, in one query."""
    ids = list(post_ids)
    if not ids:
        return []
    columns = [getattr(Post, name) for name in POST_COLUMNS]
    statement = (sa.select(*columns).join(Company, Company.id == Post.company_id)
                 .where(Post.id.in_(ids), Post.status == PostStatus.PUBLISHED, Company.suspended_at.is_(None)))
    return [dict(row) for row in db.session.execute(statement).mappings()]


def _live(facts: PostFacts, ctx: Context) -> bool:
    return facts.available_until is None or facts.available_until >= ctx.today


def judge_pair(a: PostFacts, b: PostFacts, ctx: Context) -> scoring.Judgement:
    offer, need = (a, b) if a.kind == PostKind.OFFER.value else (b, a)
    if not (_live(offer, ctx) and _live(need, ctx)):
        return scoring.Judgement(0.0, [{"code": "dates_past"}])
    return scoring.judge(offer, need, ctx.idf, ctx.today)


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
    """The post's candidates from the index, read in one query and judged."""
    ids = candidates(facts, ctx)
    return [(other, judge_pair(facts, other, ctx)) for other in (ctx.facts(row) for row in _rows(ids))]


def _best(judged: list[tuple[PostFacts, scoring.Judgement]]) -> tuple[PostFacts, scoring.Judgement] | None:
    return max(judged, key=lambda item: (item[1].score, -item[0].id), default=None)


def _suggestion(facts: PostFacts, other: PostFacts, judgement: scoring.Judgement) -> Suggestion:
    offer_id, need_id = (facts.id, other.id) if facts.kind == PostKind.OFFER.value else (other.id, facts.id)
    return Suggestion(other.id, offer_id, need_id, judgement.score, judgement.reasons)


def _mutual(facts: PostFacts, judged, ctx: Context) -> Suggestion | None:
    """The post's best candidate when it scores under the threshold but above ``MATCH_MUTUAL_FLOOR`` and the post
    is that candidate's best too: two posts that are each other's best counterpart deserve a look."""
    best = _best(judged)
    if best is None or not mutual_floor() <= best[1].score < min_score():
        return None
    other, judgement = best
    theirs = _best(_judged(other, ctx))
    return _suggestion(facts, other, judgement) if theirs is not None and theirs[0].id == facts.id else None


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
        counterparts = {row["id"]: ctx.facts(row) for row in
                        _rows(m.need_id if m.offer_id == post_id else m.offer_id for m in others)}
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

    def merge(self, other: "Computed") -> None:
        for key, suggestion in other.pairs.items():
            self.pairs.setdefault(key, suggestion)
        self.best.update(other.best)

    def with_mutual_bests(self, floor: float) -> dict[tuple[int, int], Suggestion]:
        """The pairs, and the posts without a suggestion paired with their best candidate when they are that
        candidate's best too and score at least ``floor``."""
        pairs = dict(self.pairs)
        suggested = {post for key in pairs for post in key}
        for post_id, best in self.best.items():
            theirs = self.best.get(best.post_id)
            if best.score >= floor and post_id not in suggested and theirs is not None \
                    and theirs.post_id == post_id:
                pairs.setdefault((best.offer_id, best.need_id), best)
        return pairs


def compute_all(post_ids: list[int], ctx: Context) -> Computed:
    """The suggestions of every post given, merged by pair (a pair suggested from both sides is one)."""
    computed = Computed()
    for start in range(0, len(post_ids), 500):
        chunk = post_ids[start:start + 500]
        rows = {row["id"]: row for row in _rows(chunk)}
        for post_id in chunk:
            row = rows.get(post_id)
            if row is None:
                continue
            facts = ctx.facts(row)
            if not _live(facts, ctx):
                continue
            judged = _judged(facts, ctx)
            for suggestion in _suggest(facts, judged):
                computed.pairs.setdefault((suggestion.offer_id, suggestion.need_id), suggestion)
            best = _best(judged)
            if best is not None and best[1].score > 0:
                computed.best[post_id] = _suggestion(facts, *best)
    return computed


def _compute_in_processes(post_ids: list[int], procs: int) -> Computed:
    """``compute_all`` split over ``procs`` forked processes (each reads the index and the database itself)."""
    import multiprocessing

    global _worker_app
    _worker_app = current_app._get_current_object()
    db.session.remove()
    slices = [post_ids[i::procs] for i in range(procs)]
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        parts = pool.map(_compute_slice, slices)
    computed = Computed()
    for part in parts:
        computed.merge(part)
    return computed


_worker_app = None


def _compute_slice(post_ids: list[int]) -> Computed:
    with _worker_app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections are not this process's
        ctx = context()
        return compute_all(post_ids, ctx) if ctx is not None else Computed()


def rebuild_all(ctx: Context | None = None, procs: int = 1) -> RefreshResult:
    """Recompute every post's suggestions and bring the proposed suggested matches in line (rows people have
    acted on are kept as they are), in ``procs`` processes where the system can fork. Flushes; the caller
    commits."""
    import multiprocessing

    ctx = ctx or context()
    result = RefreshResult()
    if ctx is None:
        return result
    post_ids = matchable_post_ids()
    if procs > 1 and len(post_ids) >= 1000 and "fork" in multiprocessing.get_all_start_methods():
        computed = _compute_in_processes(post_ids, procs)
    else:
        computed = compute_all(post_ids, ctx)
    pairs = computed.with_mutual_bests(mutual_floor())
    existing = {(m.offer_id, m.need_id): m for m in db.session.scalars(sa.select(Match))}
    stale = [m for key, m in existing.items() if _editable(m) and key not in pairs]
    result.removed += _delete(stale)
    new_rows = []
    for key, suggestion in pairs.items():
        match = existing.get(key)
        if match is None:
            new_rows.append({"offer_id": suggestion.offer_id, "need_id": suggestion.need_id,
                             "score": suggestion.score, "reasons": suggestion.reasons})
        elif _editable(match):
            result.updated += _update(match, suggestion.score, suggestion.reasons)
    db.session.flush()
    if new_rows:
        now = utcnow()
        db.session.execute(sa.insert(Match), [{**row, "origin": MatchOrigin.SUGGESTED,
                                               "status": MatchStatus.PROPOSED, "created_at": now,
                                               "updated_at": now} for row in new_rows])
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
