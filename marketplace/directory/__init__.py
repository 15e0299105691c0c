"""The open-businesses directory: the public list and map, the company's own entry, the moderators' hide
(``services.directory`` does the work)."""

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/ouverts")

from . import views  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views"]
