"""A worker process of the search concurrency tests (``python -m tests.support.search_worker ...``).

``publish``: publishes ``--count`` posts of the company ``--company``, each in two transactions of its own (created
pending, then published) and each transaction in an application context of its own, whose end drains the change
log as a request's end does (``search.init_app``), with a short lock timeout; every third post is then closed. Prints
one line per post: ``published <id>`` or ``closed <id>``.

``crash``: publishes one post, commits, and dies (``os._exit``) before the end of the application context, i.e.
before anything is applied to the index. Prints ``published <id>`` first."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["publish", "crash"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--company", type=int, required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--tag", default="worker")
    parser.add_argument("--lock-timeout", type=float, default=0.1)
    parser.add_argument("--start-file", default=None, help="wait until this file exists (a common start)")
    args = parser.parse_args(argv)

    from tests.support.search_support import make_app

    app = make_app(args.url, Path(args.index), Path(args.instance), SEARCH_LOCK_TIMEOUT=args.lock_timeout)
    if args.start_file:
        import time

        deadline = time.monotonic() + 30
        while not os.path.exists(args.start_file) and time.monotonic() < deadline:
            time.sleep(0.01)
    if args.mode == "crash":
        return crash(app, args)
    return publish(app, args)


def _new_post(company_id: int, title: str, status):
    from marketplace.extensions import db
    from tests.support.search_support import new_post

    post = new_post(company_id, title, status)
    db.session.add(post)
    db.session.flush()
    return post


def publish(app, args) -> int:
    from marketplace.extensions import db
    from marketplace.models import Post, PostStatus
    from marketplace.models.types import utcnow

    for number in range(args.count):
        with app.app_context():
            post = _new_post(args.company, f"Entrepôt {args.tag} numéro {number}", PostStatus.PENDING)
            db.session.commit()
            post_id = post.id
        with app.app_context():  # its end drains the log (after the commit)
            post = db.session.get(Post, post_id)
            post.status, post.published_at, post.renewed_at = PostStatus.PUBLISHED, utcnow(), utcnow()
            db.session.commit()
        print(f"published {post_id}", flush=True)
        if number % 3 == 2:
            with app.app_context():
                post = db.session.get(Post, post_id)
                post.status, post.closed_at = PostStatus.CLOSED, utcnow()
                db.session.commit()
            print(f"closed {post_id}", flush=True)
    with app.app_context():
        db.engine.dispose()
    return 0


def crash(app, args) -> int:
    from marketplace.extensions import db
    from marketplace.models import PostStatus

    ctx = app.app_context()
    ctx.push()
    post = _new_post(args.company, f"Entrepôt {args.tag}", PostStatus.PUBLISHED)
    db.session.commit()  # committed: the change log row with it
    print(f"published {post.id}", flush=True)
    os._exit(1)  # the process dies before its application context ends (no drain)


if __name__ == "__main__":
    sys.exit(main())
