"""Forms of the administrators' pages (filters read from the query string: no CSRF, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..forms import strip
from ..services import moderation


class DayField(DateField):
    """A day typed as YYYY-MM-DD (what ``<input type="date">`` sends), with a clear message otherwise."""

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0]) > 10:
            self.data = None
            raise ValueError(self.bad_date)
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.bad_date) from exc

    bad_date = _l("Enter a date as YYYY-MM-DD.")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("Who (part of the email address)"), filters=[strip],
                        validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Action"), validators=[Optional()])
    target_type = SelectField(_l("On"), validators=[Optional()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])

    def __init__(self, formdata, actions: list[str], target_types: list[str]):
        super().__init__(formdata)
        self.action.choices = [("", _l("All actions"))] + [(a, moderation.action_label(a)) for a in actions]
        self.target_type.choices = [("", _l("Everything"))] + [(t, moderation.target_label(t)) for t in target_types]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must come after the start date."))

    def filters(self) -> moderation.AuditFilters:
        return moderation.AuditFilters(actor=self.actor.data or None, action=self.action.data or None,
                                       target_type=self.target_type.data or None,
                                       date_from=self.date_from.data, date_to=self.date_to.data)

    def as_args(self) -> dict[str, str]:
        """The query-string parameters that reproduce these (valid) filters, for the page links."""
        values = {"actor": self.actor.data, "action": self.action.data, "target_type": self.target_type.data,
                  "date_from": self.date_from.data and self.date_from.data.isoformat(),
                  "date_to": self.date_to.data and self.date_to.data.isoformat()}
        return {name: value for name, value in values.items() if value}
