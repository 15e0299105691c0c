"""The index as arrays: one snapshot per committed state of the index, built from Whoosh's segments.

Whoosh stores the posts; scoring, filtering and facet counting happen here, on NumPy arrays, because Whoosh's
matchers walk postings one Python call at a time (most of its query time). Segments never change once written,
so what is read from one (its columns, the postings of a term) is cached with it and reused by every later
snapshot; only deletions differ from one snapshot to the next. The matching engine scores with the same data."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .schema import COLUMNS

TEXT_FIELDS = ("title", "text")
BM25_K1, BM25_B = 1.2, 0.75
POSTINGS_CACHE_SIZE = 4000  # (field, term) pairs per segment
_LENGTH_TABLE = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_TF = np.zeros(0, dtype=np.float32)


# --------------------------------------------------------------------------- one segment


class SegmentData:
    """What one immutable segment holds, read once: its columns, field lengths and (on demand) postings."""

    def __init__(self, reader):
        self.reader = reader
        self.size = reader.doc_count_all()
        self.columns = {name: _column(reader, name, self.size) for name in COLUMNS}
        self.lengths = {name: _lengths(reader, name, self.size) for name in TEXT_FIELDS}
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(local doc numbers, term frequencies) of ``term`` in ``fieldname``, cached (least recently used out)."""
        key = (fieldname, term)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = _read_postings(self.reader, fieldname, term)
        with self._lock:
            self._postings[key] = found
            if len(self._postings) > POSTINGS_CACHE_SIZE:
                self._postings.popitem(last=False)
        return found


def _column(reader, name: str, size: int) -> np.ndarray:
    code = COLUMNS[name]
    dtype = np.dtype(code).newbyteorder(">")
    if not reader.has_column(name):
        return np.full(size, -1 if name in ("pid", "company") else 0, dtype=dtype.newbyteorder("="))
    column = reader.column_reader(name)
    raw = _raw_fixed_column(column, dtype, size)
    values = raw if raw is not None else np.array(list(column), dtype=dtype)
    return values.astype(dtype.newbyteorder("="))


def _raw_fixed_column(column, dtype: np.dtype, size: int) -> np.ndarray | None:
    """The whole fixed-width column in one read (Whoosh's reader would unpack it value by value)."""
    try:
        count = min(column._count, size)
        data = column._dbfile.get(column._basepos, count * dtype.itemsize)
        default = column._default
    except AttributeError:  # another Whoosh version: take the slow, public path
        return None
    values = np.full(size, default, dtype=dtype)
    values[:count] = np.frombuffer(data, dtype=dtype, count=count)
    return values


def _lengths(reader, fieldname: str, size: int) -> np.ndarray:
    """Each document's length in ``fieldname`` (Whoosh keeps it as one approximate byte per document)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    name = _lenfield(fieldname)
    try:
        column = reader._perdoc._cached_reader(name, LENGTHS_COLUMN) if hasattr(reader, "_perdoc") else None
    except Exception:
        column = None
    if column is None:
        return np.array([reader.doc_field_length(i, fieldname) or 0 for i in range(size)], dtype=np.float32)
    raw = _raw_fixed_column(column, np.dtype("B"), size)
    if raw is None:
        raw = np.array([column[i] for i in range(size)], dtype=np.uint8)
    return _LENGTH_TABLE[raw]


def _read_postings(reader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        matcher = reader.postings(fieldname, term)
    except TermNotFound:
        return _EMPTY_IDS, _EMPTY_TF
    ids: list[int] = []
    weights: list[float] = []
    if all(hasattr(matcher, name) for name in ("_read_ids", "_read_weights", "_next_block")):
        while matcher.is_active():  # a block at a time: Whoosh's own loop is one call per posting
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)


# --------------------------------------------------------------------------- the whole index


@dataclass
class Snapshot:
    """All segments of one committed state, as global arrays (doc number = segment offset + local number)."""

    segments: list[tuple[SegmentData, int]]
    alive: np.ndarray
    columns: dict[str, np.ndarray]
    lengths: dict[str, np.ndarray]
    average_length: dict[str, float]
    _df_cache: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.alive)

    @property
    def doc_count(self) -> int:
        return int(self.alive.sum())

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global doc numbers and term frequencies of ``term``, deleted documents included (mask with alive)."""
        parts = [(data.postings(fieldname, term), offset) for data, offset in self.segments]
        parts = [((ids + offset) if offset else ids, tf) for (ids, tf), offset in parts if len(ids)]
        if not parts:
            return _EMPTY_IDS, _EMPTY_TF
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def doc_frequency(self, term: str) -> int:
        """In how many live documents ``term`` appears (title or text: the text field holds the title too)."""
        if term not in self._df_cache:
            ids, _ = self.postings("text", term)
            self._df_cache[term] = int(self.alive[ids].sum()) if len(ids) else 0
        return self._df_cache[term]

    def idf(self, term: str) -> float:
        n, df = max(self.doc_count, 1), self.doc_frequency(term)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def bm25(self, fieldname: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """The BM25 term-frequency part for these postings (multiply by the idf)."""
        lengths = self.lengths[fieldname][ids]
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(self.average_length[fieldname], 1.0))
        return tf * (BM25_K1 + 1) / (tf + norm)

    def docnums_of(self, post_ids) -> np.ndarray:
        """The live doc numbers of these post ids."""
        wanted = np.asarray(list(post_ids), dtype=np.int64)
        if not len(wanted):
            return _EMPTY_IDS
        return np.flatnonzero(np.isin(self.columns["pid"], wanted) & self.alive)


class SnapshotCache:
    """Keeps the segment data across snapshots, so that a commit only costs reading the new segments."""

    def __init__(self):
        self._segments: dict[str, SegmentData] = {}
        self._snapshot: Snapshot | None = None
        self._searcher_id: int | None = None
        self._lock = threading.Lock()

    def snapshot(self, searcher) -> Snapshot:
        with self._lock:
            if self._snapshot is None or self._searcher_id != id(searcher):
                self._snapshot = self._build(searcher)
                self._searcher_id = id(searcher)
            return self._snapshot

    def _build(self, searcher) -> Snapshot:
        leaves = list(searcher.reader().leaf_readers())
        segments, keep = [], {}
        for reader, offset in leaves:
            key = _segment_key(reader)
            data = self._segments.get(key) or SegmentData(reader)
            data.reader = reader  # the newest reader of the same files (the old one may be closed)
            keep[key] = data
            segments.append((data, offset))
        self._segments = keep
        return _assemble(segments)


def _segment_key(reader) -> str:
    try:
        segment = reader.segment()
        return f"{segment.segment_id()}"
    except Exception:
        return f"reader-{id(reader)}"


def _assemble(segments: list[tuple[SegmentData, int]]) -> Snapshot:
    alive_parts = []
    for data, _ in segments:
        alive = np.ones(data.size, dtype=bool)
        if data.reader.has_deletions():
            deleted = [n for n in data.reader.segment().deleted_docs()] if hasattr(data.reader, "segment") else \
                [n for n in range(data.size) if data.reader.is_deleted(n)]
            alive[np.asarray(deleted, dtype=np.int64)] = False
        alive_parts.append(alive)
    alive = np.concatenate(alive_parts) if alive_parts else np.zeros(0, dtype=bool)

    def joined(getter, dtype):
        parts = [getter(data) for data, _ in segments]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    columns = {name: joined(lambda d, n=name: d.columns[n], np.int64) for name in COLUMNS}
    lengths = {name: joined(lambda d, n=name: d.lengths[n], np.float32) for name in TEXT_FIELDS}
    live = alive.sum()
    average = {name: float(lengths[name][alive].sum() / live) if live else 1.0 for name in TEXT_FIELDS}
    return Snapshot(segments, alive, columns, lengths, average)
