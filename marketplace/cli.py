"""Flask commands. Each command commits once, at its end."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .config import is_production
from .errors import DomainError
from .extensions import db
from .import_cli import import_posts
from .matching.cli import export_matches, matching_cli
from .models import PostStatus, Role
from .notifications_cli import notifications_cli
from .posts.cli import posts_cli
from .services import accounts

users_cli = AppGroup("users", help="Manage moderators and administrators.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(posts_cli)
    app.cli.add_command(import_posts)
    app.cli.add_command(matching_cli)
    app.cli.add_command(export_matches)
    app.cli.add_command(notifications_cli)


def _create_staff(role: Role, email: str, name: str, departements: tuple[str, ...], password: str | None) -> None:
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = accounts.create_staff(email, password, name, role, list(departements))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    scope = ", ".join(user.departements) or "all départements"
    click.echo(f"Created {role.value} {user.email} ({scope}).")
    if generated:
        click.echo(f"Password: {password}  (give it privately; it can be changed after login)")


_departement_option = click.option("--departement", "-d", "departements", multiple=True,
                                   help="Département code in charge (repeat for several), e.g. -d 69 -d 2A.")
_password_option = click.option("--password", default=None, help="Password (generated and printed when omitted).")
_name_option = click.option("--name", default=None, help="Full name shown in the audit log.")


@users_cli.command("create-moderator")
@click.argument("email")
@_departement_option
@_name_option
@_password_option
def create_moderator(email: str, departements: tuple[str, ...], name: str | None, password: str | None) -> None:
    """Create a CCI moderator in charge of one or more départements."""
    if not departements:
        raise click.UsageError("a moderator needs at least one --departement")
    _create_staff(Role.MODERATOR, email, name or email.split("@")[0], departements, password)


@users_cli.command("create-admin")
@click.argument("email")
@_departement_option
@_name_option
@_password_option
def create_admin(email: str, departements: tuple[str, ...], name: str | None, password: str | None) -> None:
    """Create an administrator (every département unless --departement is given)."""
    _create_staff(Role.ADMIN, email, name or email.split("@")[0], departements, password)


@users_cli.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. \"CRM\".")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True,
              help="read, or read and write.")
def create_token_command(email: str, name: str, scope: str) -> None:
    """Create a personal API token for EMAIL and print it (shown once: only its hash is kept)."""
    from .services import api_tokens

    user = accounts.User.by_email(email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    try:
        _, secret = api_tokens.create_token(user, name, scope)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(secret)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (but list the demo accounts) when data exists.")
@click.option("--force", is_flag=True, help="Allow demo data in production mode.")
def seed_demo(if_empty: bool, force: bool) -> None:
    """Load the demo companies and accounts, then print the demo accounts."""
    from .demo import demo_accounts, load_demo

    if is_production(current_app) and not force:
        raise click.ClickException("refusing to load demo data in production mode (use --force to insist)")
    if if_empty and accounts.User.count() > 0:
        click.echo("The database already holds data: demo data not loaded.")
    else:
        try:
            summary = load_demo()
        except DomainError as exc:  # e.g. run twice: the demo SIRETs are taken
            db.session.rollback()
            raise click.ClickException(f"demo data not loaded: {exc.message} (use --if-empty)") from exc
        db.session.commit()
        by_status = ", ".join(f"{summary.posts[status]} {status.value}" for status in PostStatus
                              if summary.posts[status])
        click.echo(f"Demo data loaded: {summary.companies} companies, {summary.posts.total()} posts ({by_status}).")
        suggested, furthered = _index_and_match()
        click.echo(f"Match suggestions: {suggested}, of which {furthered} taken further (approved, introduced, "
                   "concluded) and the others waiting for the moderators.")
    _print_accounts(demo_accounts())


def _index_and_match() -> tuple[int, int]:
    """Build the search index over the demo posts, compute every suggestion (as `flask matching rebuild`) and take
    the three best further (approved, introduced, concluded), so that every page and figure has something to show."""
    from .search import service as search_service
    from .services import matching

    from .demo import add_match_history

    from .posts.cli import _url_context

    search_service.reindex()
    added = matching.rebuild_all().added
    db.session.commit()
    with _url_context(os.environ.get("MARKETPLACE_BASE_URL")):  # the links of the notifications and mails
        furthered = add_match_history()
        db.session.commit()
    return added, furthered


def _print_accounts(rows: list[tuple[str, str]]) -> None:
    password = current_app.config["DEMO_PASSWORD"]
    click.echo("Demo accounts (password for all: %s):" % password)
    for label, email in rows:
        click.echo(f"  {label:<28} {email}")
