"""``flask import-posts PATH``: companies and posts from a file of the data-exchange format, all or nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from .errors import DomainError
from .extensions import db
from .services import importer

log = logging.getLogger(__name__)


@click.command("import-posts")
@click.argument("path", type=click.Path(path_type=Path))
def import_posts(path: Path) -> None:
    """Load companies and posts from a JSON file (format: shared/matching/FORMAT.md).

    Companies are matched by SIRET or created; posts are published as moderator-approved imports. A file with
    any invalid item imports nothing and lists every problem; importing the same file twice changes nothing."""
    try:
        result = importer.import_file(path)
        db.session.commit()
    except importer.InvalidImport as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {path.name}: nothing imported.") from exc
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message} (nothing imported)") from exc
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.exception("import of %s failed", path)
        raise click.ClickException(f"the database refused the import of {path.name}: nothing imported "
                                   f"({type(exc).__name__}).") from exc
    _report(path, result)


def _report(path: Path, result: importer.ImportResult) -> None:
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"Imported {path.name}: companies {result.companies_created} created, {result.companies_matched} "
               f"matched; posts {result.posts_created} created, {result.posts_unchanged} unchanged.")
