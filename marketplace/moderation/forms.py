"""Forms of the moderators' desk. They only parse; the rules (reasons, territories, states) are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from ..forms import strip
from ..services import moderation
from ..web import MAX_ID


def reason_choices() -> list[tuple[str, object]]:
    return ([("", _l("— Choose a standard reply —"))]
            + [(reason.code, reason.label) for reason in moderation.standard_reasons()]
            + [(moderation.OTHER_REASON, _l("Other reason (write it below)"))])


def _no_widget(field, **kwargs) -> str:
    return ""  # the template renders the boxes, one per row


class IdListField(Field):
    """Several ``name=<id>`` values (the checked boxes of a list) as a list of ints."""

    widget = staticmethod(_no_widget)

    def process_formdata(self, valuelist):
        self.data = []
        for value in valuelist:
            value = value.strip()
            if not value:
                continue
            if not value.isascii() or not value.isdigit() or len(value) > 10 or not 0 < int(value) <= MAX_ID:
                raise ValueError(_l("The selection is not valid: reload the page and try again."))
            self.data.append(int(value))

    def _value(self):
        return ""


class ActionForm(FlaskForm):
    """A button: only the CSRF token (the target is in the URL).

    The templates add a plain ``next`` field (the page to come back to, checked by ``web.redirect_next``)."""


class ReasonFields:
    reason_code = SelectField(_l("Standard reply"), choices=reason_choices, validate_choice=False)
    other_reason = TextAreaField(_l("Other reason, or details"), filters=[strip],
                                 description=_l("The company reads this reason."),
                                 validators=[Length(max=moderation.REASON_MAX)],
                                 render_kw={"rows": 2, "maxlength": moderation.REASON_MAX})


class RejectForm(ReasonFields, FlaskForm):
    """Made with ``prefix=f"reject-{post.id}"`` so that every row of the queue has its own field ids."""


class BulkForm(ReasonFields, FlaskForm):
    post_ids = IdListField(_l("Selected posts"))
    action = StringField(validators=[AnyOf(["approve", "reject"], message=_l("Choose to approve or to reject."))])


class ReportForm(FlaskForm):
    text = TextAreaField(_l("Report"), filters=[strip],
                         description=_l("What you noticed about this company; only CCI staff read it."),
                         validators=[Length(max=moderation.REPORT_MAX)],
                         render_kw={"rows": 3, "maxlength": moderation.REPORT_MAX})


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the suspension"), filters=[strip],
                           description=_l("The members of the company read this reason."),
                           validators=[Length(max=moderation.REASON_MAX)],
                           render_kw={"rows": 2, "maxlength": moderation.REASON_MAX})


class LiftSuspensionForm(FlaskForm):
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Length(max=moderation.REASON_MAX)],
                       render_kw={"maxlength": moderation.REASON_MAX})


def first_error(form: FlaskForm) -> str | None:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return None
