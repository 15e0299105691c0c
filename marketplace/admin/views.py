"""Administrators' pages: the audit log (thin views)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import login_required

from .. import permissions
from ..services import moderation, paging
from . import bp
from .forms import AuditFilterForm

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
