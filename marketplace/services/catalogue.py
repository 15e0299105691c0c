"""The public reads of posts: the catalogue with its filters, a post page, a company page.

Every read costs a fixed number of SQL queries whatever the number of posts: one count, one page of posts
with their company (joined) and one query for the photos of the whole page."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Category, Company, Post, PostKind, PostStatus
from . import geo
from .posts import is_visible, visible_condition

FREE_VALUES = frozenset({"1", "on", "true", "yes", "y", "oui"})
PAGE_RE = re.compile(r"[0-9]{1,9}")
MAX_PARAM_LENGTH = 50
SUSPENDED = "suspended"


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """What a visitor narrowed the catalogue to; ``None`` (or False) means "all"."""

    kind: PostKind | None = None
    category: Category | None = None
    region: str | None = None
    departement: str | None = None
    free_only: bool = False

    def as_args(self) -> dict[str, str]:
        """The GET parameters that reproduce these filters (for links: pagination, reset...)."""
        args = {"kind": self.kind, "category": self.category, "region": self.region,
                "departement": self.departement, "free": "1" if self.free_only else None}
        return {name: str(value) for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass(frozen=True)
class ParsedFilters:
    filters: Filters
    ignored: tuple[str, ...] = ()  # names of the parameters whose value was not understood


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """Filters from the query string; a value that is not understood is dropped and its name reported."""
    ignored: list[str] = []
    kind = _choice(args, "kind", {k.value: k for k in PostKind}, ignored)
    category = _choice(args, "category", {c.value: c for c in Category}, ignored)
    region = _choice(args, "region", {code: code for code in region_codes()}, ignored)
    departement = _choice(args, "departement", {code: code for code in departement_codes()}, ignored)
    free_only = _flag(args, "free", ignored)
    return ParsedFilters(Filters(kind, category, region, departement, free_only), tuple(ignored))


def _raw(args: Mapping[str, str], name: str) -> str:
    value = args.get(name)
    return value.strip() if isinstance(value, str) else ""


def _choice(args: Mapping[str, str], name: str, allowed: Mapping[str, object], ignored: list[str]):
    value = _raw(args, name)
    if not value:
        return None
    found = allowed.get(value) if len(value) <= MAX_PARAM_LENGTH else None
    if found is None:
        ignored.append(name)
    return found


def _flag(args: Mapping[str, str], name: str, ignored: list[str]) -> bool:
    value = _raw(args, name).lower()
    if value and value not in FREE_VALUES:
        ignored.append(name)
    return value in FREE_VALUES


def region_codes() -> list[str]:
    return [code for code, _ in geo.regions()]


def departement_codes() -> list[str]:
    return [code for code, _ in geo.departements()]


def departements_by_region() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(region name, [(département code, name), ...]), ...]: the options of the département filter."""
    grouped: dict[str, list[tuple[str, str]]] = {code: [] for code, _ in geo.regions()}
    for code, name in geo.departements():
        region = geo.region_of_departement(code)
        grouped.setdefault(region[0], []).append((code, name))
    names = dict(geo.regions())
    return [(names[code], items) for code, items in grouped.items() if items]


def parse_page(raw: str | None) -> int | None:
    """The page number asked for, or None if it is not a positive whole number."""
    value = (raw or "").strip()
    if not PAGE_RE.fullmatch(value) or int(value) < 1:
        return None
    return int(value)


# --------------------------------------------------------------------------- query builders


def filter_conditions(filters: Filters) -> list:
    conditions = []
    if filters.kind:
        conditions.append(Post.kind == filters.kind)
    if filters.category:
        conditions.append(Post.category == filters.category)
    if filters.region:
        conditions.append(Post.region == filters.region)
    if filters.departement:
        conditions.append(Post.departement == filters.departement)
    if filters.free_only:
        conditions.append(Post.is_free.is_(True))
    return conditions


def catalogue_conditions(filters: Filters, now: datetime | None = None) -> list:
    """What the catalogue lists: the visible posts, narrowed by the filters."""
    return [visible_condition(now), *filter_conditions(filters)]


def newest_first(statement: sa.Select) -> sa.Select:
    return statement.order_by(Post.published_at.desc(), Post.id.desc())


def with_card_data(statement: sa.Select) -> sa.Select:
    """Load what a post card shows: its company (same query) and its photos (one query for the page)."""
    return statement.options(joinedload(Post.company), selectinload(Post.photos))


def count_statement(conditions: list) -> sa.Select:
    return sa.select(sa.func.count(Post.id)).where(*conditions)


def posts_statement(conditions: list) -> sa.Select:
    return with_card_data(newest_first(sa.select(Post).where(*conditions)))


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    items: list[Post]
    total: int
    number: int
    per_page: int
    out_of_range: bool = False  # a page past the last one was asked for: the last one is shown
    window: list[int | None] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def page_window(number: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last and ``around`` each side of the current one;
    ``None`` marks a gap ("…")."""
    shown = sorted({1, pages, *range(max(1, number - around), min(pages, number + around) + 1)})
    window: list[int | None] = []
    for previous, current in zip([0, *shown], shown):
        if current - previous > 1:
            window.append(None)
        window.append(current)
    return window


def paginate(conditions: list, requested: int | None, per_page: int) -> Page:
    """One query counts, one query loads the page (plus one for the photos); a page past the end shows the last."""
    from .paging import page_of  # paging builds on this module's Page

    return page_of(count_statement(conditions), posts_statement(conditions), requested, per_page)


def catalogue_page(filters: Filters, requested: int | None, per_page: int) -> Page:
    return paginate(catalogue_conditions(filters), requested, per_page)


def company_posts_page(company: Company, requested: int | None, per_page: int) -> Page:
    return paginate([visible_condition(), Post.company_id == company.id], requested, per_page)


def latest_posts(limit: int) -> list[Post]:
    """The newest visible posts (home page)."""
    statement = posts_statement([visible_condition()]).limit(limit)
    return list(db.session.scalars(statement).unique())


# --------------------------------------------------------------------------- single reads


def post_with_details(post_id: int) -> Post | None:
    """A post with its company and photos, whatever its status (the caller checks who may see it)."""
    statement = with_card_data(sa.select(Post).where(Post.id == post_id))
    return db.session.scalars(statement).unique().one_or_none()


def get_company(company_id: int) -> Company | None:
    """A company with its members (same query: the contact details may list their emails)."""
    return db.session.get(Company, company_id, options=[joinedload(Company.members)])


def display_status(post: Post, now: datetime | None = None) -> str:
    """The status a reader should be told: a published post past its dates reads as expired, one of a
    suspended company as ``suspended``."""
    if post.status is not PostStatus.PUBLISHED or is_visible(post, now):
        return post.status.value
    if post.company.is_suspended:
        return SUSPENDED
    return PostStatus.EXPIRED.value
