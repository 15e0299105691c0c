"""The map page, the GeoJSON of its posts and the départements' outlines (thin views)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..posts.views_public import FILTER_NAMES
from ..services import catalogue, categories, geo, paging, post_map
from . import bp

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
OUTLINES_FILE = "departements.geojson"
OUTLINES_CACHE_SECONDS = 24 * 60 * 60
GEOJSON_MIMETYPE = "application/geo+json"


@bp.route("", endpoint="map")
def map_view():
    parsed = catalogue.parse_filters(request.args)
    page = catalogue.catalogue_page(parsed.filters, paging.parse_page(request.args.get("page")),
                                    current_app.config["POSTS_PER_PAGE"])
    notices = _filter_notices(parsed) + paging.page_notices(page, request.args.get("page"))
    return render_template("maps/map.html", page=page, filters=parsed.filters, notices=notices,
                           posts_url=url_for("maps.posts_geojson", **parsed.filters.as_args()),
                           kind_choices=categories.kind_choices(), category_choices=categories.category_choices(),
                           regions=geo.regions(), departement_groups=catalogue.departements_by_region())


@bp.route("/posts.geojson", endpoint="posts_geojson")
def posts_geojson():
    parsed = catalogue.parse_filters(request.args)
    if parsed.ignored:
        name = parsed.ignored[0]
        return bad_request(_l("The value of the “%(filter)s” filter was not understood.", filter=FILTER_NAMES[name]),
                           parameter=name)
    try:
        bbox = post_map.parse_bbox(request.args.get(post_map.BBOX_PARAM))
    except post_map.InvalidBbox as exc:
        return bad_request(exc.args[0], parameter=post_map.BBOX_PARAM)
    collection = post_map.map_posts(parsed.filters, bbox, current_app.config["MAP_MAX_FEATURES"])
    response = jsonify(collection)
    response.mimetype = GEOJSON_MIMETYPE
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/departements.geojson", endpoint="departements")
def departements():
    """The shipped outlines, kept in memory (about 400 KB), cached by browsers for a day, with an ETag."""
    data, etag = _outlines()
    response = Response(data, mimetype=GEOJSON_MIMETYPE)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = OUTLINES_CACHE_SECONDS
    return response.make_conditional(request)


@cache
def _outlines() -> tuple[bytes, str]:
    data = (DATA_DIR / OUTLINES_FILE).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:32]


def bad_request(message, parameter: str):
    """The JSON shape of every error of the site (see web.error_response), with the parameter at fault."""
    return jsonify(error={"code": 400, "message": str(message), "parameter": parameter}), 400


def _filter_notices(parsed: catalogue.ParsedFilters) -> list:
    """The catalogue's notices, word for word."""
    return [_l("The value of the “%(filter)s” filter was not understood: it has been ignored.",
               filter=FILTER_NAMES[name]) for name in parsed.ignored]
