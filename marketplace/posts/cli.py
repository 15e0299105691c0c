"""``flask posts ...``: the periodic work on posts (run ``flask posts expire`` from cron, e.g. every hour)."""

from __future__ import annotations

from contextlib import nullcontext
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from ..config import is_production
from ..extensions import db
from ..services import posts as post_service

posts_cli = AppGroup("posts", help="Periodic work on offers and needs.")

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves the application


@posts_cli.command("expire")
@click.option("--base-url", envvar="MARKETPLACE_BASE_URL", default=None, metavar="URL",
              help="Public address of the site, for the renewal links in the mails "
                   "(default: SERVER_NAME when configured; env MARKETPLACE_BASE_URL).")
def expire(base_url: str | None) -> None:
    """Expire the posts past their end date or age limit, then remind the owners of those about to expire."""
    with _url_context(base_url):
        expired = post_service.expire_posts()
        reminded = post_service.send_renewal_reminders()
        db.session.commit()  # the reminder mails leave once this succeeds
    click.echo(f"{_count(expired, 'post')} expired, {_count(reminded, 'reminder')} sent.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _url_context(base_url: str | None):
    """Where ``url_for(..., _external=True)`` builds the links of the mails outside any request: the address
    given, else SERVER_NAME, else (in development only) the address of ``make run``."""
    if base_url:
        return _site_at(base_url)
    if current_app.config.get("SERVER_NAME"):
        return nullcontext()
    if is_production(current_app):
        raise click.UsageError("the reminder mails need the public address of the site: set SERVER_NAME "
                               "(MARKETPLACE_SERVER_NAME) or MARKETPLACE_BASE_URL, or pass --base-url")
    return _site_at(DEVELOPMENT_BASE_URL)


def _site_at(base_url: str):
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter(f"{base_url!r} is not an address such as https://bourse.example.org",
                                 param_hint="--base-url")
    context = current_app.test_request_context("/", base_url=base_url.rstrip("/"))
    # bound to this address even when SERVER_NAME names another one
    context.url_adapter = current_app.url_map.bind_to_environ(context.request.environ)
    return context
