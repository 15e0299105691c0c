"""Administrators' pages: the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import views  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views"]
