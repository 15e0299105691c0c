"""``flask matching rebuild`` and ``flask export-matches``: recompute every suggestion; write them out."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models import Company, Post, PostStatus
from ..services import matching
from .scoring import reason_label, reason_text

matching_cli = AppGroup("matching", help="Match suggestions between offers and needs.")


@matching_cli.command("rebuild")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Processes computing the suggestions (default SEARCH_BUILD_PROCS).")
def rebuild_command(procs: int | None) -> None:
    """Recompute the suggestions of every published post (the matches people acted on are kept)."""
    started = time.perf_counter()
    ctx = matching.context()
    if ctx is None:
        raise click.ClickException("the search index is missing or unreadable: run `flask search reindex` first")
    result = matching.rebuild_all(ctx, procs=procs or current_app.config["SEARCH_BUILD_PROCS"])
    db.session.commit()
    click.echo(f"Suggestions rebuilt in {time.perf_counter() - started:.1f} s: {result.added} added, "
               f"{result.updated} updated, {result.removed} removed.")


def export_rows() -> list[dict]:
    """Every published post with its suggestions, best first (the format of ``flask export-matches``)."""
    posts = db.session.execute(
        sa.select(Post.id, Post.external_ref, Post.kind).join(Company, Company.id == Post.company_id)
        .where(Post.status == PostStatus.PUBLISHED, Company.suspended_at.is_(None)).order_by(Post.id)).all()
    refs = {row.id: row.external_ref or row.id for row in posts}
    missing = set()
    stored = matching.stored_suggestions()
    for matches in stored.values():
        for match in matches:
            missing |= {match.offer_id, match.need_id} - set(refs)
    if missing:  # a counterpart no longer published (its proposals go at the next drain)
        refs.update({row.id: row.external_ref or row.id for row in db.session.execute(
            sa.select(Post.id, Post.external_ref).where(Post.id.in_(missing)))})
    rows = []
    for post in posts:
        suggestions = []
        for match in stored.get(post.id, []):
            other = match.need_id if match.offer_id == post.id else match.offer_id
            suggestions.append({"post": refs.get(other, other), "score": round(match.score, 4),
                                "reasons": [{**reason, "label": reason_label(reason)} for reason in match.reasons]})
        rows.append({"post": refs[post.id], "kind": post.kind.value, "suggestions": suggestions})
    return rows


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["post", "kind", "rank", "suggestion", "score", "reasons"])
    for row in rows:
        for rank, suggestion in enumerate(row["suggestions"], start=1):
            writer.writerow([row["post"], row["kind"], rank, suggestion["post"], suggestion["score"],
                             reason_text(suggestion["reasons"])])
    return buffer.getvalue()


@click.command("export-matches")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True,
              help="JSON: one object per published post with its suggestions; CSV: one line per suggestion.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def export_matches(fmt: str, output: Path | None) -> None:
    """Write every published post's suggestions: [{"post", "kind", "suggestions": [{"post", "score",
    "reasons"}]}]."""
    rows = export_rows()
    text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n" if fmt == "json" else _csv(rows)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    count = sum(len(row["suggestions"]) for row in rows)
    click.echo(f"{len(rows)} posts, {count} suggestions written to {output}.", err=True)


from . import intro_cli  # noqa: E402,F401  (`flask matching remind-outcomes` registers on matching_cli)
