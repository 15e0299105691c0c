#!/usr/bin/env python
"""Match quality (issue 5): the engine's suggestions against a labelled file (format: shared/matching/FORMAT.md).

Usage: ``.venv/bin/python bench/match_quality.py ../shared/matching/devset.json [--keep DIR] [--details]``

The file is imported, with all its dates shifted by one offset so that its earliest date is today, into a fresh
temporary SQLite database and search index, exactly as an operator would do it: ``flask db upgrade``,
``flask import-posts``, ``flask matching rebuild``, ``flask export-matches``. The export is then compared with the
file's judgements:

- over the posts that have counterparts: nDCG@5 (gain 2^grade - 1), precision@1 (the first suggestion is a
  counterpart of any grade), recall@10 (share of the counterparts among the first ten suggestions, per post);
- over the posts that have none: the share that still gets a suggestion;
- over every suggestion of every judged post: the share that is a counterpart (the moderators' queue).

Targets of the issue on each file: nDCG@5 >= 0.92, P@1 >= 0.92, recall@10 >= 0.95, <= 20 % of the posts without
counterparts suggested anything, >= 80 % of the suggested pairs relevant."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"ndcg5": 0.92, "p1": 0.92, "recall10": 0.95, "no_counterpart_suggested": 0.20, "relevant_pairs": 0.80}
DATE_FIELDS = ("available_from", "available_until")


def shifted(data: dict, today: date) -> tuple[dict, int]:
    """The file with every date moved by one offset, so that its earliest date is ``today``."""
    dates = [date.fromisoformat(p[f]) for p in data["posts"] for f in DATE_FIELDS if p.get(f)]
    offset = (today - min(dates)).days if dates else 0
    posts = []
    for post in data["posts"]:
        post = dict(post)
        for name in DATE_FIELDS:
            if post.get(name):
                post[name] = (date.fromisoformat(post[name]) + timedelta(days=offset)).isoformat()
        posts.append(post)
    return {**data, "posts": posts}, offset


def flask(workdir: Path, *args: str, extra_env: dict | None = None) -> str:
    env = {**os.environ, "MARKETPLACE_ENV": "development", "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "MARKETPLACE_INSTANCE_PATH": str(workdir / "instance"),
           "MARKETPLACE_SEARCH_INDEX_PATH": str(workdir / "index"), "MARKETPLACE_SEARCH_AUTO_REBUILD": '"sync"',
           **(extra_env or {})}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "marketplace", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"flask {' '.join(args)} failed ({done.returncode})")
    return done.stdout + done.stderr


def dcg(gains: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def evaluate(export: list[dict], relevance: list[dict]) -> dict:
    judged = {item["post"]: item["matches"] for item in relevance}
    suggested = {str(row["post"]): [str(s["post"]) for s in row["suggestions"]] for row in export}
    ndcg, p1, recall, empty_hits, pairs, relevant_pairs = [], [], [], [], 0, 0
    failures = []
    for post, matches in judged.items():
        got = suggested.get(post, [])
        pairs += len(got)
        relevant_pairs += sum(1 for other in got if matches.get(other, 0) > 0)
        if not matches:
            empty_hits.append(1 if got else 0)
            if got:
                failures.append((post, "no counterpart, got " + ", ".join(got[:3])))
            continue
        ideal = sorted(matches.values(), reverse=True)[:5]
        ndcg.append(dcg([matches.get(other, 0) for other in got[:5]]) / dcg(ideal))
        p1.append(1 if got and matches.get(got[0], 0) > 0 else 0)
        recall.append(sum(1 for other in got[:10] if other in matches) / len(matches))
        missing = [other for other in matches if other not in got[:10]]
        if missing or not p1[-1]:
            failures.append((post, f"expected {matches}, got {got[:5]}"))
    return {
        "posts_with_counterparts": len(ndcg), "posts_without": len(empty_hits),
        "ndcg5": sum(ndcg) / max(len(ndcg), 1), "p1": sum(p1) / max(len(p1), 1),
        "recall10": sum(recall) / max(len(recall), 1),
        "no_counterpart_suggested": sum(empty_hits) / max(len(empty_hits), 1),
        "relevant_pairs": relevant_pairs / max(pairs, 1), "suggested_pairs": pairs, "failures": failures,
    }


def verdict(figures: dict) -> list[str]:
    lines = []
    for name, target in TARGETS.items():
        value = figures[name]
        ok = value <= target if name == "no_counterpart_suggested" else value >= target
        sign = "<=" if name == "no_counterpart_suggested" else ">="
        lines.append(f"  {name:<26} {value:6.3f}  (target {sign} {target:.2f}) {'ok' if ok else 'MISSED'}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a labelled file (shared/matching/FORMAT.md)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (reused if it holds a database)")
    parser.add_argument("--details", action="store_true", help="list the posts whose suggestions miss")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    data = json.loads(args.path.read_text(encoding="utf-8"))
    temporary = None
    if args.keep:
        workdir = args.keep.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="match-quality-")
        workdir = Path(temporary.name)
    started = time.perf_counter()
    timings = {}
    if not (workdir / "bench.db").exists():
        moved, offset = shifted(data, date.today())
        source = workdir / f"shifted-{args.path.name}"
        source.write_text(json.dumps(moved, ensure_ascii=False), encoding="utf-8")
        print(f"{args.path.name}: {len(data['posts'])} posts, dates shifted by {offset} days -> {source}")
        flask(workdir, "db", "upgrade")
        mark = time.perf_counter()
        print(flask(workdir, "import-posts", str(source)).strip().splitlines()[-1])
        timings["import_s"] = time.perf_counter() - mark
    else:  # a kept database: its index is rebuilt, in case the search code changed since
        flask(workdir, "search", "reindex")
    mark = time.perf_counter()
    print(flask(workdir, "matching", "rebuild").strip().splitlines()[-1])
    timings["rebuild_s"] = time.perf_counter() - mark
    output = workdir / "export.json"
    flask(workdir, "export-matches", "--format", "json", "--output", str(output))
    export = json.loads(output.read_text(encoding="utf-8"))
    figures = evaluate(export, data["relevance"])
    print(f"\n{args.path.name}: {figures['posts_with_counterparts']} posts with counterparts, "
          f"{figures['posts_without']} without, {figures['suggested_pairs']} suggestions "
          f"({time.perf_counter() - started:.1f} s)")
    print(f"  nDCG@5 {figures['ndcg5']:.3f} · P@1 {figures['p1']:.3f} · recall@10 {figures['recall10']:.3f} · "
          f"no-counterpart posts with a suggestion {figures['no_counterpart_suggested']:.1%} · "
          f"suggested pairs relevant {figures['relevant_pairs']:.1%}")
    print("\n".join(verdict(figures)))
    if args.details:
        print("\nMisses:")
        for post, text in figures["failures"]:
            print(f"  {post}: {text}")
    if args.json:
        args.json.write_text(json.dumps({k: v for k, v in figures.items() if k != "failures"} | timings,
                                        indent=1), encoding="utf-8")
    if temporary:
        temporary.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
