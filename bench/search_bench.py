#!/usr/bin/env python
"""Search benchmark (issue 4): build time, index size, query latency and publication delay on synthetic posts.

Not part of ``make test``. For each size it creates a throw-away SQLite database and instance folder, loads
realistic French posts with Core bulk inserts (no change-log rows), then measures:

1. ``marketplace.search.reindex(procs=...)``: posts/s, its phases and CPU time, the index size on disk;
2. keyword queries with random filters and facets: ``run_search`` (what the search page calls, including the page
   of posts read from the database; wall-clock and CPU time, and the time of each of its steps) and the index side
   alone (``parsed_query``, ``engine.find`` on the snapshot), after a warm-up pass, the searcher and snapshot reused
   as in production;
3. the straightforward Whoosh set-up on the same index for comparison: a new searcher per query,
   ``MultifieldParser(["title", "text"])``, ``filter=``, ``groupedby=`` facets;
4. a cProfile of the slowest searches;
5. a publication committed through the ORM (change-log row), ``drain_now()`` (what the request teardown does),
   until ``run_search`` finds it; then the searches again on the index with the segments these added;
6. with ``--reindex-detail``: the parent's part of a reindex and the French analysis, timed and profiled apart.

Usage: ``.venv/bin/python bench/search_bench.py --sizes 10000,100000 --procs 2`` (see bench/README.md)."""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import math
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import sqlalchemy as sa  # noqa: E402

from french_posts import PostFactory, company_row  # noqa: E402

TARGETS = {"query_p95_ms": 30.0, "reindex_s": 90.0, "publication_p95_s": 1.0}  # at 100,000 posts, 2 cores
TARGET_SIZE = 100_000

# What companies type: 1 to 3 words, accents often missing, some typos, some synonyms of the thesaurus.
QUERIES = (
    "entrepot", "entrepôt lyon", "Entrepôts", "hangar", "local de stockage", "chambre froide",
    "chambre froide negative", "palettes gratuites", "palette europe", "emplacements palettes",
    "pret de chariot elevateur", "chariot élévateur", "fenwick", "transpalette", "gerbeur", "cariste",
    "chauffeur poids lourd", "chauffeur PL", "semi frigorifique", "camion frigo", "retour a vide",
    "groupage palettes", "camionnette", "vehicule utilitaire", "bureau", "salle de reunion", "coworking",
    "atelier", "cuisine professionnelle", "parking poids lourds", "farine bio", "bois de charpente", "tole acier",
    "granules plastique", "tissu coton", "ethanol", "carton emballage", "film etirable", "papier bulle",
    "masques ffp2", "gants nitrile", "gel hydroalcoolique", "EPI", "big bag", "nacelle", "groupe electrogene",
    "imprimante 3d", "usinage", "soudure inox", "sous-traitance", "couture", "serigraphie", "embouteillage",
    "comptable", "gestion de la paie", "nettoyage bureaux", "gardiennage", "maintenance informatique",
    "site internet", "invendus", "fin de serie", "dlc courte", "peinture", "carrelage", "mobilier de bureau",
    "ordinateurs portables", "interim", "manutentionnaire", "vendangeurs", "stockage marseille",
    "bureaux paris", "transport lille", "atelier nantes", "cuve inox", "conteneur maritime",
    # typos
    "entrepto", "chariot elevateru", "transpallette", "palletes", "refrigerateur", "hydroalcolique",
    "manutentionaire", "frigorifque",
)
NEAR_POSTCODES = ("69003", "75012", "13008", "31000", "33000", "44000", "59000", "67000", "35000", "34000",
                  "06000", "38000", "76000", "21000", "63000", "87000", "29200", "45000", "51100", "64000")
SORTS_NEAR = ("distance", "distance", "relevance", "relevance", "date")
SORTS = ("relevance", "relevance", "relevance", "date")

log = logging.getLogger("search_bench")


# --------------------------------------------------------------------------- small helpers


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "max": max(ms) if ms else None,
            "mean": statistics.fmean(ms) if ms else None}


def median_of_rounds(rounds: list[dict]) -> dict:
    """The median, over the rounds, of each statistic of a round."""
    return {key: statistics.median(r[key] for r in rounds) for key in ("p50", "p95", "max", "mean")} | {
        "n": rounds[0]["n"], "rounds": len(rounds)}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------- the app and its data


def make_app(workdir: Path, procs: int):
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(workdir / "instance")
    from marketplace import create_app

    return create_app({
        "ENV": "development",
        "SECRET_KEY": "search-benchmark-not-a-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SEARCH_INDEX_PATH": str(workdir / "search-index"),
        "SEARCH_AUTO_REBUILD": False,
        "SEARCH_BUILD_PROCS": procs,
        "RATELIMIT_ENABLED": False,
    })


def load_data(size: int, seed: int, per_company: int) -> dict:
    """Companies and published posts through Core bulk inserts (no ORM flush: no change-log rows)."""
    from marketplace.extensions import db
    from marketplace.models import Company, Post

    started = time.perf_counter()
    factory = PostFactory(seed)
    generated = factory.generate(size, posts_per_company=per_company)
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    with db.engine.begin() as conn:
        rows = [company_row(c) for c in generated.companies]
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(Company.__table__), rows[start:start + 5000])
        for start in range(0, len(generated.posts), 5000):
            conn.execute(sa.insert(Post.__table__), generated.posts[start:start + 5000])
    inserted_s = time.perf_counter() - started
    free = sum(1 for p in generated.posts if p["is_free"])
    past = sum(1 for p in generated.posts if p["available_until"] and p["available_until"] < date.today())
    return {"posts": len(generated.posts), "companies": len(generated.companies), "generate_s": generated_s,
            "insert_s": inserted_s, "free_posts": free, "past_end_date": past,
            "mean_description_chars": statistics.fmean(len(p["description"]) for p in generated.posts),
            "distinct_titles": len({p["title"] for p in generated.posts}),
            "sample_titles": [p["title"] for p in generated.posts[:8]]}


def query_workload(seed: int, variants: int) -> list:
    """Each query with ``variants`` random combinations of filters, facets always counted."""
    from marketplace.models import Category, PostKind
    from marketplace.search import SearchParams
    from marketplace.services import geo

    rng = random.Random(seed)
    regions = [code for code, _ in geo.regions()]
    big_deps = sorted({geo.communes_for(pc)[0].departement for pc in NEAR_POSTCODES})
    workload = []
    for q in QUERIES:
        for _ in range(variants):
            kind = rng.choice(tuple(PostKind)) if rng.random() < 0.3 else None
            category = rng.choice(tuple(Category)) if rng.random() < 0.25 else None
            region = departement = near = None
            r = rng.random()
            if r < 0.15:
                region = rng.choice(regions)
            elif r < 0.25:
                departement = rng.choice(big_deps)
            elif r < 0.45:
                near = rng.choice(NEAR_POSTCODES)
            free_only = rng.random() < 0.1
            sort = rng.choice(SORTS_NEAR if near else SORTS)
            workload.append(SearchParams(q=q, kind=kind, category=category, region=region,
                                         departement=departement, free_only=free_only, near_postcode=near,
                                         within_km=50 if near else None, sort=sort))
    return workload


def describe(params) -> str:
    parts = [repr(params.q)]
    for name in ("kind", "category", "region", "departement"):
        value = getattr(params, name)
        if value:
            parts.append(f"{name}={getattr(value, 'value', value)}")
    if params.free_only:
        parts.append("free")
    if params.near_postcode:
        parts.append(f"near={params.near_postcode}/{params.within_km}km")
    parts.append(f"sort={params.sort}")
    return " ".join(parts)


# --------------------------------------------------------------------------- measures


def measure_reindex(procs: int) -> dict:
    """The full reindex, with the time of its phases (wrappers around ``IndexStore.build`` and Whoosh's writer
    commits: negligible overhead): feeding the writer (reading the posts, building the documents, and with several
    processes handing them over), the commit (waiting for the writer processes, merging their runs, writing the
    segment), and the rest (change-log cursors, swap, drain)."""
    from whoosh import multiproc, writing

    from marketplace.search import reindex
    from marketplace.search.service import current_store
    from marketplace.search.store import IndexStore

    phases: dict[str, float] = {}
    inside: list[str] = []  # the phases being timed (only the outermost counts: no double counting)

    def timed(label, function):
        def wrapper(*args, **kwargs):
            if label != "build" and "build" not in inside:  # e.g. the drain after the swap
                return function(*args, **kwargs)
            outermost = label not in inside
            inside.append(label)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                inside.pop()
                if outermost:
                    phases[label] = phases.get(label, 0.0) + time.perf_counter() - started
        return wrapper

    patches = [(IndexStore, "build", "build"), (multiproc.MpWriter, "commit", "writer_commit"),
               (multiproc.MpWriter, "_merge_subsegments", "merge_subsegments"),
               (writing.SegmentWriter, "commit", "writer_commit")]
    originals = [(cls, name, cls.__dict__[name]) for cls, name, _ in patches]
    for cls, name, label in patches:
        setattr(cls, name, timed(label, cls.__dict__[name]))
    gc.collect()
    try:
        before = os.times()
        started = time.perf_counter()
        count = reindex(procs=procs)
        seconds = time.perf_counter() - started
        after = os.times()
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
    store = current_store()
    directory = store.current_dir()
    searcher = store.searcher()
    segments = len(list(searcher.reader().leaf_readers()))
    build = phases.get("build", 0.0)
    commit = phases.get("writer_commit", 0.0)
    cpu = {"this_process_s": (after.user - before.user) + (after.system - before.system),
           "writer_processes_s": (after.children_user - before.children_user)
           + (after.children_system - before.children_system)}
    phases_out = {"feed_writer_s": build - commit, "commit_s": commit,
                  "merge_subsegments_s": phases.get("merge_subsegments"), "outside_build_s": seconds - build}
    return {"seconds": seconds, "indexed": count, "posts_per_s": count / seconds if seconds else None,
            "size_mb": dir_size(directory) / 1e6, "segments": segments, "procs": procs, "phases": phases_out, "cpu": cpu}


def reindex_detail(top: int) -> dict:
    """Where a reindex spends its time, measured apart (the reindex itself is timed without a profiler): the
    parent's serial part (reading the posts, building the documents: cProfile top functions) and the French
    analysis of their text (what the writer processes do for each document, timed in this process)."""
    from marketplace.extensions import db
    from marketplace.search import changes, service
    from marketplace.search.analysis import analyzer
    from marketplace.search.schema import document

    def documents():
        if hasattr(service, "searchable_documents"):  # what reindex reads (plain rows)
            yield from service.searchable_documents()
            return
        for post in db.session.scalars(service.searchable_posts().execution_options(yield_per=1000)):
            if changes.searchable(post):
                yield document(post, changes.age_limit(post))

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    docs = list(documents())
    profiler.disable()
    documents_s = time.perf_counter() - started
    db.session.remove()
    text = analyzer()
    started = time.perf_counter()
    tokens = 0
    for doc in docs:
        for name in ("title", "text"):
            tokens += sum(1 for _ in text(doc[name]))
    analysis_s = time.perf_counter() - started
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats("tottime").print_stats(top)
    profiler = cProfile.Profile()
    sample = docs[: min(len(docs), 10_000)]
    profiler.enable()
    for doc in sample:
        for name in ("title", "text"):
            for _ in text(doc[name]):
                pass
    profiler.disable()
    analysis_buffer = io.StringIO()
    pstats.Stats(profiler, stream=analysis_buffer).strip_dirs().sort_stats("tottime").print_stats(top)
    return {"documents": len(docs), "read_and_build_documents_s": documents_s,
            "analysis_of_title_and_text_s": analysis_s, "tokens": tokens,
            "documents_profile_tottime": buffer.getvalue(),
            "analysis_profile_tottime_10000_docs": analysis_buffer.getvalue()}


def time_run_search(workload, rounds: int) -> tuple[dict, dict, list[list[float]]]:
    """(first pass, median of the rounds, per-query times of each round) of ``run_search``."""
    from marketplace.extensions import db
    from marketplace.search import run_search

    cpu_rounds = []

    def one_pass() -> list[float]:
        times, cpu = [], []
        for params in workload:
            started, started_cpu = time.perf_counter(), time.process_time()
            run_search(params)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            db.session.remove()  # what the end of a request does
        cpu_rounds.append(summary(cpu))
        return times

    first = one_pass()  # warm-up: postings read from disk into the snapshot's cache
    per_round = [one_pass() for _ in range(rounds)]
    measured = median_of_rounds([summary(t) for t in per_round])
    # CPU time of this process: what the search costs without the other processes of a busy machine
    measured["cpu"] = median_of_rounds(cpu_rounds[1:])
    return summary(first), measured, per_round


def time_engine(workload, rounds: int) -> dict:
    """The index side alone: parsing (thesaurus, spelling) and ``engine.find`` (filters, facets, sort)."""
    from marketplace.search import engine, service

    snapshot = service.snapshot_of(service.current_store())
    parse_rounds, find_rounds, index_rounds, find_cpu_rounds = [], [], [], []
    prepared = []
    for params in workload:  # warm-up
        parsed = service.parsed_query(snapshot, params.q)
        criteria, _ = service._criteria(params, None)
        prepared.append((parsed, criteria))
    for _ in range(rounds):
        parse_times, find_times = [], []
        for params in workload:
            started = time.perf_counter()
            service.parsed_query(snapshot, params.q)
            parse_times.append((time.perf_counter() - started) * 1000)
        cpu_times = []
        for parsed, criteria in prepared:
            started, started_cpu = time.perf_counter(), time.process_time()
            found = engine.find(snapshot, parsed, criteria)
            if not found.total and len(parsed.groups) > 1:  # as run_search: all words but one
                engine.find(snapshot, parsed, criteria, min_groups=len(parsed.groups) - 1)
            find_times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - started_cpu) * 1000)
        find_cpu_rounds.append(summary(cpu_times))
        parse_rounds.append(summary(parse_times))
        find_rounds.append(summary(find_times))
        index_rounds.append(summary([a + b for a, b in zip(parse_times, find_times)]))
    return {"parse": median_of_rounds(parse_rounds), "find": median_of_rounds(find_rounds),
            "index_side": median_of_rounds(index_rounds), "find_cpu": median_of_rounds(find_cpu_rounds),
            "snapshot_docs": snapshot.size}


PHASES = (("catch_up", "service", "catch_up"), ("snapshot", "service", "snapshot_of"),
          ("parse", "service", "parsed_query"), ("find", "engine", "find"), ("load_posts", "service", "_load_posts"),
          ("facets", "service", "_facets"), ("highlights", "service", "_highlights"),
          ("suggestion", "service", "suggestion"))


def time_breakdown(workload) -> dict:
    """One pass of ``run_search`` with each of its steps timed (wrappers around the module functions)."""
    from marketplace.extensions import db
    from marketplace.search import engine, run_search, service

    modules = {"service": service, "engine": engine}
    current: dict[str, float] = {}
    originals = []

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                current[name] = current.get(name, 0.0) + (time.perf_counter() - started) * 1000
        return wrapper

    for name, module, attribute in PHASES:
        original = getattr(modules[module], attribute)
        originals.append((modules[module], attribute, original))
        setattr(modules[module], attribute, timed(name, original))
    per_phase: dict[str, list[float]] = {name: [] for name, _, _ in PHASES}
    per_phase["other"] = []
    try:
        for params in workload:
            current.clear()
            started = time.perf_counter()
            run_search(params)
            total = (time.perf_counter() - started) * 1000
            db.session.remove()
            for name, _, _ in PHASES:
                per_phase[name].append(current.get(name, 0.0))
            per_phase["other"].append(total - sum(current.values()))
    finally:
        for module, attribute, original in originals:
            setattr(module, attribute, original)
    return {name: {**summary(times), "share": sum(times) / max(sum(map(sum, per_phase.values())), 1e-9)}
            for name, times in per_phase.items()}


def time_baseline(workload, rounds: int) -> dict:
    """The straightforward Whoosh set-up on the same index: a new searcher per query, Whoosh's query parser,
    filters as Whoosh queries (``ColumnQuery``: the filter fields of this index are columns), ``groupedby``
    facets, ``sortedby`` the publication date. Distance sort is not available there (relevance instead)."""
    from whoosh import sorting
    from whoosh.qparser import MultifieldParser
    from whoosh.query import ColumnQuery

    from marketplace.search import engine
    from marketplace.search.schema import FREE_YES
    from marketplace.search.service import current_store
    from marketplace.services import geo

    ix = current_store().index()
    facets = {"kind": sorting.FieldFacet("kind"), "category": sorting.FieldFacet("cat"),
              "region": sorting.FieldFacet("reg"), "departement": sorting.FieldFacet("dep"),
              "free": sorting.FieldFacet("free")}

    def whoosh_filter(searcher, params):
        """The documents every filter allows (Whoosh cannot estimate column queries inside an ``And``, so each
        one is run on its own, as the searcher would for a single filter query, and the sets intersected)."""
        codes = engine.criteria_codes(params.kind, params.category, params.region, params.departement)
        parts = [ColumnQuery(column, codes[name]) for name, column in
                 (("kind", "kind"), ("category", "cat"), ("region", "reg"), ("departement", "dep"))
                 if codes[name] is not None]
        if params.free_only:
            parts.append(ColumnQuery("free", FREE_YES))
        if params.near_postcode:  # the bounding box of the circle
            commune = geo.communes_for(params.near_postcode)[0]
            dlat = params.within_km / 111.2
            dlon = dlat / max(math.cos(math.radians(commune.latitude)), 0.01)
            lat, lon = commune.latitude, commune.longitude
            parts.append(ColumnQuery("lat", lambda v, lo=lat - dlat, hi=lat + dlat: lo <= v <= hi))
            parts.append(ColumnQuery("lon", lambda v, lo=lon - dlon, hi=lon + dlon: lo <= v <= hi))
        allowed = None
        for part in parts:
            docs = set(searcher.docs_for_query(part))
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def one(params, filtered: bool) -> int:
        searcher = ix.searcher()
        try:
            query = MultifieldParser(["title", "text"], ix.schema).parse(params.q)
            sortedby = sorting.FieldFacet("pub", reverse=True) if params.sort == "date" else None
            results = searcher.search(query, filter=whoosh_filter(searcher, params) if filtered else None,
                                      groupedby=facets, sortedby=sortedby, limit=20)
            [hit["id"] for hit in results]  # the page's stored fields
            for name in facets:
                results.groups(name)
            return len(results)
        finally:
            searcher.close()

    out = {}
    for label, filtered in (("with_filters", True), ("text_and_facets_only", False)):
        for params in workload:  # warm-up (OS cache)
            one(params, filtered)
        per_round = []
        for _ in range(rounds):
            times = []
            for params in workload:
                started = time.perf_counter()
                one(params, filtered)
                times.append((time.perf_counter() - started) * 1000)
            per_round.append(summary(times))
        out[label] = median_of_rounds(per_round)
    # opening a searcher alone
    opens = []
    for _ in range(20):
        started = time.perf_counter()
        ix.searcher().close()
        opens.append((time.perf_counter() - started) * 1000)
    out["open_searcher_ms"] = summary(opens)
    return out


def time_unfiltered_run_search(workload, rounds: int) -> dict:
    """``run_search`` with the same words and no filter (to compare with the baseline's text-and-facets case)."""
    from dataclasses import replace

    from marketplace.extensions import db
    from marketplace.search import run_search

    plain = [replace(p, kind=None, category=None, region=None, departement=None, free_only=False,
                     near_postcode=None, within_km=None, sort="relevance") for p in workload]
    per_round = []
    for _ in range(rounds):
        times = []
        for params in plain:
            started = time.perf_counter()
            run_search(params)
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
        per_round.append(summary(times))
    return median_of_rounds(per_round)


def unique_word(rng: random.Random) -> str:
    return "zq" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))


def time_publication(repeats: int, seed: int) -> dict:
    """Commit a published post through the ORM (its change-log row in the same transaction), drain as the request
    teardown does, search until it is found. Times from just before the commit."""
    from marketplace.extensions import db
    from marketplace.models import Category, Company, Post, PostKind, PostStatus
    from marketplace.models.types import utcnow
    from marketplace.search import SearchParams, changes, drain_now, run_search, service
    from marketplace.services import geo

    rng = random.Random(seed)
    company = db.session.scalar(sa.select(Company).order_by(Company.id).limit(1))
    location = geo.location_of(company)
    company_id = company.id
    db.session.remove()
    commit_ms, drain_ms, visible_ms, searches, segments = [], [], [], [], []
    for _ in range(repeats):
        word = unique_word(rng)
        now = utcnow()
        post = Post(company_id=company_id, kind=PostKind.OFFER, category=Category.STORAGE,
                    title=f"Entrepôt témoin {word} disponible à {location['city']}",
                    description=f"Surface de stockage {word} de 300 m², quais et racks. Location au mois.",
                    quantity=300, unit="m²", **location, is_free=False, status=PostStatus.PUBLISHED,
                    submitted_at=now, published_at=now, renewed_at=now, moderated_at=now)
        db.session.add(post)
        db.session.flush()
        post_id = post.id
        started = time.perf_counter()
        db.session.commit()
        committed = time.perf_counter()
        changes.take_pending()  # what the request teardown reads before draining
        drain_now()
        drained = time.perf_counter()
        tries, found = 0, False
        while not found and time.perf_counter() - started < 10:
            tries += 1
            results = run_search(SearchParams(q=word))
            found = any(p.id == post_id for p in results.page.items)
            if not found:
                time.sleep(0.01)
                drain_now()
        visible = time.perf_counter()
        segments.append(len(list(service.current_store().searcher().reader().leaf_readers())))
        db.session.remove()
        if not found:
            raise RuntimeError(f"post {post_id} not searchable 10 s after its commit")
        commit_ms.append((committed - started) * 1000)
        drain_ms.append((drained - committed) * 1000)
        visible_ms.append((visible - started) * 1000)
        searches.append(tries)
    return {"repeats": repeats, "commit_ms": summary(commit_ms), "drain_ms": summary(drain_ms),
            "commit_to_visible_ms": summary(visible_ms), "searches_needed_max": max(searches), "segments_after_each": segments}


def profile_query(params, repeats: int, top: int) -> dict:
    from marketplace.extensions import db
    from marketplace.search import run_search

    profiler = cProfile.Profile()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        profiler.enable()
        run_search(params)
        profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    out = {}
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        out[order] = buffer.getvalue()
    return {"query": describe(params), "repeats": repeats, "ms_under_profile": summary(times), **out}


# --------------------------------------------------------------------------- one size


def run_size(size: int, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-", dir=args.workdir))
    say(f"\n=== {size:,} posts (work directory {workdir}) ===")
    result: dict = {"size": size, "load_average_before": os.getloadavg()}
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        say(f"warning: the machine is busy (load average {os.getloadavg()[0]:.1f}): timings will be noisy")
    try:
        app = make_app(workdir, args.procs)
        with app.app_context():
            from flask_migrate import upgrade

            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            result["data"] = data = load_data(size, args.seed, args.posts_per_company)
            say(f"data: {data['posts']:,} posts of {data['companies']:,} companies generated in "
                f"{data['generate_s']:.1f} s, inserted in {data['insert_s']:.1f} s "
                f"({data['distinct_titles']:,} distinct titles, {data['mean_description_chars']:.0f} chars "
                f"per description)")

            result["reindex"] = r = measure_reindex(args.procs)
            ph = r["phases"]
            say(f"reindex: {r['indexed']:,} posts in {r['seconds']:.1f} s = {r['posts_per_s']:,.0f} posts/s, "
                f"{r['size_mb']:.1f} MB, {r['segments']} segment(s); feeding the writer {ph['feed_writer_s']:.1f} s, "
                f"commit {ph['commit_s']:.1f} s (merging the writers' runs "
                f"{ph['merge_subsegments_s'] or 0:.1f} s), outside the build {ph['outside_build_s']:.1f} s; CPU "
                f"{r['cpu']['this_process_s']:.1f} s in this process + {r['cpu']['writer_processes_s']:.1f} s in "
                f"the writer processes")
            if args.reindex_only:
                if args.reindex_detail:
                    result["reindex_detail"] = rd = reindex_detail(15)
                    say(f"reindex detail: reading the posts and building {rd['documents']:,} documents takes "
                        f"{rd['read_and_build_documents_s']:.1f} s; the French analysis of their title and text "
                        f"{rd['analysis_of_title_and_text_s']:.1f} s (one process)")
                    say(rd["documents_profile_tottime"])
                    say(rd["analysis_profile_tottime_10000_docs"])
                result["load_average_after"] = os.getloadavg()
                return result

            workload = query_workload(args.seed, args.variants)
            first, run, per_round = time_run_search(workload, args.rounds)
            result["run_search_first_pass"] = first
            result["run_search"] = run
            say(f"run_search ({len(workload)} searches x {args.rounds} rounds): p50 {run['p50']:.1f} ms, "
                f"p95 {run['p95']:.1f} ms, max {run['max']:.1f} ms (first pass p95 {first['p95']:.1f} ms, "
                f"max {first['max']:.0f} ms); CPU time p50 {run['cpu']['p50']:.1f} ms, p95 {run['cpu']['p95']:.1f} ms")

            result["engine"] = e = time_engine(workload, args.rounds)
            say(f"engine.find: p50 {e['find']['p50']:.2f} ms, p95 {e['find']['p95']:.2f} ms, "
                f"max {e['find']['max']:.2f} ms; parse p50 {e['parse']['p50']:.2f} ms, "
                f"p95 {e['parse']['p95']:.2f} ms")

            say(f"index side (parse + find): p50 {e['index_side']['p50']:.2f} ms, p95 {e['index_side']['p95']:.2f} ms")
            result["breakdown"] = bd = time_breakdown(workload)
            say("run_search steps (one pass; p50 / p95 / share of the total): " + ", ".join(
                f"{name} {v['p50']:.2f}/{v['p95']:.2f} ms {v['share']:.0%}" for name, v in bd.items()))

            result["run_search_no_filter"] = nf = time_unfiltered_run_search(workload, args.rounds)
            say(f"run_search without filters: p50 {nf['p50']:.1f} ms, p95 {nf['p95']:.1f} ms")

            if not args.no_baseline:
                result["baseline"] = b = time_baseline(workload, args.baseline_rounds)
                wf, tf = b["with_filters"], b["text_and_facets_only"]
                say(f"baseline Whoosh, filters: p50 {wf['p50']:.1f} ms, p95 {wf['p95']:.1f} ms; "
                    f"text+facets: p50 {tf['p50']:.1f} ms, p95 {tf['p95']:.1f} ms; "
                    f"opening a searcher p50 {b['open_searcher_ms']['p50']:.1f} ms")
                index = e["index_side"]
                result["speedup"] = {  # the same work: the index side (parse, filter, facets, sort, top 20)
                    "index_p50": wf["p50"] / index["p50"], "index_p95": wf["p95"] / index["p95"],
                    # the whole run_search (adds the page of posts from the database, highlights, catch-up)
                    "run_search_p50": wf["p50"] / run["p50"], "run_search_p95": wf["p95"] / run["p95"],
                }
                say(f"speed-up over the baseline: index side x{result['speedup']['index_p50']:.1f} (p50) / "
                    f"x{result['speedup']['index_p95']:.1f} (p95); whole run_search "
                    f"x{result['speedup']['run_search_p50']:.2f} / x{result['speedup']['run_search_p95']:.2f}")

            # the slowest search (median of the rounds) under cProfile
            medians = [statistics.median(r[i] for r in per_round) for i in range(len(workload))]
            slowest = sorted(range(len(workload)), key=lambda i: medians[i], reverse=True)
            result["slowest_queries"] = [{"query": describe(workload[i]), "median_ms": medians[i]}
                                         for i in slowest[:10]]
            if size >= args.profile_from:
                profiled, seen = [], set()
                for i in slowest:  # the slowest searches, one per query text
                    if workload[i].q not in seen:
                        seen.add(workload[i].q)
                        profiled.append(workload[i])
                    if len(profiled) == args.profile_count:
                        break
                result["profiles"] = []
                for rank, params in enumerate(profiled, 1):
                    p = profile_query(params, args.profile_repeats, 15)
                    result["profiles"].append(p)
                    say(f"profile #{rank} of the slowest searches: {p['query']} ({args.profile_repeats} runs, "
                        f"p50 {p['ms_under_profile']['p50']:.1f} ms under the profiler):")
                    say(p["tottime"])
                    say(p["cumulative"])

            result["publication"] = pub = time_publication(args.publications, args.seed)
            v = pub["commit_to_visible_ms"]
            say(f"publication visible: p50 {v['p50']:.0f} ms, p95 {v['p95']:.0f} ms, max {v['max']:.0f} ms "
                f"(drain p50 {pub['drain_ms']['p50']:.0f} ms)")

            # the same searches once more with the segments the publications added (before any merge)
            after_first, after, _ = time_run_search(workload, 1)
            result["run_search_after_publications"] = after
            from marketplace.search.service import current_store

            result["segments_after_publications"] = len(list(current_store().searcher().reader().leaf_readers()))
            say(f"run_search after the publications ({result['segments_after_publications']} segments): "
                f"p50 {after['p50']:.1f} ms, p95 {after['p95']:.1f} ms (first pass p95 {after_first['p95']:.1f} ms)")
            result["breakdown_after_publications"] = bd = time_breakdown(workload)
            say("run_search steps after the publications (p50 / p95 / share): " + ", ".join(
                f"{name} {v['p50']:.2f}/{v['p95']:.2f} ms {v['share']:.0%}" for name, v in bd.items()))
            if args.reindex_detail:
                result["reindex_detail"] = rd = reindex_detail(15)
                say(f"reindex detail: reading the posts and building {rd['documents']:,} documents takes "
                    f"{rd['read_and_build_documents_s']:.1f} s in the parent; the French analysis of their title "
                    f"and text {rd['analysis_of_title_and_text_s']:.1f} s (one process)")
                say(rd["documents_profile_tottime"])
                say(rd["analysis_profile_tottime_10000_docs"])
            result["load_average_after"] = os.getloadavg()
            from marketplace.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        if args.keep:
            say(f"kept {workdir}")
        else:
            from marketplace.search import store

            store._stores.clear()
            shutil.rmtree(workdir, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- report


def table(results: list[dict]) -> str:
    sizes = [r["size"] for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label, getter, fmt):
        cells = []
        for r in results:
            try:
                value = getter(r)
                cells.append(fmt.format(value) if value is not None else "-")
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("-")
        rows.append((label, cells))

    row("companies", lambda r: r["data"]["companies"], "{:,}")
    row("load average before / after",
        lambda r: f"{r['load_average_before'][0]:.1f} / {r['load_average_after'][0]:.1f}", "{}")
    row("reindex time (s)", lambda r: r["reindex"]["seconds"], "{:.1f}")
    row("reindex rate (posts/s)", lambda r: r["reindex"]["posts_per_s"], "{:,.0f}")
    row("  feeding the writer (s)", lambda r: r["reindex"]["phases"]["feed_writer_s"], "{:.1f}")
    row("  writer commit (s)", lambda r: r["reindex"]["phases"]["commit_s"], "{:.1f}")
    row("  of which merging runs (s)", lambda r: r["reindex"]["phases"]["merge_subsegments_s"], "{:.1f}")
    row("  outside the build (s)", lambda r: r["reindex"]["phases"]["outside_build_s"], "{:.1f}")
    row("reindex CPU: main + writers (s)", lambda r: f"{r['reindex']['cpu']['this_process_s']:.0f} + "
                                                      f"{r['reindex']['cpu']['writer_processes_s']:.0f}", "{}")
    row("index size on disk (MB)", lambda r: r["reindex"]["size_mb"], "{:.1f}")
    row("run_search p50 (ms)", lambda r: r["run_search"]["p50"], "{:.1f}")
    row("run_search p95 (ms)", lambda r: r["run_search"]["p95"], "{:.1f}")
    row("run_search max (ms)", lambda r: r["run_search"]["max"], "{:.1f}")
    row("run_search CPU p50 / p95 (ms)", lambda r: f"{r['run_search']['cpu']['p50']:.1f} / "
                                                   f"{r['run_search']['cpu']['p95']:.1f}", "{}")
    row("run_search 1st pass p95 / max (ms)", lambda r: f"{r['run_search_first_pass']['p95']:.1f} / "
                                                        f"{r['run_search_first_pass']['max']:.0f}", "{}")
    row("engine.find p50 (ms)", lambda r: r["engine"]["find"]["p50"], "{:.2f}")
    row("engine.find p95 (ms)", lambda r: r["engine"]["find"]["p95"], "{:.2f}")
    row("engine.find max (ms)", lambda r: r["engine"]["find"]["max"], "{:.2f}")
    row("engine.find CPU p50 / p95 (ms)", lambda r: f"{r['engine']['find_cpu']['p50']:.2f} / "
                                                     f"{r['engine']['find_cpu']['p95']:.2f}", "{}")
    row("index side (parse+find) p50 (ms)", lambda r: r["engine"]["index_side"]["p50"], "{:.2f}")
    row("index side (parse+find) p95 (ms)", lambda r: r["engine"]["index_side"]["p95"], "{:.2f}")
    row("query parse p50 / p95 (ms)",
        lambda r: f"{r['engine']['parse']['p50']:.2f} / {r['engine']['parse']['p95']:.2f}", "{}")
    row("run_search no filter p50 / p95 (ms)",
        lambda r: f"{r['run_search_no_filter']['p50']:.1f} / {r['run_search_no_filter']['p95']:.1f}", "{}")
    row("baseline filters p50 (ms)", lambda r: r["baseline"]["with_filters"]["p50"], "{:.1f}")
    row("baseline filters p95 (ms)", lambda r: r["baseline"]["with_filters"]["p95"], "{:.1f}")
    row("baseline text+facets p50 / p95 (ms)",
        lambda r: f"{r['baseline']['text_and_facets_only']['p50']:.1f} / "
                  f"{r['baseline']['text_and_facets_only']['p95']:.1f}", "{}")
    row("baseline open searcher p50 (ms)", lambda r: r["baseline"]["open_searcher_ms"]["p50"], "{:.1f}")
    row("speed-up index side p50 / p95",
        lambda r: f"x{r['speedup']['index_p50']:.1f} / x{r['speedup']['index_p95']:.1f}", "{}")
    row("speed-up run_search p50 / p95",
        lambda r: f"x{r['speedup']['run_search_p50']:.2f} / x{r['speedup']['run_search_p95']:.2f}", "{}")
    for phase in ("catch_up", "find", "load_posts", "highlights", "suggestion", "other"):
        row(f"  step {phase} p50 / p95 (ms)",
            lambda r, ph=phase: f"{r['breakdown'][ph]['p50']:.2f} / {r['breakdown'][ph]['p95']:.2f}", "{}")
    row("publication visible p50 (ms)", lambda r: r["publication"]["commit_to_visible_ms"]["p50"], "{:.0f}")
    row("publication visible p95 (ms)", lambda r: r["publication"]["commit_to_visible_ms"]["p95"], "{:.0f}")
    row("publication visible max (ms)", lambda r: r["publication"]["commit_to_visible_ms"]["max"], "{:.0f}")
    row("run_search after publ. p95 (ms)", lambda r: r["run_search_after_publications"]["p95"], "{:.1f}")

    width = max(len(label) for label, _ in rows)
    header = f"{'posts':<{width}}  " + "  ".join(f"{s:>14,}" for s in sizes)
    lines = [header, "-" * len(header)]
    lines += [f"{label:<{width}}  " + "  ".join(f"{c:>14}" for c in cells) for label, cells in rows]
    return "\n".join(lines)


def targets(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        if r["size"] != TARGET_SIZE:
            continue
        checks = (("keyword search p95 <= 30 ms", lambda: r["run_search"]["p95"], TARGETS["query_p95_ms"], "ms"),
                  ("full reindex <= 90 s", lambda: r["reindex"]["seconds"], TARGETS["reindex_s"], "s"),
                  ("publication visible p95 <= 1 s", lambda: r["publication"]["commit_to_visible_ms"]["p95"] / 1000,
                   TARGETS["publication_p95_s"], "s"))
        for label, measured, limit, unit in checks:
            try:
                value = measured()
            except KeyError:  # not measured in this run (--reindex-only)
                continue
            out.append(f"{'MET ' if value <= limit else 'MISSED'} {label}: {value:.2f} {unit}")
    return out


def environment() -> dict:
    import numpy
    import whoosh

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=False).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "marketplace"], cwd=ROOT,
                                 capture_output=True, text=True, check=False).stdout.split("\n")
    except OSError:
        commit, changed = None, []
    return {"python": platform.python_version(), "whoosh": whoosh.versionstring(), "numpy": numpy.__version__,
            "sqlalchemy": sa.__version__, "cpus": os.cpu_count(), "machine": platform.machine(),
            "platform": platform.platform(), "commit": commit,
            "uncommitted_changes_in_marketplace": [line.strip() for line in changed if line.strip()],
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="post counts, comma-separated")
    parser.add_argument("--procs", type=int, default=2, help="writer processes of the full reindex")
    parser.add_argument("--rounds", type=int, default=3, help="measured passes over the query set")
    parser.add_argument("--baseline-rounds", type=int, default=3)
    parser.add_argument("--variants", type=int, default=2, help="random filter combinations per query")
    parser.add_argument("--publications", type=int, default=20)
    parser.add_argument("--posts-per-company", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--profile-from", type=int, default=100_000,
                        help="profile the slowest search from this size on")
    parser.add_argument("--profile-repeats", type=int, default=20)
    parser.add_argument("--profile-count", type=int, default=3, help="how many of the slowest searches to profile")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--reindex-only", action="store_true", help="measure the reindex only (no queries)")
    parser.add_argument("--reindex-detail", action="store_true",
                        help="after the measures, time and profile the parts of a reindex separately")
    parser.add_argument("--workdir", default=None, help="where the temporary databases go (default: the system's)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases and indexes")
    parser.add_argument("--output", default=None,
                        help="JSON results (default bench/results/search-<date>.json)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    output = Path(args.output) if args.output else HERE / "results" / f"search-{date.today().isoformat()}.json"

    logging.basicConfig(level=logging.WARNING)
    env = environment()
    say(f"search benchmark: sizes {sizes}, {args.procs} writer process(es), {args.rounds} rounds, "
        f"{len(QUERIES)} queries x {args.variants} filter combinations; {env['cpus']} CPUs, Python {env['python']}, "
        f"Whoosh {env['whoosh']}")
    results = [run_size(size, args) for size in sizes]

    say("\n" + table(results))
    for line in targets(results):
        say(line)
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {"environment": env, "arguments": vars(args), "targets": TARGETS, "results": results}
    output.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    say(f"\nresults written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
