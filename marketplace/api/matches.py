"""One match of the user's company: read it, accept or decline the introduction, report the outcome (thin)."""

from __future__ import annotations

from flask_login import current_user

from ..services import introductions
from ..web import ID
from .auth import require_token
from .common import commit, make_blueprint, match_data, visible_match
from .schemas import AnswerInput, MatchSchema, OutcomeInput

blp = make_blueprint("matches", "The matches of the user's company: answer an introduction, report the outcome.")


@blp.route(f"/matches/<{ID}:match_id>")
@require_token("read")
@blp.etag
@blp.response(200, MatchSchema)
def get_match(match_id: int):
    """A match of the user's company (or, read-only, of the CCI's territory)."""
    return match_data(visible_match(match_id))


@blp.route(f"/matches/<{ID}:match_id>/answer", methods=["POST"])
@require_token("write")
@blp.arguments(AnswerInput)
@blp.response(200, MatchSchema)
def answer(body: dict, match_id: int):
    """Accept (``{"accept": true}``) or decline the introduction, once, for the user's company."""
    match = visible_match(match_id)
    introductions.answer(current_user, match, body["accept"])
    return commit(match_data(match))


@blp.route(f"/matches/<{ID}:match_id>/outcome", methods=["POST"])
@require_token("write")
@blp.arguments(OutcomeInput)
@blp.response(200, MatchSchema)
def outcome(body: dict, match_id: int):
    """Report how the match ended: ``concluded`` (``quantity`` exchanged, in the unit of the company's post;
    ``second_quantity`` in the other post's unit when the units cannot be converted) or ``declined``
    (``reason``)."""
    match = visible_match(match_id)
    declined = body["outcome"] == "declined"
    introductions.report_outcome(current_user, match, body["outcome"],
                                 quantity=None if declined else body.get("quantity"),
                                 reason=body.get("reason") if declined else None,
                                 second_quantity=None if declined else body.get("second_quantity"))
    return commit(match_data(match))
