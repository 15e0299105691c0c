"""The moderators' desk: the queue of posts and the moderation page of a company (thin views, one per action).

The advisor intake routes live in ``intake.py`` on the same blueprint."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import permissions
from ..extensions import db
from ..models import Post
from ..services import accounts, moderation, paging
from ..services import posts as post_rules
from ..web import ID, commit_result, fetch_or_abort, flash_outcome, redirect_next
from . import bp
from .forms import (
    ActionForm,
    BulkForm,
    LiftSuspensionForm,
    RejectForm,
    ReportForm,
    SuspendForm,
    first_error,
)

# The labels of the audit actions, for the moderation and administration pages.
bp.add_app_template_global(moderation.action_label, "audit_action_label")
bp.add_app_template_global(moderation.target_label, "audit_target_label")


def moderator_required(view):
    """Logged in (else the login page), and CCI staff (else 403)."""

    @wraps(view)
    @login_required
    @permissions.require(permissions.is_moderator)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


# --------------------------------------------------------------------------- the queue


@bp.route("/")
@moderator_required
def queue():
    page = moderation.queue_page(current_user, paging.parse_page(request.args.get("page")),
                                 current_app.config["POSTS_PER_PAGE"])
    return render_template("moderation/queue.html", page=page,
                           notices=paging.page_notices(page, request.args.get("page")),
                           reject_forms={post.id: RejectForm(prefix=f"reject-{post.id}") for post in page.items},
                           bulk_form=BulkForm(prefix="bulk"),
                           post_moderation=not post_rules.pre_moderation())


@bp.route(f"/posts/<{ID}:post_id>/approve", methods=["POST"])
@moderator_required
def approve(post_id: int):
    post = _post(post_id)
    return _act(ActionForm(), lambda: post_rules.approve(current_user, post),
                lambda done: _("“%(title)s” is approved.", title=post.title))


@bp.route(f"/posts/<{ID}:post_id>/reject", methods=["POST"])
@moderator_required
def reject(post_id: int):
    post = _post(post_id)
    form = RejectForm(prefix=f"reject-{post_id}")

    def action():
        reason = moderation.rejection_reason(form.reason_code.data, form.other_reason.data,
                                             moderation.reader_locale(post))
        return post_rules.reject(current_user, post, reason)

    return _act(form, action, lambda done: _("“%(title)s” is rejected; the company is told why.", title=post.title))


@bp.route("/posts/bulk", methods=["POST"])
@moderator_required
def bulk():
    form = BulkForm(prefix="bulk")
    if form.action.data == "reject":
        return _act(form, lambda: moderation.bulk_reject(current_user, form.post_ids.data, form.reason_code.data,
                                                          form.other_reason.data),
                    lambda done: ngettext("%(num)d post rejected.", "%(num)d posts rejected.", len(done)))
    return _act(form, lambda: moderation.bulk_approve(current_user, form.post_ids.data),
                lambda done: ngettext("%(num)d post approved.", "%(num)d posts approved.", len(done)))


def _post(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post


# --------------------------------------------------------------------------- companies


@bp.route(f"/companies/<{ID}:company_id>")
@moderator_required
def company(company_id: int):
    file = fetch_or_abort(lambda: moderation.company_file(current_user, company_id))
    return render_template("moderation/company.html", file=file, company=file.company, report_form=ReportForm(),
                           suspend_form=SuspendForm(), lift_form=LiftSuspensionForm())


@bp.route(f"/companies/<{ID}:company_id>/verify", methods=["POST"])
@moderator_required
def verify_company(company_id: int):
    return _company_action(company_id, ActionForm(), moderation.verify_company, _("The company is verified."))


@bp.route(f"/companies/<{ID}:company_id>/unverify", methods=["POST"])
@moderator_required
def unverify_company(company_id: int):
    return _company_action(company_id, ActionForm(), moderation.unverify_company,
                           _("The company is no longer marked as verified."))


@bp.route(f"/companies/<{ID}:company_id>/report", methods=["POST"])
@moderator_required
def report_company(company_id: int):
    form = ReportForm()
    return _company_action(company_id, form, moderation.report_company, _("Your report is recorded."),
                           form.text.data)


@bp.route(f"/companies/<{ID}:company_id>/suspend", methods=["POST"])
@moderator_required
def suspend_company(company_id: int):
    form = SuspendForm()
    return _company_action(company_id, form, moderation.suspend_company,
                           _("The company is suspended: its posts are hidden and its members have been told."),
                           form.reason.data)


@bp.route(f"/companies/<{ID}:company_id>/lift-suspension", methods=["POST"])
@moderator_required
def lift_suspension(company_id: int):
    form = LiftSuspensionForm()
    return _company_action(company_id, form, moderation.lift_suspension,
                           _("The suspension is lifted: the company's posts are visible again."), form.note.data)


@bp.route(f"/companies/<{ID}:company_id>/members/<{ID}:member_id>/accept", methods=["POST"])
@moderator_required
def accept_member(company_id: int, member_id: int):
    return _act(ActionForm(), lambda: accounts.accept_member(current_user, member_id),
                lambda member: _("%(name)s is now a member of the company.", name=member.full_name),
                "moderation.company", company_id=company_id)


@bp.route(f"/companies/<{ID}:company_id>/members/<{ID}:member_id>/refuse", methods=["POST"])
@moderator_required
def refuse_member(company_id: int, member_id: int):
    return _act(ActionForm(), lambda: accounts.refuse_member(current_user, member_id),
                lambda done: _("The request has been declined."), "moderation.company", company_id=company_id)


def _company_action(company_id: int, form, action, success_message: str, *texts):
    """``action(moderator, company, *texts)`` on a company of the moderator's territory, back to its page."""
    found = fetch_or_abort(lambda: moderation.company_for(current_user, company_id))
    return _act(form, lambda: action(current_user, found, *texts), lambda done: success_message,
                "moderation.company", company_id=company_id)


# --------------------------------------------------------------------------- one way to run an action


def _act(form, action, success, endpoint: str = "moderation.queue", **values):
    """Parse, run the service, commit once; a refused input or rule rolls everything back and says why."""
    if not form.validate_on_submit():
        flash(first_error(form) or _("The request could not be understood."), "danger")
        return redirect_next(endpoint, **values)
    done, error = commit_result(action)
    flash_outcome(error, lambda: success(done))
    return redirect_next(endpoint, **values)
