"""Finding posts: text relevance (BM25 over title and text, with the thesaurus), filters, facet counts, sorts.

Everything here works on a ``Snapshot`` (arrays) and returns doc numbers and counts; ``service`` turns them into
posts and pages. Facet counts are *disjunctive*: the count beside a category says how many results that category
would give with the other filters kept, so choosing it never leads to an empty page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .query import Alternative, Group, ParsedQuery
from .schema import CATEGORIES, FREE_YES, KINDS, codes
from .snapshot import Snapshot

TITLE_BOOST = 2.0
EARTH_RADIUS_KM = 6371.0088
FACETS = {"kind": "kind", "category": "cat", "region": "reg", "departement": "dep", "free": "free"}


@dataclass(frozen=True)
class Criteria:
    """What to find, in the index's own codes (see ``schema``)."""

    kind: int | None = None
    category: int | None = None
    region: int | None = None
    departement: int | None = None
    free_only: bool = False
    origin: tuple[float, float] | None = None  # (latitude, longitude)
    within_km: float | None = None
    sort: str = "relevance"  # "relevance", "date" or "distance"
    now: int = 0  # epoch seconds: what has expired by then is left out
    exclude_company: int | None = None
    restrict_to: np.ndarray | None = None  # only these doc numbers (saved-search alerts)


@dataclass
class Found:
    docnums: np.ndarray  # every result, best first
    scores: np.ndarray
    distances: np.ndarray | None
    facets: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.docnums)


def criteria_codes(kind, category, region, departement) -> dict[str, int | None]:
    """Codes of the catalogue's filter values (None: no filter)."""
    return {
        "kind": KINDS.index(kind) if kind else None,
        "category": CATEGORIES.index(category) if category else None,
        "region": codes().region(region) if region else None,
        "departement": codes().departement(departement) if departement else None,
    }


def find(snapshot: Snapshot, parsed: ParsedQuery, criteria: Criteria, facets: bool = True,
         min_groups: int | None = None) -> Found:
    """Every post that matches; ``min_groups``: how many of the query's groups must match (default: all)."""
    base = snapshot.alive & (snapshot.columns["exp"] >= criteria.now)
    if criteria.restrict_to is not None:
        restricted = np.zeros(snapshot.size, dtype=bool)
        restricted[criteria.restrict_to] = True
        base &= restricted
    if criteria.exclude_company is not None:
        base &= snapshot.columns["company"] != criteria.exclude_company
    text_mask, scores = text_match(snapshot, parsed, min_groups)
    if text_mask is not None:
        base &= text_mask
    distances = _distances(snapshot, criteria.origin) if criteria.origin else None
    if distances is not None and criteria.within_km:
        base &= distances <= criteria.within_km
    masks = _filter_masks(snapshot, criteria)
    selected = base.copy()
    for mask in masks.values():
        selected &= mask
    docnums = np.flatnonzero(selected)
    ordered = _order(docnums, snapshot, scores, distances, criteria.sort)
    found = Found(ordered, scores[ordered] if scores is not None else np.zeros(len(ordered), np.float32),
                  distances[ordered] if distances is not None else None)
    if facets:
        found.facets = _facet_counts(snapshot, base, masks)
    return found


# --------------------------------------------------------------------------- text


def text_match(snapshot: Snapshot, parsed: ParsedQuery, min_groups: int | None = None):
    """(documents that match the groups and no excluded term, their relevance), or (None, None) without text.

    With ``min_groups`` below the number of groups, a document matching fewer groups scores proportionally less."""
    if parsed.empty and not parsed.excluded:
        return None, None
    scores = np.zeros(snapshot.size, dtype=np.float32)
    matched = np.zeros(snapshot.size, dtype=np.int16)
    for group in parsed.groups:
        group_mask, group_score = _group_match(snapshot, group)
        matched += group_mask
        scores += group_score
    needed = len(parsed.groups) if min_groups is None else min(min_groups, len(parsed.groups))
    mask = matched >= needed
    if needed < len(parsed.groups):
        scores *= matched / max(len(parsed.groups), 1)
    for excluded in parsed.excluded:  # every term of an excluded phrase must be there ("-chambre froide")
        found = None
        for term in excluded:
            ids, _ = snapshot.postings("text", term)
            term_mask = np.zeros(snapshot.size, dtype=bool)
            term_mask[ids] = True
            found = term_mask if found is None else found & term_mask
        if found is not None:
            mask &= ~found
    return mask, scores


def _group_match(snapshot: Snapshot, group: Group) -> tuple[np.ndarray, np.ndarray]:
    """A post matches a group by any alternative and scores by its best one. An alternative of several words
    scores the mean of its words, counted as many times as the words typed: a synonym of two words ("local de
    stockage") must not outrank the one word typed ("entrepôt") just because its two scores add up."""
    mask = np.zeros(snapshot.size, dtype=bool)
    best = np.zeros(snapshot.size, dtype=np.float32)
    typed = len(group.alternatives[0].terms) if group.alternatives else 1
    for alternative in group.alternatives:
        alt_mask, alt_score = _alternative_match(snapshot, alternative)
        if alt_mask is None:
            continue
        mask |= alt_mask
        size = 1 if alternative.prefix else len(alternative.terms)
        np.maximum(best, alt_score * (alternative.weight * typed / size), out=best)
    return mask, best


def _alternative_match(snapshot: Snapshot, alternative: Alternative):
    terms = prefix_terms(snapshot, alternative.terms[0]) if alternative.prefix else alternative.terms
    if not terms:
        return None, None
    if alternative.prefix:  # any of the words starting so
        mask = np.zeros(snapshot.size, dtype=bool)
        score = np.zeros(snapshot.size, dtype=np.float32)
        for term in terms:
            term_mask, term_score = _term_match(snapshot, term)
            mask |= term_mask
            np.maximum(score, term_score, out=score)
        return mask, score
    mask, score = None, np.zeros(snapshot.size, dtype=np.float32)
    for term in terms:  # every word of the phrase
        term_mask, term_score = _term_match(snapshot, term)
        mask = term_mask if mask is None else mask & term_mask
        score += term_score
    return mask, score


def _term_match(snapshot: Snapshot, term: str) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros(snapshot.size, dtype=bool)
    score = np.zeros(snapshot.size, dtype=np.float32)
    idf = snapshot.idf(term)
    ids, tf = snapshot.postings("text", term)
    if len(ids):
        mask[ids] = True
        score[ids] += idf * snapshot.bm25("text", ids, tf)
    ids, tf = snapshot.postings("title", term)
    if len(ids):
        score[ids] += TITLE_BOOST * idf * snapshot.bm25("title", ids, tf)
    return mask, score


def prefix_terms(snapshot: Snapshot, prefix: str, limit: int = 30) -> list[str]:
    """The indexed terms starting with ``prefix`` (most frequent first)."""
    found: set[str] = set()
    for data, _ in snapshot.segments:
        try:
            for term in data.reader.expand_prefix("text", prefix):
                found.add(term.decode() if isinstance(term, bytes) else term)
                if len(found) >= limit * 4:
                    break
        except Exception:  # a reader that cannot expand (closed): fewer words, not an error
            continue
    return sorted(found, key=snapshot.doc_frequency, reverse=True)[:limit]


def known(snapshot: Snapshot, alternative: Alternative) -> bool:
    if alternative.prefix:
        return True
    return all(snapshot.doc_frequency(term) for term in alternative.terms)


# --------------------------------------------------------------------------- filters, facets, order


def _filter_masks(snapshot: Snapshot, criteria: Criteria) -> dict[str, np.ndarray]:
    masks = {}
    for name, column in (("kind", "kind"), ("category", "cat"), ("region", "reg"), ("departement", "dep")):
        value = getattr(criteria, name)
        if value is not None:
            masks[name] = snapshot.columns[column] == value
    if criteria.free_only:
        masks["free"] = snapshot.columns["free"] == FREE_YES
    return masks


def _facet_counts(snapshot: Snapshot, base: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, dict[int, int]]:
    counts = {}
    for facet, column in FACETS.items():
        selected = base.copy()
        for name, mask in masks.items():
            if name != facet:
                selected &= mask
        values = snapshot.columns[column][selected]
        bins = np.bincount(values.astype(np.int64) - values.min(), minlength=1) if len(values) else np.zeros(0)
        low = int(values.min()) if len(values) else 0
        counts[facet] = {low + i: int(n) for i, n in enumerate(bins) if n}
    return counts


def _order(docnums, snapshot: Snapshot, scores, distances, sort: str) -> np.ndarray:
    if not len(docnums):
        return docnums
    # ties end newest first, then by post id descending, as in the catalogue (not by the doc number, which
    # changes when a post is updated or segments merge)
    published = snapshot.columns["pub"][docnums]
    newest = (-snapshot.columns["pid"][docnums].astype(np.int64), -published)
    if sort == "distance" and distances is not None:
        keys = (*newest, distances[docnums])
    elif sort == "relevance" and scores is not None:
        keys = (*newest, -np.round(scores[docnums], 4))
    else:
        keys = newest
    return docnums[np.lexsort(keys)]


def _distances(snapshot: Snapshot, origin: tuple[float, float]) -> np.ndarray:
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    lat2 = np.radians(snapshot.columns["lat"].astype(np.float64))
    lon2 = np.radians(snapshot.columns["lon"].astype(np.float64))
    h = np.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
