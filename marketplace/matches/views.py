"""The match pages of a company: its matches, one match (introduction, contacts, messages, outcome) (thin views).

Every action parses its form, calls ``services.introductions``, commits once, then redirects; a domain error
rolls everything back and is shown on its field or as a message. A match the user may not see is a 404, whoever
asks; a user who may see it but not act (the CCI staff, read-only) gets a 403 with the reason."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import permissions
from ..errors import DomainError
from ..matching.scoring import reason_labels
from ..models import Match, Outcome
from ..posts.forms import show_domain_error
from ..services import introductions, paging
from ..web import ID, commit_action, flash_outcome
from . import bp
from .forms import ACCEPT, AnswerForm, MessageForm, OutcomeForm


@bp.route("/")
@login_required
def index():
    company = current_user.company
    if company is None or not permissions.can_act_for_company(current_user, company):
        abort(403)
    raw_page = request.args.get("page")
    page = paging.page_of(*introductions.my_matches(company), paging.parse_page(raw_page),
                          current_app.config["POSTS_PER_PAGE"])
    rows = []
    for match in page.items:
        side = match.side_of(company.id)
        rows.append({"match": match, "own": introductions.post_of(match, side),
                     "other": introductions.post_of(match, introductions.other_side(side)),
                     "status_label": introductions.status_label(match.status),
                     "expected": introductions.expected_action(match, side)})
    return render_template("matches/index.html", company=company, page=page, rows=rows,
                           notices=paging.page_notices(page, raw_page))


@bp.route(f"/<{ID}:match_id>")
@login_required
def detail(match_id: int):
    return _render_detail(_visible_match(match_id))


@bp.route(f"/<{ID}:match_id>/answer", methods=["POST"])
@login_required
def answer(match_id: int):
    match = _visible_match(match_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        errors = " ".join(str(error) for error in form.decision.errors)
        flash(errors or _("This form has expired. Reload the page and try again."), "danger")
        return _to_detail(match)
    accept = form.decision.data == ACCEPT
    error = commit_action(lambda: introductions.answer(current_user, match, accept))
    flash_outcome(error, lambda: _answered_message(match, accept))
    return _to_detail(match)


def _answered_message(match: Match, accept: bool) -> str:
    if not accept:
        return _("You declined the introduction. The other company is told; the CCI will suggest other matches.")
    if match.introduced_at is not None:
        return _("You are introduced: the contact details of the other company are shown below.")
    return _("You accepted the introduction. The contact details are shown as soon as the other company "
             "accepts too.")


@bp.route(f"/<{ID}:match_id>/messages", methods=["POST"])
@login_required
def message(match_id: int):
    match = _visible_match(match_id)
    form = MessageForm()
    if form.validate_on_submit():
        error = commit_action(lambda: introductions.post_message(current_user, match, form.body.data))
        if error is None:
            flash(_("Your message is sent."), "success")
            return redirect(url_for("matches.detail", match_id=match.id, _anchor="messages"))
        _show_error(form, error)
    return _render_detail(_visible_match(match_id), message_form=form)


@bp.route(f"/<{ID}:match_id>/outcome", methods=["POST"])
@login_required
def outcome(match_id: int):
    match = _visible_match(match_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        declined = form.outcome.data == Outcome.DECLINED.value
        error = commit_action(lambda: introductions.report_outcome(
            current_user, match, form.outcome.data, quantity=None if declined else form.quantity.data,
            reason=form.reason.data if declined else None,
            second_quantity=None if declined else form.second_quantity.data))
        if error is None:
            flash(_("Thank you: the outcome is recorded.") if declined else
                  _("Thank you: the exchange is recorded and the quantities of the posts are updated."), "success")
            return redirect(url_for("matches.detail", match_id=match.id, _anchor="outcome"))
        _show_error(form, error)
    return _render_detail(_visible_match(match_id), outcome_form=form)


# --------------------------------------------------------------------------- helpers of the views


def _visible_match(match_id: int) -> Match:
    """The match, if the user may see it: else 404 (a company never learns of another's matches)."""
    match = introductions.get_match(match_id)
    if match is None or not permissions.can_view_match(current_user, match):
        abort(404)
    return match


def _to_detail(match: Match):
    return redirect(url_for("matches.detail", match_id=match.id))


def _show_error(form, error: DomainError) -> None:
    if not show_domain_error(form, error):
        flash(str(error.message), "danger")


def _reported(match: Match, record) -> dict:
    """An outcome as the page lists it: the company that reported it and the unit of its quantity."""
    side = match.side_of(record.company_id) or "offer"
    return {"record": record, "company": introductions.company_of(match, side),
            "unit": introductions.quantity_plan(match, side).primary.unit}


def _render_detail(match: Match, message_form: MessageForm | None = None, outcome_form: OutcomeForm | None = None):
    side = introductions.side_of_user(current_user, match)
    own = introductions.post_of(match, side) if side else None
    other = introductions.post_of(match, introductions.other_side(side)) if side else None
    own_company_id = own.company_id if own else None
    introduced = introductions.is_introduced(match)
    staff = side is None  # read-only: the CCI staff of the territory
    shows_thread = introduced and (side is not None or staff)
    return render_template(
        "matches/detail.html", match=match, side=side, own=own, other=other, staff=staff,
        status_label=introductions.status_label(match.status), reasons=reason_labels(match.reasons),
        answers={s: introductions.answer_of(match, s) for s in introductions.SIDES},
        expected=introductions.expected_action(match, side),
        contacts=introductions.contact_companies(current_user, match),
        introduced=introduced, messages=introductions.messages_of(match) if shows_thread else [],
        can_message=side is not None and introductions.can_message(match),
        can_report=side is not None and introductions.can_report(match, own_company_id),
        plan=introductions.quantity_plan(match, side) if side else None,
        outcomes=[_reported(match, record) for record in match.outcomes],
        answer_form=AnswerForm(formdata=None), message_form=message_form or MessageForm(formdata=None),
        outcome_form=outcome_form or OutcomeForm(formdata=None))
