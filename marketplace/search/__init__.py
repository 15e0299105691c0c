"""Full-text search of the published posts: a Whoosh index kept in sync by the change log (``changes``).

The rest of the application uses only what is exported here, so that a deployment could move search to another
engine behind the same functions."""

from __future__ import annotations

from flask import Flask

from . import changes
from .params import SearchParams
from .service import (SearchResults, check, drain_now, matching_post_ids, reindex, run_search)

__all__ = ["SearchParams", "SearchResults", "check", "drain_now", "init_app", "matching_post_ids", "reindex",
           "run_search"]


def init_app(app: Flask) -> None:
    """Drain the change log when a request or a command that committed changes ends."""
    from .cli import search_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(search_cli)

    @app.teardown_request
    def _drain_after_request(exc):
        if changes.take_pending():
            drain_now()

    @app.teardown_appcontext
    def _drain_after_command(exc):
        if changes.take_pending():
            drain_now()
