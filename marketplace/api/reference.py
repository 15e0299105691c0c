"""Reference lists: the categories of posts and the common units (those the post form proposes)."""

from __future__ import annotations

from ..services import categories
from .auth import require_token
from .common import labels, make_blueprint
from .schemas import ListOfLabels, UnitsSchema

blp = make_blueprint("reference", "Categories and units.")


@blp.route("/categories")
@require_token("read")
@blp.etag
@blp.response(200, ListOfLabels)
def list_categories():
    """The categories of posts: the code to send, its French and English labels."""
    return {"items": labels(categories.CATEGORY_LABELS)}


@blp.route("/units")
@require_token("read")
@blp.etag
@blp.response(200, UnitsSchema)
def list_units():
    """The common units the post form proposes (any other unit may be typed, 40 characters at most)."""
    return {"items": list(categories.COMMON_UNITS)}
