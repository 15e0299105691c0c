"""The map of posts (``/map``), its GeoJSON data and the départements' outlines drawn under the markers."""

from flask import Blueprint

bp = Blueprint("maps", __name__, url_prefix="/map")

from . import views  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views"]
