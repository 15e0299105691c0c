from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..forms import CompanyForm, rule, strip
from ..services import accounts

EMAIL_VALIDATORS = [DataRequired(_l("Enter your email address.")), Length(max=254),
                    Email(_l("Enter a valid email address, such as name@company.fr."), check_deliverability=False)]


def new_password_field(label):
    return PasswordField(label, validators=[DataRequired(_l("Choose a password.")),
                                            rule(accounts.check_password_strength)],
                         render_kw={"autocomplete": "new-password"},
                         description=_l("At least 12 characters. A sentence is easy to remember."))


def confirmation_field():
    return PasswordField(_l("Confirm the password"), render_kw={"autocomplete": "new-password"},
                         validators=[DataRequired(_l("Type the password again.")),
                                     EqualTo("password", _l("The two passwords differ."))])


class RegisterForm(CompanyForm):
    full_name = StringField(_l("Your name"), filters=[strip], render_kw={"autocomplete": "name"},
                            validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Email address"), filters=[strip], validators=EMAIL_VALIDATORS,
                       render_kw={"autocomplete": "email"})
    password = new_password_field(_l("Password"))
    password_confirm = confirmation_field()
    accept_terms = BooleanField(_l("I accept that the CCI and the companies I am introduced to see my company's "
                                   "contact details."),
                                validators=[DataRequired(_l("You must accept this to take part."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=EMAIL_VALIDATORS,
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me on this computer"))
    next = HiddenField()


class EmailForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=EMAIL_VALIDATORS,
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    password_confirm = confirmation_field()
