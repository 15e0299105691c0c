"""Forms of the administrators' pages: the audit log filters (read from the query string: no CSRF, nothing
changes) and the synonym thesaurus."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import strip
from ..search.thesaurus import GROUP_MAX_TERMS, TERM_MAX_LENGTH
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


# --------------------------------------------------------------------------- the synonym thesaurus

# what the box accepts: the longest group allowed, with generous room for separators and repeats
SYNONYMS_INPUT_MAX = 2 * GROUP_MAX_TERMS * (TERM_MAX_LENGTH + 2)


class ThesaurusFilterForm(FlaskForm):
    """The groups holding a term (query string: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    term = StringField(_l("Groups holding"), filters=[strip], validators=[Optional(), Length(max=TERM_MAX_LENGTH)],
                       description=_l("A word or part of a word; case and accents do not matter."))


class SynonymGroupForm(FlaskForm):
    """The terms of one group as typed; the service normalizes and checks them (and says what is wrong)."""

    terms = TextAreaField(
        _l("Synonyms"), filters=[strip],
        description=_l("Words or phrases that a company would accept in place of each other, separated by commas, "
                       "e.g. “entrepôt, hangar, local de stockage”. Plurals, case and accents need no variant."),
        validators=[DataRequired(_l("Enter at least two terms, separated by commas.")),
                    Length(max=SYNONYMS_INPUT_MAX)],
        render_kw={"rows": 2, "maxlength": SYNONYMS_INPUT_MAX})


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the action and its target are in the URL."""
