"""The CCI dashboard: figures of the territory for a period, charts (SVG) and CSV exports."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import views  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
