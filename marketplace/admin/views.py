"""Administrators' pages: the audit log and the synonym thesaurus of the search (thin views)."""

from __future__ import annotations

from functools import wraps

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import permissions
from ..services import moderation, paging
from ..services import thesaurus as thesaurus_rules
from ..web import ID, commit_action, commit_result, fetch_or_abort
from . import bp
from .forms import AuditFilterForm, ConfirmForm, SynonymGroupForm, ThesaurusFilterForm

@bp.route("/audit")
@login_required
@permissions.require(permissions.can_browse_audit_log)
def audit_log():
    form = AuditFilterForm(request.args, moderation.audit_actions(), moderation.audit_target_types())
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, page=None, notices=[]), 400
    raw_page = request.args.get("page")
    page = moderation.audit_page(form.filters(), paging.parse_page(raw_page),
                                 current_app.config["AUDIT_ENTRIES_PER_PAGE"])
    post_titles, company_names = moderation.target_names(page.items)
    return render_template("admin/audit_log.html", form=form, page=page, notices=paging.page_notices(page, raw_page),
                           post_titles=post_titles, company_names=company_names)


# --------------------------------------------------------------------------- the synonym thesaurus


def admin_required(view):
    """Logged in (else the login page), and an administrator (else 403)."""

    @wraps(view)
    @login_required
    @permissions.require(permissions.is_admin)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


@bp.route("/thesaurus", methods=["GET", "POST"])
@admin_required
def thesaurus():
    """The groups (filtered by a term), and the form that adds one (posted here)."""
    form = SynonymGroupForm()
    if request.method == "POST":
        group = _save(form, lambda: thesaurus_rules.create_group(current_user, form.terms.data))
        if group is not None:
            flash(_("The group “%(terms)s” is added.", terms=group.terms), "success")
            return _back_to_list(group.id)
    filter_form = ThesaurusFilterForm(request.args)
    valid_filter = filter_form.validate()
    groups = thesaurus_rules.list_groups(filter_form.term.data if valid_filter else None)
    status = 400 if form.errors or not valid_filter else 200
    return render_template("admin/thesaurus.html", form=form, filter_form=filter_form, groups=groups,
                           filtered=bool(valid_filter and filter_form.term.data)), status


@bp.route(f"/thesaurus/<{ID}:group_id>/edit", methods=["GET", "POST"])
@admin_required
def thesaurus_edit(group_id: int):
    group = fetch_or_abort(lambda: thesaurus_rules.get_group(group_id))
    form = SynonymGroupForm(data={"terms": group.terms})
    if request.method == "POST":
        saved = _save(form, lambda: thesaurus_rules.update_group(current_user, group, form.terms.data))
        if saved is not None:
            flash(_("The group “%(terms)s” is saved.", terms=saved.terms), "success")
            return _back_to_list(saved.id)
    return render_template("admin/thesaurus_edit.html", form=form, group=group), 400 if form.errors else 200


@bp.route(f"/thesaurus/<{ID}:group_id>/delete", methods=["GET", "POST"])
@admin_required
def thesaurus_delete(group_id: int):
    group = fetch_or_abort(lambda: thesaurus_rules.get_group(group_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        terms = group.terms
        error = commit_action(lambda: thesaurus_rules.delete_group(current_user, group))
        if error is None:
            flash(_("The group “%(terms)s” is deleted.", terms=terms), "success")
            return redirect(url_for("admin.thesaurus"))
        flash(str(error.message), "danger")
    return render_template("admin/thesaurus_confirm.html", form=form, group=group,
                           action=url_for("admin.thesaurus_delete", group_id=group.id))


@bp.route("/thesaurus/restore", methods=["GET", "POST"])
@admin_required
def thesaurus_restore():
    form = ConfirmForm()
    if form.validate_on_submit():
        count, error = commit_result(lambda: thesaurus_rules.restore_defaults(current_user))
        if error is None:
            flash(ngettext("The default list is restored: %(num)d group.",
                           "The default list is restored: %(num)d groups.", count), "success")
            return redirect(url_for("admin.thesaurus"))
        flash(str(error.message), "danger")
    return render_template("admin/thesaurus_confirm.html", form=form, group=None,
                           action=url_for("admin.thesaurus_restore"))


def _save(form: SynonymGroupForm, action):
    """Validate the form and run the service; its refusal is shown under the field (nothing is changed)."""
    if not form.validate_on_submit():
        return None
    saved, error = commit_result(action)
    if error is not None:
        form.terms.errors = [*form.terms.errors, str(error.message)]
    return saved


def _back_to_list(group_id: int):
    return redirect(url_for("admin.thesaurus", _anchor=f"group-{group_id}"))
