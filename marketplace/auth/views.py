from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import DomainError
from ..extensions import db, limiter
from ..i18n import SESSION_KEY as LANGUAGE_KEY
from ..services import accounts
from ..web import redirect_next
from .forms import EmailForm, LoginForm, RegisterForm, ResetPasswordForm

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # each registration mails any address typed
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(accounts.Registration(
                email=form.email.data, password=form.password.data, full_name=form.full_name.data,
                company=form.company_details()))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            return render_template("auth/registered.html", user=user)
    return render_template("auth/register.html", form=form)


@bp.route("/confirmer/<token>")
def confirm_email(token: str):
    try:
        accounts.confirm_email(token)
        db.session.commit()
    except DomainError as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for("auth.resend_confirmation"))
    flash(_("Your email address is confirmed. You can log in."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/confirmer", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def resend_confirmation():
    form = EmailForm()
    if form.validate_on_submit():
        user = accounts.User.by_email(form.email.data)
        if user is not None and not user.is_confirmed:
            accounts.send_confirmation(user)
            db.session.commit()
        flash(_("If an unconfirmed account uses this address, a new link has been sent to it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/resend_confirmation.html", form=form)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            _new_session()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect_next()
    return render_template("auth/login.html", form=form)


def _new_session() -> None:
    """Nothing of the session from before the login (e.g. a CSRF token planted by someone else) carries over,
    but the language chosen."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except DomainError as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc.message))
        else:
            logout_user()
            flash(_("Your password has been changed. You can log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
