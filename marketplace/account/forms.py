from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from ..auth.forms import confirmation_field, new_password_field
from ..forms import CompanyForm, strip
from ..models import NotificationFrequency
from ..services.notifications import FREQUENCY_LABELS


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Your name"), filters=[strip], render_kw={"autocomplete": "name"},
                            validators=[DataRequired(_l("Enter your name.")), Length(max=120)])


class CompanyProfileForm(CompanyForm):
    """The company part of the profile; the SIRET is shown but only a moderator may change it."""


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"},
                                     validators=[DataRequired(_l("Enter your current password.")), Length(max=256)])
    password = new_password_field(_l("New password"))
    password_confirm = confirmation_field()


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"},
                             validators=[DataRequired(_l("Enter your password to confirm.")), Length(max=256)])
    confirm = StringField(_l('Type "SUPPRIMER" to confirm'), filters=[strip],
                          validators=[DataRequired(_l('Type "SUPPRIMER" to confirm.'))])

    def validate_confirm(self, field):
        from wtforms.validators import ValidationError

        if field.data.upper() not in {"SUPPRIMER", "DELETE"}:
            raise ValidationError(_l('Type "SUPPRIMER" to confirm.'))


class MemberDecisionForm(FlaskForm):
    """Only the CSRF token: the member id is in the URL."""


class NotificationSettingsForm(FlaskForm):
    """How the person wants the mails of their notifications (the help of each choice is in the template)."""

    frequency = RadioField(
        _l("Mails of my notifications"), validate_choice=False,
        choices=[SelectChoice(choice.value, FREQUENCY_LABELS[choice]) for choice in NotificationFrequency],
        validators=[InputRequired(_l("Choose how you want to receive the mails of your notifications.")),
                    AnyOf([choice.value for choice in NotificationFrequency],
                          message=_l("Choose one of the options offered: at once, one daily digest, or no mail."))])


class ApiTokenForm(FlaskForm):
    """A new personal API token: a name to recognise it, and what it may do."""

    name = StringField(_l("Token name"), filters=[strip], render_kw={"maxlength": 80, "autocomplete": "off"},
                       description=_l("For example the tool that will use it: “CRM”, “newsletter”."),
                       validators=[DataRequired(_l("Give the token a name, to recognise it later.")),
                                   Length(max=80, message=_l("The token's name is too long (80 characters at most)."))])
    scope = RadioField(
        _l("Access"), validate_choice=False, default="read",
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
        validators=[InputRequired(_l("Choose the token's access: read only, or read and write.")),
                    AnyOf(["read", "write"], message=_l("Unknown access level: choose read only or read and write."))])


class ApiTokenRevokeForm(FlaskForm):
    """Only the CSRF token: the token id is in the URL."""
