"""Forms of the match page; the rules themselves live in ``services.introductions``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..models import Outcome
from ..posts.forms import NumberField
from ..services.introductions import MESSAGE_MAX, REASON_MAX

ACCEPT, DECLINE = "accept", "decline"


def _concluded(form) -> bool:
    return form.outcome.data == Outcome.CONCLUDED.value


class AnswerForm(FlaskForm):
    """Two buttons (``decision`` = accept | decline) and the CSRF token."""

    decision = RadioField(choices=[SelectChoice(ACCEPT, _l("Accept")), SelectChoice(DECLINE, _l("Decline"))],
                          invalid_choice_message=_l("Choose whether your company accepts the introduction."))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), render_kw={"maxlength": MESSAGE_MAX, "rows": 4},
                         description=_l("Plain text, %(max)d characters at most. The other company is told.",
                                        max=MESSAGE_MAX))


class OutcomeForm(FlaskForm):
    outcome = RadioField(_l("How did it end?"),
                         choices=[SelectChoice(Outcome.CONCLUDED.value, _l("Concluded: an exchange took place")),
                                  SelectChoice(Outcome.DECLINED.value, _l("Declined: nothing came of it"))],
                         invalid_choice_message=_l("Say whether an exchange took place."))
    quantity = NumberField(_l("Quantity exchanged"), only_if=_concluded,
                           message=_l("Enter the quantity as a positive number, e.g. 12 or 12,5."))
    second_quantity = NumberField(_l("The same quantity in the other post's unit"), only_if=_concluded,
                                  message=_l("Enter the quantity as a positive number, e.g. 12 or 12,5."))
    reason = TextAreaField(_l("Why did nothing come of it?"), render_kw={"maxlength": REASON_MAX, "rows": 3})
