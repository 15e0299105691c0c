"""Forms of the match review and of the "Je suis intéressé·e" request. They only parse; the rules are the
services' (``services.match_review``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, ValidationError

from ..forms import strip
from ..services import match_review
from .forms import IdListField


def reason_choices() -> list[tuple[str, object]]:
    return ([("", _l("— Choose a standard reply —"))]
            + [(reason.code, reason.label) for reason in match_review.standard_reasons()]
            + [(match_review.OTHER_REASON, _l("Other reason (write it below)"))])


class MatchRejectForm(FlaskForm):
    """Made with ``prefix=f"reject-{match.id}"`` so that every card of the queue has its own field ids."""

    reason_code = SelectField(_l("Standard reply"), choices=reason_choices, validate_choice=False)
    other_reason = TextAreaField(_l("Other reason, or details"), filters=[strip],
                                 description=_l("Only a company that asked for this introduction reads it."),
                                 validators=[Length(max=match_review.REASON_MAX)],
                                 render_kw={"rows": 2, "maxlength": match_review.REASON_MAX})


class PercentageField(StringField):
    """A score typed as a percentage ("80", "80 %", "72,5"): ``data`` is the fraction (0.8), None when blank."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = valuelist[0] if valuelist else ""
        try:
            self.data = match_review.parse_percentage(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter the minimum score as a percentage between 0 and 100.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data * 100:g}"


class MatchBulkForm(FlaskForm):
    """Approve at once: every match of the territory from a score, or the selected ones."""

    min_score = PercentageField(_l("Minimum score, as a percentage"), render_kw={"inputmode": "decimal", "size": 5},
                                description=_l("Every match of your territory at or above this score is approved "
                                               "(%(max)d at most at a time).", max=match_review.BULK_MAX))
    match_ids = IdListField(_l("Selected matches"))
    action = StringField(validators=[AnyOf(["score", "selection"], message=_l("Choose what to approve."))])

    def validate_min_score(self, field):
        if self.action.data == "score" and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the minimum score as a percentage between 0 and 100."))

    def validate_match_ids(self, field):
        if self.action.data == "selection" and not field.data:
            raise ValidationError(_l("Select at least one match."))


class InterestForm(FlaskForm):
    """"Je suis intéressé·e": which of the company's own posts answers the post."""

    own_post = RadioField(_l("Your post that answers it"), coerce=int,
                          validate_choice=True, invalid_choice_message=_l("Choose one of your posts."))

    def __init__(self, own_posts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_post.choices = [(post.id, post.title) for post in own_posts]
        if len(own_posts) == 1 and self.own_post.data is None:
            self.own_post.data = own_posts[0].id
