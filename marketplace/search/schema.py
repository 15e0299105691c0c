"""What the index holds for a post: two text fields scored by the engine, and per-document columns (codes,
coordinates, dates) that filters, facets and sorts read as arrays.

Only published posts of companies that are not suspended are in the index; the columns carry the expiry day so
that a post past its dates disappears from search at once, as it does from the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache

from whoosh import columns
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema

from ..models import Category, Post, PostKind
from ..services import geo
from .analysis import analyzer

SCHEMA_VERSION = 5  # bump when the fields change: the index is rebuilt
NO_EXPIRY = 2**62
KINDS = tuple(PostKind)
CATEGORIES = tuple(Category)
FREE_UNKNOWN, FREE_YES, FREE_NO = 0, 1, 2

COLUMNS = {  # name: struct typecode
    "pid": "i", "company": "i", "kind": "b", "cat": "b", "reg": "h", "dep": "h", "free": "b",
    "lat": "f", "lon": "f", "pub": "q", "exp": "q",
}


def build_schema() -> Schema:
    text = analyzer()
    fields = {name: COLUMN(columns.NumericColumn(code, default=-1 if name in ("pid", "company") else 0))
              for name, code in COLUMNS.items()}
    return Schema(
        id=ID(stored=True, unique=True),
        cid=ID(),  # the company: to drop all its posts at once (suspended, deleted)
        stamp=STORED(),
        title=TEXT(analyzer=text, phrase=False, spelling=True),
        text=TEXT(analyzer=text, phrase=False),
        **fields,
    )


@dataclass(frozen=True)
class Codes:
    """Stable small integers for the facet values (the index stores numbers, pages show codes)."""

    regions: tuple[str, ...]
    departements: tuple[str, ...]

    def region(self, code: str | None) -> int:
        return self.regions.index(code) + 1 if code in self.regions else 0

    def departement(self, code: str | None) -> int:
        return self.departements.index(code) + 1 if code in self.departements else 0


@cache
def codes() -> Codes:
    return Codes(tuple(sorted(code for code, _ in geo.regions())),
                 tuple(code for code, _ in geo.departements()))


def expiry_seconds(last_day: date | None, age_limit: datetime | None) -> int:
    """When the post stops being shown: the end of its last day (UTC) or its age limit, whichever comes first."""
    candidates = [epoch_seconds(age_limit)] if age_limit else []
    if last_day:
        candidates.append(int(datetime(last_day.year, last_day.month, last_day.day, tzinfo=timezone.utc)
                              .timestamp()) + 86399)
    return min(candidates) if candidates else NO_EXPIRY


def epoch_seconds(value: datetime | None) -> int:
    return int(value.timestamp()) if value else 0


def stamp_of(post: Post) -> str:
    """What tells an indexed copy from a stale one (``flask search check``)."""
    changed = max(post.updated_at, post.company.updated_at)
    return changed.astimezone(timezone.utc).isoformat(timespec="seconds")


def document(post: Post, age_limit: datetime | None) -> dict:
    """The index document of a published post (``age_limit``: when it gets too old to be shown)."""
    company = post.company
    place = " ".join(filter(None, (post.city, post.postcode, geo.departement_name(post.departement) or "",
                                   (geo.region_of_departement(post.departement) or ("", ""))[1])))
    text = "\n".join(filter(None, (post.title, post.description, company.legal_name, place, post.unit or "")))
    free = FREE_UNKNOWN if post.is_free is None else (FREE_YES if post.is_free else FREE_NO)
    return {
        "id": str(post.id), "cid": str(post.company_id), "stamp": stamp_of(post), "title": post.title, "text": text,
        "pid": post.id, "company": post.company_id, "kind": KINDS.index(post.kind),
        "cat": CATEGORIES.index(post.category), "reg": codes().region(post.region),
        "dep": codes().departement(post.departement), "free": free,
        "lat": float(post.latitude), "lon": float(post.longitude),
        "pub": epoch_seconds(post.published_at), "exp": expiry_seconds(post.available_until, age_limit),
    }
