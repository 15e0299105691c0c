"""Offers and needs: the public catalogue and the companies' own posts."""

from flask import Blueprint

bp = Blueprint("posts", __name__)

from . import views_owner, views_public  # noqa: E402  (routes register on bp)

__all__ = ["bp", "views_owner", "views_public"]
