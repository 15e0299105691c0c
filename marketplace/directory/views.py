"""Thin views over ``services.directory``: parse, call the service, commit once, redirect."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required

from .. import permissions
from ..errors import DomainError
from ..services import directory, naf, post_map
from ..services.paging import page_notices, parse_page
from ..web import ID, commit_action, error_response, fetch_or_abort, flash_outcome, redirect_next
from . import bp
from .forms import ConfirmForm, HideForm, OpeningForm, UnhideForm


def _map_available() -> bool:
    """The posts' map script (``static/js/map.js``, Leaflet served by the maps blueprint) draws this map too."""
    return "maps" in current_app.blueprints and (Path(current_app.static_folder) / "js" / "map.js").is_file()


@bp.route("/")
def index():
    parsed = directory.parse_filters(request.args)
    raw_page = request.args.get("page")
    page = directory.directory_page(parsed.filters, parse_page(raw_page))
    notices = [*parsed.notices, *page_notices(page, raw_page)]
    is_moderator = permissions.is_moderator(current_user)
    return render_template(
        "directory/index.html", page=page, filters=parsed.filters, notices=notices,
        sections=naf.sections(), service_labels=directory.SERVICE_LABELS, sector_label=directory.sector_label,
        map_available=_map_available(), hide_form=HideForm(), unhide_form=UnhideForm(),
        hidden=directory.hidden_entries(current_user) if is_moderator else [],
    )


@bp.route("/carte.geojson")
def geojson():
    parsed = directory.parse_filters(request.args)
    try:
        bbox = post_map.parse_bbox(request.args.get(post_map.BBOX_PARAM))
    except post_map.InvalidBbox as exc:
        return jsonify(error={"code": 400, "message": str(exc.args[0]), "parameter": post_map.BBOX_PARAM}), 400
    response = jsonify(directory.directory_features(parsed.filters, bbox=bbox))
    response.headers["Cache-Control"] = "no-cache"
    response.mimetype = "application/geo+json"
    return response


def _member_company():
    company = current_user.company
    if company is None or not permissions.can_act_for_company(current_user, company):
        abort(make_response(error_response(
            403, _("Only the active members of a company can say whether it is open."))))
    return company


@bp.route("/mon-entreprise", methods=["GET", "POST"])
@login_required
def edit():
    company = _member_company()
    opening = directory.get_opening(company)
    data = {}
    if opening is not None:
        data = {"hours": opening.hours, "note": opening.note, "valid_until": opening.valid_until,
                **{name: getattr(opening, name) for name in OpeningForm.SERVICE_FIELDS}}
    form = OpeningForm(data=data)
    if form.validate_on_submit():
        error = commit_action(lambda: directory.declare(current_user, company, form.hours.data,
                                                        form.chosen_services(), form.note.data,
                                                        form.valid_until.data))
        if error is None:
            flash(_("Your company is in the directory of open businesses until %(date)s.",
                    date=format_date(form.valid_until.data, "long")), "success")
            return redirect(url_for("directory.edit"))
        _show_error(form, error)
    return render_template("directory/edit.html", form=form, company=company, opening=opening,
                           today=directory.today(), withdraw_form=ConfirmForm())


def _show_error(form, error: DomainError) -> None:
    target = getattr(form, getattr(error, "field", None) or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(error.message)]
    else:
        flash(str(error.message), "danger")


@bp.route("/mon-entreprise/retirer", methods=["POST"])
@login_required
def withdraw():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    company = _member_company()
    error = commit_action(lambda: directory.withdraw(current_user, company))
    flash_outcome(error, lambda: _("Your company is no longer in the directory of open businesses."))
    return redirect(url_for("directory.edit"))


@bp.route(f"/<{ID}:opening_id>/masquer", methods=["POST"])
@login_required
def hide(opening_id: int):
    return _moderate_entry(opening_id, HideForm(), directory.hide,
                           lambda name: _("The entry of %(name)s is hidden from the directory.", name=name))


@bp.route(f"/<{ID}:opening_id>/afficher", methods=["POST"])
@login_required
def unhide(opening_id: int):
    return _moderate_entry(opening_id, UnhideForm(), directory.unhide,
                           lambda name: _("The entry of %(name)s is shown in the directory again.", name=name))


def _moderate_entry(opening_id: int, form, action, success):
    """A moderator hides or shows an entry again (``action(user, opening, reason)``), with the form's reason."""
    opening = fetch_or_abort(lambda: directory.get_for_moderation(current_user, opening_id))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect_next("directory.index")
    name = opening.company.legal_name
    error = commit_action(lambda: action(current_user, opening, form.reason.data))
    flash_outcome(error, lambda: success(name))
    return redirect_next("directory.index")
