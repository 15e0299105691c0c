"""``flask matching remind-outcomes``: ask the introduced companies for the outcome (run it from cron, daily)."""

from __future__ import annotations

import click

from ..extensions import db
from ..posts.cli import _url_context
from ..services import introductions
from .cli import matching_cli


@matching_cli.command("remind-outcomes")
@click.option("--base-url", envvar="MARKETPLACE_BASE_URL", default=None, metavar="URL",
              help="Public address of the site, for the links in the mails "
                   "(default: SERVER_NAME when configured; env MARKETPLACE_BASE_URL).")
def remind_outcomes(base_url: str | None) -> None:
    """Mail both companies of the matches introduced 14 days ago or more whose outcome nobody reported (once)."""
    with _url_context(base_url):
        count = introductions.remind_outcomes()
        db.session.commit()  # the mails leave once this succeeds
    click.echo(f"{count} match{'' if count == 1 else 'es'} reminded.")
