"""The CCI moderators' desk: the queue of posts, companies, advisor intake."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from . import views  # noqa: E402  (routes register on bp)
from . import intake  # noqa: E402  (advisor intake routes)
from . import notification_views  # noqa: E402,F401  (the record of notifications)
from . import match_views  # noqa: E402  (the review of matches)

__all__ = ["bp", "intake", "views"]
