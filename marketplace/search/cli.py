"""``flask search ...``: rebuild, catch up, check and watch the index; send the daily alerts."""

from __future__ import annotations

import sys
import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import SearchChange, SearchCursor
from . import changes, service
from .store import IndexUnavailable

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Writer processes (default SEARCH_BUILD_PROCS).")
def reindex_command(procs):
    """Rebuild the index from the database into a new directory and swap it in."""
    started = time.perf_counter()
    count = service.reindex(procs=procs)
    seconds = time.perf_counter() - started
    click.echo(f"{count} posts indexed in {seconds:.1f} s ({service.current_store().current_dir()}).")


@search_cli.command("sync")
def sync_command():
    """Apply the change log rows this index has not applied yet."""
    if not service.current_store().exists():
        click.echo("No index yet: building it.")
        click.echo(f"{service.reindex()} posts indexed.")
        return
    try:
        result = changes.drain(service.current_store(), service.index_name(),
                               current_app.config["SEARCH_LOCK_TIMEOUT"] * 5, max_seconds=3600)
    except IndexUnavailable as exc:
        db.session.rollback()
        click.echo(f"The index cannot be written ({exc}): rebuilding it.")
        click.echo(f"{service.reindex()} posts indexed.")
        return
    if result.skipped:
        click.echo(f"Not done: the index is {result.skipped}. Try again.", err=True)
        sys.exit(1)
    if result.indexed:
        service._alert(result.indexed)
    click.echo(f"{result.applied} changes applied: {len(result.indexed)} posts indexed, {result.removed} removed.")


@search_cli.command("check")
@click.option("--limit", default=20, show_default=True, help="Ids listed per kind of difference.")
def check_command(limit):
    """Compare the index with the database and print the differences (exit 1 if any)."""
    if not service.current_store().exists():
        click.echo("There is no index: run `flask search reindex`.", err=True)
        sys.exit(1)
    try:
        report = service.check()
    except IndexUnavailable as exc:
        click.echo(f"The index cannot be read ({exc}): run `flask search reindex`.", err=True)
        sys.exit(1)
    for label, ids in (("missing from the index", report.missing), ("in the index but not searchable",
                                                                    report.extra),
                       ("out of date in the index", report.stale)):
        shown = ", ".join(map(str, ids[:limit])) + (" …" if len(ids) > limit else "")
        click.echo(f"{len(ids)} posts {label}" + (f": {shown}" if ids else ""))
    if not report.ok:
        click.echo("Run `flask search sync` (or `flask search reindex`) to repair.")
        sys.exit(1)
    click.echo("The index agrees with the database.")


@search_cli.command("status")
def status_command():
    """The index directory, the change log and the cursor of every index."""
    store = service.current_store()
    click.echo(f"index: {store.current_dir() or 'none'} ({'ok' if store.exists() else 'missing'})")
    count = db.session.scalar(sa.select(sa.func.count(SearchChange.id)))
    click.echo(f"change log: {count} rows, latest id {changes.latest_change_id()}")
    for cursor in db.session.scalars(sa.select(SearchCursor).order_by(SearchCursor.name)):
        click.echo(f"cursor {cursor.name}: {cursor.position} (updated {cursor.updated_at:%Y-%m-%d %H:%M:%S})")


@search_cli.command("forget")
@click.argument("name")
def forget_command(name):
    """Drop the cursor of an index replica that no longer exists (it holds back the pruning of the log)."""
    deleted = db.session.execute(sa.delete(SearchCursor).where(SearchCursor.name == name)).rowcount
    db.session.commit()
    click.echo(f"cursor {name} removed." if deleted else f"no cursor named {name}.")


def _register_alerts() -> None:
    try:
        from ..alerts.cli import alerts_command
    except ImportError:
        return
    search_cli.add_command(alerts_command)


_register_alerts()
