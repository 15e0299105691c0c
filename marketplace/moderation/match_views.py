"""The moderators' review of matches: the queue of proposed matches, approve, reject, bulk approve (thin views)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..matching.scoring import reason_labels
from ..models import MatchOrigin
from ..services import match_review, paging
from ..web import ID, fetch_or_abort
from . import bp
from .forms import ActionForm
from .match_forms import MatchBulkForm, MatchRejectForm
from .views import _act, moderator_required

FILTER_NAMES = {"min_score": _l("Minimum score"), "origin": _l("Origin")}


@bp.app_template_filter("match_score")
def match_score(score: float | None) -> str:
    """0.873 -> "87 %" (in the reader's language)."""
    return "" if score is None else format_percent(score, "#,##0 %")


@bp.route("/matches")
@moderator_required
def matches():
    parsed = match_review.parse_filters(request.args)
    page = match_review.queue_page(current_user, parsed.filters, paging.parse_page(request.args.get("page")),
                                   current_app.config["POSTS_PER_PAGE"])
    notices = [_l("The value of the “%(filter)s” filter was not understood: it has been ignored.",
                  filter=FILTER_NAMES[name]) for name in parsed.ignored]
    notices += paging.page_notices(page, request.args.get("page"))
    params = {name: value for name, value in (
        ("min_score", f"{parsed.filters.min_score * 100:g}" if parsed.filters.min_score is not None else None),
        ("origin", parsed.filters.origin.value if parsed.filters.origin else None)) if value is not None}
    bulk_form = MatchBulkForm(prefix="bulk")
    if parsed.filters.min_score is not None:
        bulk_form.min_score.data = parsed.filters.min_score
    return render_template("moderation/matches.html", page=page, filters=parsed.filters, params=params,
                           notices=notices, bulk_form=bulk_form, origins=list(MatchOrigin),
                           reject_forms={m.id: MatchRejectForm(prefix=f"reject-{m.id}") for m in page.items},
                           requesters={m.id: match_review.requester_company(m) for m in page.items},
                           reason_labels=reason_labels)


@bp.route(f"/matches/<{ID}:match_id>/approve", methods=["POST"])
@moderator_required
def approve_match(match_id: int):
    match = _match(match_id)
    return _act(ActionForm(), lambda: match_review.approve(current_user, match),
                lambda done: _("The match is approved: both companies are asked to accept the introduction."),
                "moderation.matches")


@bp.route(f"/matches/<{ID}:match_id>/reject", methods=["POST"])
@moderator_required
def reject_match(match_id: int):
    match = _match(match_id)
    form = MatchRejectForm(prefix=f"reject-{match_id}")

    def action():
        reason = match_review.rejection_reason(form.reason_code.data, form.other_reason.data,
                                               match_review.reader_locale(match))
        return match_review.reject(current_user, match, reason)

    return _act(form, action, lambda done: _("The match is rejected."), "moderation.matches")


@bp.route("/matches/bulk-approve", methods=["POST"])
@moderator_required
def bulk_approve_matches():
    form = MatchBulkForm(prefix="bulk")

    def action():
        if form.action.data == "selection":
            return match_review.bulk_approve(current_user, None, form.match_ids.data)
        return match_review.bulk_approve(current_user, form.min_score.data)

    return _act(form, action, lambda count: (ngettext("%(num)d match approved.", "%(num)d matches approved.", count)
                                             if count else _("No match of your territory reaches this score.")),
                "moderation.matches")


def _match(match_id: int):
    return fetch_or_abort(lambda: match_review.get_match(match_id))
