"""``flask notifications digest``: mail each person the daily digest of their notifications.

Run it from cron once a day, e.g. at 7:00 (the server's time)::

    0 7 * * *  cd /srv/marketplace && MARKETPLACE_BASE_URL=https://bourse.example.org .venv/bin/flask --app marketplace notifications digest

It lists the notifications of the people who chose one daily mail and of those who went over the day's cap of
mails (``NOTIFY_MAIL_DAILY_CAP``). Running it again sends nothing twice (a person gets at most one digest in 20 h)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db
from .services import notifications

notifications_cli = AppGroup("notifications", help="Notification mails.")


@notifications_cli.command("digest")
@click.option("--base-url", envvar="MARKETPLACE_BASE_URL", default=None, metavar="URL",
              help="Public address of the site, for the links in the mails "
                   "(default: SERVER_NAME when configured; env MARKETPLACE_BASE_URL).")
def digest_command(base_url: str | None) -> None:
    """Mail each person waiting for one the digest of their notifications (one mail each)."""
    from .alerts.cli import mail_links

    with mail_links(base_url):
        sent = notifications.send_digests()
        db.session.commit()  # the digests leave once this succeeds
    click.echo(f"{sent} digest{'' if sent == 1 else 's'} sent.")
