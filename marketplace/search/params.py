"""The search page's parameters: parsed leniently from the query string, never raising.

A value that is not understood is dropped and named (the page says so); a postcode that does not exist is an
error message, not a failure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..models import Category, PostKind
from ..services import catalogue, geo
from .query import clean_text

SORTS = ("relevance", "date", "distance")
DISTANCES_KM = (5, 10, 20, 50, 100, 200)
MAX_KM = 1000
KM_RE = re.compile(r"[0-9]{1,4}")
NEAR_COMPANY = "company"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    kind: PostKind | None = None
    category: Category | None = None
    region: str | None = None
    departement: str | None = None
    free_only: bool = False
    near_postcode: str | None = None
    near_company: bool = False
    within_km: int | None = None
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ParsedSearch:
        return parse_args(args)

    @property
    def filters(self) -> catalogue.Filters:
        return catalogue.Filters(self.kind, self.category, self.region, self.departement, self.free_only)

    @property
    def near(self) -> bool:
        return bool(self.near_postcode or self.near_company)

    @property
    def effective_sort(self) -> str:
        """Distance needs a place; relevance needs words: fall back to the date otherwise."""
        if self.sort == "distance" and self.near:
            return "distance"
        if self.sort == "relevance" and self.q:
            return "relevance"
        return "date" if self.sort != "distance" or not self.near else "distance"

    def as_args(self) -> dict[str, str]:
        """The GET parameters that reproduce this search (without the page)."""
        args = {"q": self.q, **self.filters.as_args()}
        if self.near_company:
            args["near"] = NEAR_COMPANY
        elif self.near_postcode:
            args["near"] = self.near_postcode
        if self.within_km and self.near:
            args["km"] = str(self.within_km)
        if self.sort != "relevance":
            args["sort"] = self.sort
        return {name: value for name, value in args.items() if value}

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    @property
    def has_criteria(self) -> bool:
        return bool(self.q or self.filters.active or self.near)


@dataclass(frozen=True)
class ParsedSearch:
    params: SearchParams
    ignored: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)


def _text_arg(args: Mapping[str, str], name: str) -> str:
    value = args.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_args(args: Mapping[str, str]) -> ParsedSearch:
    parsed = catalogue.parse_filters(args)
    ignored, errors = list(parsed.ignored), []
    near_raw = _text_arg(args, "near")[:20]
    near_postcode, near_company = None, False
    if near_raw == NEAR_COMPANY:
        near_company = True
    elif near_raw:
        try:
            near_postcode = geo.normalize_postcode(near_raw)
            geo.communes_for(near_postcode)
        except (geo.InvalidPostcode, geo.UnknownPostcode) as exc:
            errors.append(str(exc))
            near_postcode = None
    within_km = _km(_text_arg(args, "km"), ignored)
    sort = _text_arg(args, "sort") or "relevance"
    if sort not in SORTS:
        ignored.append("sort")
        sort = "relevance"
    page = catalogue.parse_page(_text_arg(args, "page") or "1")
    if page is None:
        ignored.append("page")
    f = parsed.filters
    params = SearchParams(clean_text(_text_arg(args, "q")), f.kind, f.category, f.region, f.departement,
                          f.free_only, near_postcode, near_company, within_km, sort, page or 1)
    return ParsedSearch(params, tuple(ignored), errors)


def _km(raw: str, ignored: list[str]) -> int | None:
    if not raw:
        return None
    if not KM_RE.fullmatch(raw) or not 1 <= int(raw) <= MAX_KM:
        ignored.append("km")
        return None
    return int(raw)
