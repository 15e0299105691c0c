"""Where the index lives and how it is opened, written and swapped.

``SEARCH_INDEX_PATH`` is a directory holding generations (``gen-<time>-<random>``) and a ``current`` symbolic
link to the one in use. A rebuild writes a new generation and replaces the link in one ``rename`` (atomic on
POSIX), so readers see the old index or the new one, never half of one. The searcher is kept between requests
and only refreshed when a writer has committed (opening one costs tens of milliseconds on a large index)."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock, try_for

from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)
CURRENT = "current"
VERSION_FILE = "schema-version"
REBUILD_LOCK = "rebuild.lock"
KEEP_OLD_GENERATIONS = 1  # readers still open on the previous one keep working until they refresh


class IndexUnavailable(Exception):
    """The index directory is missing, from another schema version, or unreadable."""


class IndexStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._lock = threading.RLock()
        self._index = None
        self._index_dir: Path | None = None
        self._searcher: Searcher | None = None

    # ------------------------------------------------------------------ locating

    def current_dir(self) -> Path | None:
        link = self.root / CURRENT
        try:
            return (self.root / os.readlink(link)).resolve()
        except OSError:
            return None

    def exists(self) -> bool:
        """Whether there is an index of this schema version whose table of contents can be read."""
        directory = self.current_dir()
        if not directory or _version_of(directory) != SCHEMA_VERSION:
            return False
        try:
            return whoosh_index.exists_in(str(directory))
        except Exception:  # a corrupt table of contents: as good as none (and rebuilt as such)
            log.warning("the search index in %s cannot be read", directory, exc_info=True)
            return False

    # ------------------------------------------------------------------ reading

    def index(self):
        """The open index of the current generation (reopened after a swap)."""
        with self._lock:
            directory = self.current_dir()
            if directory is None or _version_of(directory) != SCHEMA_VERSION:
                self._forget()
                raise IndexUnavailable("no search index")
            if directory != self._index_dir:
                self._forget()
                try:
                    self._index = whoosh_index.open_dir(str(directory))
                except Exception as exc:  # corrupt TOC, missing segment files...
                    raise IndexUnavailable(f"the search index cannot be opened: {exc}") from exc
                self._index_dir = directory
            return self._index

    def searcher(self) -> Searcher:
        """A searcher on the latest committed state, reused as long as nothing changed."""
        with self._lock:
            ix = self.index()
            try:
                if self._searcher is None:
                    self._searcher = ix.searcher()
                elif not self._searcher.up_to_date():
                    self._searcher = _refreshed(ix, self._searcher)
            except Exception as exc:
                self._forget()
                raise IndexUnavailable(f"the search index cannot be read: {exc}") from exc
            return self._searcher

    def _forget(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # a reader of a deleted generation: nothing left to release
                log.debug("closing an old searcher failed", exc_info=True)
        self._searcher, self._index, self._index_dir = None, None, None

    # ------------------------------------------------------------------ writing

    def writer(self, timeout: float):
        """The index writer, waiting at most ``timeout`` seconds for another process to release the lock.

        Raises LockError when it could not be had (the caller leaves the work to the next drain). The writer's
        ``generation_dir`` is the generation it writes into (a rebuild may swap another one in meanwhile)."""
        with self._lock:
            ix = self.index()
            directory = self._index_dir
        try:
            writer = ix.writer(timeout=timeout, delay=0.05)
        except LockError:
            raise
        except Exception as exc:  # a damaged table of contents or segment list
            raise IndexUnavailable(f"the search index cannot be written: {exc!r}") from exc
        writer.generation_dir = directory
        return writer

    def create_empty(self) -> Path:
        directory = self.new_generation()
        whoosh_index.create_in(str(directory), build_schema())
        self.swap_in(directory)
        return directory

    def build(self, documents: Iterable[dict], procs: int = 1, limitmb: int = 512) -> tuple[Path, int]:
        """A new generation with ``documents``, not yet in use: ``swap_in`` publishes it.

        With several processes, each writes its own segment and they are kept as they are: merging them would
        cost about as much as writing them, and a search reads a few segments as fast as one."""
        directory = self.new_generation()
        ix = whoosh_index.create_in(str(directory), build_schema())
        kwargs = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = ix.writer(limitmb=limitmb, **kwargs)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**doc)
                count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        writer.commit()
        return directory, count

    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self.root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(4)}"
        directory.mkdir()
        (directory / VERSION_FILE).write_text(str(SCHEMA_VERSION))
        return directory

    def swap_in(self, directory: Path) -> None:
        """Point ``current`` at ``directory`` in one atomic rename, then drop the generations before the last."""
        temporary = self.root / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(directory.name, temporary)
        os.replace(temporary, self.root / CURRENT)
        self._remove_old_generations(keep=directory)

    def _remove_old_generations(self, keep: Path) -> None:
        generations = sorted((p for p in self.root.glob("gen-*") if p.is_dir() and p.resolve() != keep.resolve()),
                             key=lambda p: p.stat().st_mtime, reverse=True)
        for old in generations[KEEP_OLD_GENERATIONS:]:
            shutil.rmtree(old, ignore_errors=True)

    @contextmanager
    def rebuild_lock(self, wait: float = 0.0):
        """Held by the one process that rebuilds this index (the ``_rebuilding`` set of a web process is its own:
        without this, each worker that finds the index missing would rebuild it at the same time). Yields whether
        it was acquired within ``wait`` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / REBUILD_LOCK))
        acquired = try_for(lock.acquire, timeout=wait, delay=0.05)
        try:
            yield bool(acquired)
        finally:
            if acquired:
                lock.release()

    def discard(self) -> None:
        """Forget the current generation (e.g. it is corrupt): the next use finds no index."""
        with self._lock:
            self._forget()
            try:
                (self.root / CURRENT).unlink()
            except FileNotFoundError:
                pass


def _refreshed(ix, old: Searcher) -> Searcher:
    """A searcher on the latest commit of ``ix`` that reuses the readers of the segments ``old`` already had open,
    when neither their files nor their deletions changed (reading a large segment again costs tens of ms).

    Not ``Searcher.refresh``: Whoosh-Reloaded's keeps every segment of the old reader besides the new ones (merged
    segments count twice, and with their old deletions: an updated post is found twice, a deleted one stays), and
    fails on a searcher opened on an empty index."""
    opened = []
    try:
        info = ix._read_toc()
        reusable = {}
        for reader, _ in old.reader().leaf_readers():
            segment = reader.segment() if reader.is_atomic() else None
            if segment is not None:
                reusable[segment.segment_id()] = reader
        readers = []
        for segment in info.segments:
            reader = reusable.get(segment.segment_id())
            if reader is not None and _same_deletions(reader.segment(), segment):
                del reusable[segment.segment_id()]
            else:
                reader = SegmentReader(ix.storage, info.schema, segment, generation=info.generation)
                opened.append(reader)
            readers.append(reader)
    except Exception:  # e.g. a commit removed merged segments meanwhile: Whoosh's own opening retries
        log.debug("reusing the segment readers failed: opening a new searcher", exc_info=True)
        for reader in opened:
            reader.close()
        old.close()
        return ix.searcher()
    for reader in reusable.values():  # segments merged away or with new deletions
        reader.close()
    if not readers:
        return Searcher(EmptyReader(info.schema), fromindex=ix)
    return Searcher(MultiReader(readers, generation=info.generation), fromindex=ix)


def _same_deletions(before, after) -> bool:
    return before.deleted_count() == after.deleted_count() and set(before.deleted_docs()) == set(after.deleted_docs())


def _version_of(directory: Path) -> int | None:
    try:
        return int((directory / VERSION_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


_stores: dict[str, IndexStore] = {}
_stores_lock = threading.Lock()


def release(path: str | os.PathLike) -> None:
    """Close and forget the store of ``path`` (its searcher keeps files open)."""
    with _stores_lock:
        store = _stores.pop(str(Path(path).resolve()), None)
    if store is not None:
        with store._lock:
            store._forget()


def store_for(path: str | os.PathLike) -> IndexStore:
    """One store per index directory per process (its searcher is shared by the requests)."""
    key = str(Path(path).resolve())
    with _stores_lock:
        if key not in _stores:
            _stores[key] = IndexStore(key)
        return _stores[key]


__all__ = ["IndexStore", "IndexUnavailable", "LockError", "store_for"]
