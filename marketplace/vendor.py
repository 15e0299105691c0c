"""Third-party browser assets served from their Python packages (XStatic), never from a CDN.

``/vendor/<package>/<version>/<file>``: the version is in the path, so a file can be cached for a year and an
upgrade of the package changes its URLs. Templates build them with ``vendor_url("leaflet", "leaflet.js")``."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory, url_for

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

CACHE_SECONDS = 365 * 24 * 60 * 60


def _packages() -> dict[str, tuple[str, str]]:
    """{url name: (version, folder)} of the served packages."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    return {"leaflet": (leaflet.VERSION, leaflet.BASE_DIR),
            "leaflet-markercluster": (markercluster.VERSION, markercluster.BASE_DIR)}


@bp.route("/<package>/<version>/<path:filename>", endpoint="file")
def vendor_file(package: str, version: str, filename: str):
    found = _packages().get(package)
    if found is None or found[0] != version:
        abort(404)
    return send_from_directory(found[1], filename, max_age=CACHE_SECONDS)


@bp.app_template_global()
def vendor_url(package: str, filename: str) -> str:
    version, _ = _packages()[package]
    return url_for("vendor.file", package=package, version=version, filename=filename)
