"""Thin views over ``services.saved_searches``: parse the form, call the service, commit once, redirect."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from .. import permissions
from ..errors import DomainError
from ..extensions import csrf
from ..search.params import ParsedSearch, SearchParams
from ..services import saved_searches
from ..web import ID, commit_action, commit_result, error_response, fetch_or_abort, flash_outcome
from . import bp
from .forms import PREFIX, ConfirmForm, EditSavedSearchForm, SavedSearchForm


def _ensure_member() -> None:
    company = current_user.company
    if company is None or not permissions.can_act_for_company(current_user, company):
        abort(make_response(error_response(
            403, _("Only the members of a company can save searches and receive alerts."))))


@bp.route("/")
@login_required
def index():
    _ensure_member()
    rows = []
    for saved in saved_searches.list_searches(current_user):
        params = saved_searches.params_of(saved)
        rows.append({"saved": saved, "description": saved_searches.describe(params),
                     "run_url": saved_searches.search_url(params)})
    return render_template("alerts/index.html", rows=rows, delete_form=ConfirmForm(),
                           frequency_labels=saved_searches.FREQUENCY_SHORT_LABELS,
                           max_searches=saved_searches.MAX_PER_USER)


@bp.route("/save", methods=["POST"])
@login_required
def save():
    """The form of the search page: its GET parameters as hidden fields, plus the name and the frequency."""
    parsed = _posted_search()
    params = parsed.params
    back = saved_searches.search_url(params)
    form = SavedSearchForm(prefix=PREFIX)
    if not form.validate_on_submit() or parsed.errors:  # (a bad CSRF token never gets here: CSRFProtect says 400)
        for message in [*parsed.errors, *(m for errors in form.errors.values() for m in errors)]:
            flash(str(message), "danger")
        return redirect(back)
    saved, error = commit_result(lambda: saved_searches.save_search(current_user, form.name.data, params,
                                                                    form.frequency.data))
    if error is None:
        flash(_("Search saved as “%(name)s”. You will receive the new posts that match it by mail.",
                name=saved.name), "success")
    else:
        flash(str(error.message), "danger")
    return redirect(back)


def _posted_search() -> ParsedSearch:
    """The search parameters posted with the form (the form's own fields and the CSRF token left out)."""
    args = MultiDict([(key, value) for key, value in request.form.items(multi=True)
                      if not key.startswith(f"{PREFIX}-") and key != "csrf_token"])
    return SearchParams.from_args(args)


@bp.route(f"/<{ID}:saved_id>/edit", methods=["GET", "POST"])
@login_required
def edit(saved_id: int):
    saved = fetch_or_abort(lambda: saved_searches.get_search(current_user, saved_id))
    form = EditSavedSearchForm(data={"name": saved.name, "frequency": saved.frequency.value,
                                     "alerts_enabled": saved.alerts_enabled})
    params = saved_searches.params_of(saved)
    if form.validate_on_submit():
        error = commit_action(lambda: saved_searches.update_search(
            current_user, saved, form.name.data, form.frequency.data, form.alerts_enabled.data))
        if error is None:
            flash(_("The saved search has been changed."), "success")
            return redirect(url_for("alerts.index"))
        _show_error(form, error)
    return render_template("alerts/edit.html", form=form, saved=saved,
                           description=saved_searches.describe(params),
                           run_url=saved_searches.search_url(params))


def _show_error(form, error: DomainError) -> None:
    target = getattr(form, getattr(error, "field", None) or "", None)
    if target is not None:
        target.errors = [*target.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")


@bp.route(f"/<{ID}:saved_id>/delete", methods=["POST"])
@login_required
def delete(saved_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    saved = fetch_or_abort(lambda: saved_searches.get_search(current_user, saved_id))
    name = saved.name
    error = commit_action(lambda: saved_searches.delete_search(current_user, saved))
    flash_outcome(error, lambda: _("The saved search “%(name)s” has been deleted.", name=name))
    return redirect(url_for("alerts.index"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the authorization; mail clients POST to it (RFC 8058 one-click)
def unsubscribe(token: str):
    """One click from an alert mail, logged in or not: the alerts of the saved search(es) are turned off."""
    searches, error = commit_result(lambda: saved_searches.unsubscribe_from_token(token))
    if error is not None:
        return render_template("alerts/unsubscribe.html", error=error.message, searches=[], token=None), 400
    return render_template("alerts/unsubscribe.html", error=None, searches=searches, token=token,
                           form=ConfirmForm())


@bp.route("/resubscribe/<token>", methods=["POST"])
def resubscribe(token: str):
    """The confirmation page's "turn them back on" button (a click by mistake, a mail scanner)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    searches, error = commit_result(lambda: saved_searches.resubscribe_from_token(token))
    if error is not None:
        return render_template("alerts/unsubscribe.html", error=error.message, searches=[], token=None), 400
    flash(_("The alerts are on again."), "success")
    if current_user.is_authenticated and all(saved.user_id == current_user.id for saved in searches):
        return redirect(url_for("alerts.index"))
    return redirect(url_for("main.index"))
