"""Saved searches and their mail alerts: my saved searches, saving one from the search page, one-click
unsubscribe from the mails (``services.saved_searches`` does the work)."""

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

from . import views  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views"]
