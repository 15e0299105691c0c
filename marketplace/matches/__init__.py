"""The companies' side of the matches: their introductions, the message thread and the outcome."""

from flask import Blueprint

bp = Blueprint("matches", __name__, url_prefix="/matches")

from . import views  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views"]
