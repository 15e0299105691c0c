"""The posts of the map as GeoJSON: the catalogue's visible posts and filters, inside a bounding box.

A post is placed at its commune (the coordinates of its INSEE code in the shipped postcode table), never at a
street address. One query whatever the number of posts (columns only, the company joined)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..extensions import db
from ..models import Company, Post
from . import catalogue, categories, geo

BBOX_PARAM = "bbox"


class InvalidBbox(ValueError):
    """The ``bbox`` parameter is not ``west,south,east,north`` in degrees."""


@dataclass(frozen=True)
class Bbox:
    west: float
    south: float
    east: float
    north: float


def parse_bbox(raw: str | None) -> Bbox | None:
    """``west,south,east,north`` (WGS84 degrees) or None when absent; InvalidBbox with the reason otherwise.
    A box across the antimeridian (west > east) is refused: France does not need it."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != 4 or len(text) > 200:
        raise InvalidBbox(_l("bbox must be four numbers: west,south,east,north"))
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise InvalidBbox(_l("bbox must be four numbers: west,south,east,north")) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InvalidBbox(_l("bbox must be four finite numbers"))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise InvalidBbox(_l("bbox longitudes (west, east) must lie between -180 and 180"))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise InvalidBbox(_l("bbox latitudes (south, north) must lie between -90 and 90"))
    if west >= east:
        raise InvalidBbox(_l("bbox west must be less than east"))
    if south >= north:
        raise InvalidBbox(_l("bbox south must be less than north"))
    return Bbox(west, south, east, north)


@cache
def commune_point(postcode: str, insee: str) -> tuple[float, float] | None:
    """(longitude, latitude) of the commune in the postcode table, or None if the table does not know it."""
    try:
        communes = geo.communes_for(postcode)
    except DomainError:
        return None
    for commune in communes:
        if commune.insee == insee:
            return (commune.longitude, commune.latitude)
    return None


def post_point(postcode: str, insee: str, longitude: float, latitude: float) -> tuple[float, float]:
    """The commune's point; a post whose commune left the table keeps its stored (commune) point, 5 decimals."""
    return commune_point(postcode, insee) or (round(longitude, 5), round(latitude, 5))


def bbox_conditions(bbox: Bbox | None) -> list:
    if bbox is None:
        return []
    return [Post.longitude.between(bbox.west, bbox.east), Post.latitude.between(bbox.south, bbox.north)]


def map_posts(filters: catalogue.Filters, bbox: Bbox | None, limit: int) -> dict:
    """A GeoJSON FeatureCollection of at most ``limit`` visible posts, newest first, with ``truncated``."""
    columns = (Post.id, Post.title, Post.kind, Post.category, Post.city, Post.postcode, Post.insee_code,
               Post.longitude, Post.latitude, Company.legal_name)
    statement = (sa.select(*columns).join(Company, Post.company_id == Company.id)
                 .where(*catalogue.catalogue_conditions(filters), *bbox_conditions(bbox))
                 .order_by(Post.published_at.desc(), Post.id.desc()).limit(limit + 1))
    rows = db.session.execute(statement).all()
    features = [_feature(row) for row in rows[:limit]]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit, "limit": limit}


def _feature(row) -> dict:
    longitude, latitude = post_point(row.postcode, row.insee_code, row.longitude, row.latitude)
    kind_label = str(categories.KIND_LABELS[row.kind])
    category_label = str(categories.CATEGORY_LABELS[row.category])
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": {
            "id": row.id, "title": row.title, "kind": row.kind.value, "kind_label": kind_label,
            "category": row.category.value, "category_label": category_label,
            "company": row.legal_name, "city": row.city,
            "url": url_for("posts.detail", post_id=row.id),
            # what static/js/map.js draws, whatever the layer (posts, open businesses...)
            "marker": row.kind.value, "symbol": kind_label[:1].upper(),
            "lines": [row.legal_name, row.city, f"{kind_label} · {category_label}"],
        },
    }
