from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import strip
from ..services.directory import HOURS_MAX, MAX_DAYS_AHEAD, NOTE_MAX, REASON_MAX, SERVICE_LABELS


class OpeningForm(FlaskForm):
    hours = TextAreaField(_l("Opening hours"), filters=[strip],
                          description=_l("For example “lun-ven 8h-12h, sam 9h-12h”."),
                          validators=[InputRequired(_l("Say when you are open, e.g. “lun-ven 8h-12h”.")),
                                      Length(max=HOURS_MAX)],
                          render_kw={"maxlength": HOURS_MAX, "rows": 2})
    click_and_collect = BooleanField(SERVICE_LABELS["click_and_collect"])
    delivery = BooleanField(SERVICE_LABELS["delivery"])
    appointments = BooleanField(SERVICE_LABELS["appointments"])
    phone_orders = BooleanField(SERVICE_LABELS["phone_orders"])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
                         description=_l("Optional, at most %(max)d characters: what you offer, how to order…",
                                        max=NOTE_MAX),
                         render_kw={"maxlength": NOTE_MAX, "rows": 3})
    valid_until = DateField(_l("Valid until"),
                            description=_l("The entry leaves the directory after this day (at most %(days)d days "
                                           "ahead; you can renew it).", days=MAX_DAYS_AHEAD),
                            validators=[InputRequired(_l("Say until when the entry is valid."))])

    SERVICE_FIELDS = ("click_and_collect", "delivery", "appointments", "phone_orders")

    def chosen_services(self) -> list[str]:
        return [name for name in self.SERVICE_FIELDS if getattr(self, name).data]


class HideForm(FlaskForm):
    reason = StringField(_l("Reason"), filters=[strip],
                         validators=[InputRequired(_l("Give the reason for hiding the entry: the company will see it.")),
                                     Length(max=REASON_MAX)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token."""


class UnhideForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), filters=[strip], validators=[Optional(), Length(max=REASON_MAX)])
