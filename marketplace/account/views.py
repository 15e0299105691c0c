from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm

from .. import permissions
from ..errors import DomainError
from ..extensions import db
from ..services import accounts, api_tokens, companies, notifications, paging
from ..web import ID, commit_action, commit_result, flash_outcome, is_safe_next
from .forms import (
    ApiTokenForm,
    ApiTokenRevokeForm,
    CompanyProfileForm,
    DeleteAccountForm,
    MemberDecisionForm,
    NotificationSettingsForm,
    PasswordChangeForm,
    ProfileForm,
)

bp = Blueprint("account", __name__, url_prefix="/compte")


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user, prefix="person")
    if form.validate_on_submit():
        return _save(lambda: accounts.update_profile(current_user, form.full_name.data),
                     _("Your profile has been saved."), "account.profile")
    return render_template("account/profile.html", form=form, company=current_user.company,
                           notification_frequency_label=notifications.FREQUENCY_LABELS.get(
                               current_user.notification_frequency))


@bp.route("/entreprise", methods=["GET", "POST"])
@login_required
def company():
    company = current_user.company
    if company is None or not permissions.can_edit_company(current_user, company):
        abort(403)
    form = CompanyProfileForm(obj=company)
    if form.validate_on_submit():
        form.siret.data = company.siret  # the SIRET identifies the company: not editable here
        return _save(lambda: companies.update_company(company, form.company_details()),
                     _("The company details have been saved."), "account.company", form=form,
                     template="account/company.html", company=company)
    form.siret.data = company.siret
    return render_template("account/company.html", form=form, company=company)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.current_password.errors.append(str(exc.message))
        else:
            flash(_("Your password has been changed. Log in again with it."), "success")
            logout_user()
            return redirect(url_for("auth.login"))
    return render_template("account/change_password.html", form=form)


@bp.route("/membres")
@login_required
def members():
    company = current_user.company
    if company is None:
        abort(404)
    # a pending member (anyone who typed the SIRET) sees only their own request, not the members' emails
    members = company.members if permissions.can_see_contact_details(current_user, company) else [current_user]
    return render_template("account/members.html", company=company, members=members,
                           decision_form=MemberDecisionForm(),
                           can_manage=permissions.can_manage_members(current_user, company))


@bp.route(f"/membres/<{ID}:member_id>/accepter", methods=["POST"])
@login_required
def accept_member(member_id: int):
    return _decide(lambda: accounts.accept_member(current_user, member_id), _("The member has been accepted."))


@bp.route(f"/membres/<{ID}:member_id>/refuser", methods=["POST"])
@login_required
def refuse_member(member_id: int):
    return _decide(lambda: accounts.refuse_member(current_user, member_id), _("The request has been declined."))


def _decide(action, success_message: str):
    if not MemberDecisionForm().validate_on_submit():
        abort(400)
    return _save(action, success_message, "account.members")


@bp.route("/supprimer", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user._get_current_object(), form.password.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc.message))
        else:
            logout_user()
            flash(_("Your account and your personal data have been deleted."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/delete.html", form=form)


@bp.route("/notifications", methods=["GET", "POST"], endpoint="notifications")
@login_required
def notifications_page():
    """The user's notifications, newest first; seeing them marks them read (POST: mark them all read)."""
    form = FlaskForm()  # only the CSRF token
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        return _save(lambda: notifications.mark_read(current_user), _("All your notifications are marked as read."),
                     "account.notifications")
    page = paging.page_of(*notifications.listing(current_user), paging.parse_page(request.args.get("page")),
                          current_app.config["NOTIFICATIONS_PER_PAGE"])
    unread = {item.id for item in page.items if item.read_at is None}
    html = render_template("account/notifications.html", page=page, unread=unread, safe_link=is_safe_next,
                           unread_elsewhere=notifications.unread_count(current_user) > len(unread))
    notifications.mark_read(current_user, unread)
    db.session.commit()
    return html


@bp.route("/notifications/preferences", methods=["GET", "POST"], endpoint="notification_settings")
@login_required
def notification_settings():
    """How the person wants the mails of their notifications: at once, one daily digest, or none."""
    form = NotificationSettingsForm(data={"frequency": current_user.notification_frequency.value})
    if request.method == "POST":
        if form.validate_on_submit():
            return _save(lambda: notifications.set_frequency(current_user, form.frequency.data),
                         _("Your notification preferences have been saved."), "account.notification_settings",
                         template="account/notification_settings.html", form=form, **_settings_context())
        form.frequency.data = current_user.notification_frequency.value  # a refused value is not shown as chosen
        return render_template("account/notification_settings.html", form=form, **_settings_context()), 400
    return render_template("account/notification_settings.html", form=form, **_settings_context())


def _settings_context() -> dict:
    return {"frequency_help": notifications.frequency_help(current_app.config.get("NOTIFY_MAIL_DAILY_CAP"))}


def _save(action, success_message: str, endpoint: str, template: str | None = None, **context):
    """Run a service call, commit once; on a domain error show its message (on the form page when given)."""
    error = commit_action(action)
    flash_outcome(error, lambda: success_message)
    if error is not None and template:
        return render_template(template, **context)
    return redirect(url_for(endpoint))


@bp.route("/jetons-api", methods=["GET", "POST"])
@login_required
def api_tokens_page():
    """The person's API tokens: create one (its secret is shown on this one answer, never again), list, revoke."""
    form = ApiTokenForm()
    created, secret, status = None, None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            result, error = commit_result(
                lambda: api_tokens.create_token(current_user, form.name.data, form.scope.data))
            if error is None:
                created, secret = result
                form = ApiTokenForm(formdata=None)
            else:
                form.name.errors.append(str(error.message))
                status = 400
        else:
            status = 400
    response = make_response(render_template(
        "account/api_tokens.html", form=form, tokens=api_tokens.list_tokens(current_user), created=created,
        secret=secret, revoke_form=ApiTokenRevokeForm(), may_use_api=api_tokens.may_use_api(current_user),
        max_tokens=api_tokens.MAX_ACTIVE_TOKENS), status)
    response.headers["Cache-Control"] = "no-store"  # the page may carry a secret: no cache keeps it
    return response


@bp.route(f"/jetons-api/<{ID}:token_id>/revoquer", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    if not ApiTokenRevokeForm().validate_on_submit():
        abort(400)
    return _save(lambda: api_tokens.revoke(current_user, token_id),
                 _("The token has been revoked: applications using it no longer have access."),
                 "account.api_tokens_page")
