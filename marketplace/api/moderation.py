"""The moderators' desk: pending posts and proposed matches of their territory, approve, reject (thin)."""

from __future__ import annotations

from flask_login import current_user

from .. import permissions
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import Post
from ..services import match_review, moderation
from ..services import posts as post_rules
from ..web import ID
from . import errors
from .auth import require_token
from .common import commit, make_blueprint, match_data, page_envelope, post_data
from .schemas import (MatchPage, MatchQueueArgs, MatchRejectInput, MatchSchema, PageArgs, PostPage, PostRejectInput,
                      PostSchema)

blp = make_blueprint("moderation", "For the CCI's moderators: the pending posts and the proposed matches of their "
                                   "territory.")


def _moderator() -> None:
    if not permissions.is_moderator(current_user):
        raise Forbidden(errors.HTTP_MESSAGES[403])


def _post(post_id: int) -> Post:
    _moderator()
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(errors.HTTP_MESSAGES[404])
    return post


@blp.route("/moderation/posts")
@require_token("read")
@blp.etag
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, PostPage)
def pending_posts(page: int, per_page: int):
    """The posts awaiting review in the moderator's territory, oldest submitted first."""
    _moderator()
    found = moderation.queue_page(current_user, page, per_page)
    return page_envelope(found, [post_data(post) for post in found.items], "api_moderation.pending_posts")


@blp.route(f"/moderation/posts/<{ID}:post_id>/approve", methods=["POST"])
@require_token("write")
@blp.response(200, PostSchema)
def approve_post(post_id: int):
    """Publish a pending post (or confirm one published under post-moderation)."""
    post = _post(post_id)
    post_rules.approve(current_user, post)
    return commit(post_data(post))


@blp.route(f"/moderation/posts/<{ID}:post_id>/reject", methods=["POST"])
@require_token("write")
@blp.arguments(PostRejectInput)
@blp.response(200, PostSchema)
def reject_post(body: dict, post_id: int):
    """Reject a post; the company reads the ``reason`` (written, or a standard reply's ``reason_code``)."""
    post = _post(post_id)
    reason = moderation.rejection_reason(body.get("reason_code"), body.get("reason"), moderation.reader_locale(post))
    post_rules.reject(current_user, post, reason)
    return commit(post_data(post))


@blp.route("/moderation/matches")
@require_token("read")
@blp.etag
@blp.arguments(MatchQueueArgs, location="query", as_kwargs=True)
@blp.response(200, MatchPage)
def proposed_matches(page: int, per_page: int, min_score: float | None = None):
    """The proposed matches of the moderator's territory, best first."""
    _moderator()
    found = match_review.queue_page(current_user, match_review.QueueFilters(min_score=min_score), page, per_page)
    return page_envelope(found, [match_data(m, None) for m in found.items], "api_moderation.proposed_matches")


def _match(match_id: int):
    _moderator()
    return match_review.get_match(match_id)


@blp.route(f"/moderation/matches/<{ID}:match_id>/approve", methods=["POST"])
@require_token("write")
@blp.response(200, MatchSchema)
def approve_match(match_id: int):
    """Approve a proposed match: both companies are asked to accept the introduction."""
    match = _match(match_id)
    match_review.approve(current_user, match)
    return commit(match_data(match, None))


@blp.route(f"/moderation/matches/<{ID}:match_id>/reject", methods=["POST"])
@require_token("write")
@blp.arguments(MatchRejectInput)
@blp.response(200, MatchSchema)
def reject_match(body: dict, match_id: int):
    """Reject a proposed match, with a standard reply (``reason_code``) and/or a written ``other_reason``."""
    match = _match(match_id)
    reason = match_review.rejection_reason(body.get("reason_code"), body.get("other_reason"),
                                           match_review.reader_locale(match))
    match_review.reject(current_user, match, reason)
    return commit(match_data(match, None))
