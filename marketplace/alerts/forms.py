from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..forms import strip
from ..models import AlertFrequency
from ..services.saved_searches import FREQUENCY_LABELS, NAME_MAX

PREFIX = "alert"  # the save form travels with the search page's own parameters: its fields are "alert-..."


def frequency_choices() -> list[SelectChoice]:
    return [SelectChoice(frequency.value, label) for frequency, label in FREQUENCY_LABELS.items()]


class SavedSearchForm(FlaskForm):
    name = StringField(_l("Name of the search"), filters=[strip], validators=[Length(max=NAME_MAX)],
                       description=_l("Optional: by default, the words and filters of the search."))
    frequency = RadioField(_l("Mail alerts"), choices=frequency_choices(), default=AlertFrequency.DAILY.value,
                           validate_choice=False,  # the service says "instant or daily" itself
                           validators=[InputRequired(_l("Choose instant or daily alerts."))])


class EditSavedSearchForm(SavedSearchForm):
    alerts_enabled = BooleanField(_l("Send me mail alerts for this search"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the saved search is in the URL."""
