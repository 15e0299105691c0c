"""``flask search alerts``: mail the daily digests of the saved searches (run it from cron once a day).

The ``search`` group (``marketplace/search/cli.py``) adds this command."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import saved_searches


@click.command("alerts")
@click.option("--base-url", envvar="MARKETPLACE_BASE_URL", default=None, metavar="URL",
              help="Public address of the site, for the links in the mails "
                   "(default: SERVER_NAME when configured; env MARKETPLACE_BASE_URL).")
@with_appcontext
def alerts_command(base_url: str | None) -> None:
    """Mail each person the daily digest of the new posts that match their saved searches."""
    with mail_links(base_url):
        sent = saved_searches.send_daily_digests()
        db.session.commit()  # the digests leave once this succeeds
    click.echo(f"{sent} digest{'' if sent == 1 else 's'} sent.")


def mail_links(base_url: str | None):
    """Where the links of a digest's mails point (``--base-url``, else SERVER_NAME), as a context; a clear
    command-line error when the site's address is unknown or malformed."""
    try:
        return saved_searches.site_links(base_url)
    except saved_searches.NoSiteAddress:
        raise click.UsageError("the digests need the public address of the site: set SERVER_NAME "
                               "(MARKETPLACE_SERVER_NAME) or MARKETPLACE_BASE_URL, or pass --base-url") from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
