"""One page of any list: one query counts, one query loads the page.

The page object and its window are the catalogue's (``services.catalogue.Page``), so every list of the site is
paginated alike and shares the ``pagination`` macro of ``templates/_macros/posts.html``."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .catalogue import Page, page_count, page_window, parse_page

__all__ = ["Page", "page_notices", "page_of", "parse_page"]


def page_of(count_statement: sa.Select, items_statement: sa.Select, requested: int | None, per_page: int) -> Page:
    """Page ``requested`` (None: the first) of the rows of ``items_statement``; past the end, the last page."""
    total = db.session.scalar(count_statement) or 0
    pages = page_count(total, per_page)
    number = min(requested or 1, pages)
    items: list = []
    if total:
        result = db.session.scalars(items_statement.limit(per_page).offset((number - 1) * per_page))
        items = list(result.unique())
    return Page(items, total, number, per_page, out_of_range=(requested or 1) > pages,
                window=page_window(number, pages))


def page_notices(page: Page, raw: str | None) -> list:
    """What to tell about the page number asked for (``raw``, as typed; blank: none asked): not understood, or
    past the end."""
    if (raw or "").strip() and parse_page(raw) is None:
        return [_l("The page number was not understood: the first page is shown.")]
    if page.out_of_range:
        return [_l("There are fewer pages than that: the last page is shown.")]
    return []
