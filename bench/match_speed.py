#!/usr/bin/env python
"""Match speed (issue 5): suggestions for one newly published post, and a rebuild of every suggestion, at scale.

Usage: ``.venv/bin/python bench/match_speed.py --size 100000 [--publications 100] [--procs 2] [--skip-rebuild]``

It reuses the search benchmark's synthetic French posts (``bench/search_bench.py``, ``bench/french_posts.py``):
a throw-away SQLite database and index of ``--size`` published posts (Core bulk inserts, then
``search.reindex``). Then:

1. publishes ``--publications`` new posts one by one through the ORM, commits and drains the index as the request
   teardown does, and times ``services.matching.suggestions_for(post)`` for each: candidates from the index (NumPy
   over the postings), the candidates read in one query, judged. Twice: with the engine's per-post cache of what a
   post says empty (every candidate read and analysed: the worst case, a fresh worker) and warm (the same
   publications again). Targets: p95 <= 50 ms;
2. profiles one suggestion call (cold) with cProfile: top 15 functions by cumulative and by own time;
3. times ``services.matching.rebuild_all`` (what ``flask matching rebuild`` runs), with ``--procs`` processes.
   Target: <= 10 minutes on the 2-core machine."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from french_posts import PostFactory  # noqa: E402
from search_bench import load_data, make_app, percentile, say, summary  # noqa: E402

TARGETS = {"suggestions_p95_ms": 50.0, "rebuild_s": 600.0}


def publish(count: int, seed: int) -> list[int]:
    """New published posts through the ORM (change-log rows written), committed and drained one by one."""
    import sqlalchemy as sa

    from marketplace.extensions import db
    from marketplace.models import Company, Post
    from marketplace.search import changes, drain_now

    factory = PostFactory(seed + 1)
    top = db.session.scalar(sa.select(sa.func.max(Post.id))) or 0
    companies = [{"id": c.id, "_activity": None, "_commune": _Commune(c)}
                 for c in db.session.scalars(sa.select(Company).order_by(Company.id).limit(500))]
    rng = random.Random(seed)
    ids = []
    for i in range(count):
        row = factory.post(top + 1 + i, rng.choice(companies))
        row.pop("id")
        post = Post(**row)
        db.session.add(post)
        db.session.commit()
        ids.append(post.id)
        changes.take_pending()
        drain_now()
    return ids


class _Commune:
    """A company's place, as the generator reads a commune."""

    def __init__(self, company):
        from marketplace.services import geo

        self._location = geo.location_of(company)
        self.name = company.city
        self.departement = company.departement
        self.departement_name = geo.departement_name(company.departement) or ""

    def location(self) -> dict:
        return dict(self._location)


def time_suggestions(post_ids: list[int], cold: bool) -> tuple[dict, list[int]]:
    from marketplace.extensions import db
    from marketplace.services import matching

    times, counts = [], []
    for post_id in post_ids:
        if cold:
            matching._facts.clear()
        started = time.perf_counter()
        found = matching.suggestions_for(post_id)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(found))
        db.session.remove()
    return summary(times), counts


def profile_one(post_id: int, top: int = 15) -> str:
    from marketplace.services import matching

    matching._facts.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    matching.suggestions_for(post_id)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--publications", type=int, default=100)
    parser.add_argument("--procs", type=int, default=2, help="processes of the index build and of the rebuild")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix=f"match-speed-{args.size}-", dir=args.workdir))
    say(f"=== {args.size:,} posts (work directory {workdir}), load average {os.getloadavg()[0]:.1f} ===")
    result: dict = {"size": args.size}
    app = make_app(workdir, args.procs)
    with app.app_context():
        from flask_migrate import upgrade

        from marketplace.extensions import db
        from marketplace.search import service
        from marketplace.services import matching

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        data = load_data(args.size, args.seed, 20)
        started = time.perf_counter()
        service.reindex(procs=args.procs)
        say(f"data: {data['posts']:,} posts inserted in {data['insert_s']:.1f} s, indexed in "
            f"{time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        matching.suggestions_for(1)  # the first call reads the segments' columns and the gazetteer
        result["first_call_s"] = time.perf_counter() - started
        ids = publish(args.publications, args.seed)
        say(f"{len(ids)} posts published and drained; first call of the process {result['first_call_s']:.2f} s")
        cold, counts = time_suggestions(ids, cold=True)
        warm, _ = time_suggestions(ids, cold=False)
        result.update(suggestions_cold_ms=cold, suggestions_warm_ms=warm,
                      suggestions_per_post=sum(counts) / max(len(counts), 1))
        say(f"suggestions_for(new post), cold cache: p50 {cold['p50']:.1f} ms, p95 {cold['p95']:.1f} ms, "
            f"max {cold['max']:.1f} ms")
        say(f"suggestions_for(new post), warm cache: p50 {warm['p50']:.1f} ms, p95 {warm['p95']:.1f} ms, "
            f"max {warm['max']:.1f} ms ({result['suggestions_per_post']:.1f} suggestions per post)")
        result["profile"] = profile = profile_one(ids[len(ids) // 2])
        say("\ncProfile of one suggestion call (cold cache):\n" + profile)

        if not args.skip_rebuild:
            db.session.remove()
            started = time.perf_counter()
            outcome = matching.rebuild_all(procs=args.procs)
            db.session.commit()
            result["rebuild_s"] = seconds = time.perf_counter() - started
            say(f"rebuild_all ({args.procs} processes): {seconds:.1f} s, {outcome.added} matches added, "
                f"{outcome.updated} updated, {outcome.removed} removed")
    checks = [f"suggestions p95 (cold) {result['suggestions_cold_ms']['p95']:.1f} ms "
              f"(target <= {TARGETS['suggestions_p95_ms']:.0f} ms)"]
    if "rebuild_s" in result:
        checks.append(f"rebuild {result['rebuild_s']:.0f} s (target <= {TARGETS['rebuild_s']:.0f} s)")
    say("\n" + "\n".join(checks))
    if args.output:
        args.output.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
