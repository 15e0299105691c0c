"""Forms of the company's own posts; the rules themselves live in ``services.posts`` and ``services.photos``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from ..errors import DomainError
from ..forms import check_rule, strip
from ..models import CloseReason, Company, Post, PostKind
from ..services import categories, geo
from ..services.posts import (
    DESCRIPTION_MAX,
    QUANTITY_MAX,
    RADIUS_MAX,
    RADIUS_MIN,
    TITLE_MAX,
    UNIT_MAX,
    PostData,
    data_of,
    today,
)

COMPANY_LOCATION, OTHER_LOCATION = "company", "other"
PRICES = {"free": True, "paid": False, "unknown": None}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # browsers send the first; people who type dates use the second


class NumberField(StringField):
    """A number typed either way ("1 500,5" or "1500.5"); empty gives None.

    What cannot be read, or falls outside [minimum, maximum], shows ``message``. With ``only_if``, the field
    is ignored (data None, no error) unless ``only_if(form)`` holds."""

    def __init__(self, label=None, validators=None, *, message, minimum: float = 0, maximum: float = QUANTITY_MAX,
                 integer: bool = False, only_if=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "numeric" if integer else "decimal")
        super().__init__(label, validators, **kwargs)
        self.message, self.minimum, self.maximum = message, minimum, maximum
        self.integer, self.only_if = integer, only_if
        self.invalid = False

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # not sent: the value stays as it was
        self.invalid, self.data = False, None
        text = "".join(valuelist[0].split()).replace(",", ".")  # every space, non-breaking ones too
        if not text:
            return
        if len(text) > 30:
            self.invalid = True
            return
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.invalid = True
            return
        if not number.is_finite() or not self.minimum <= number <= self.maximum or (
                self.integer and number != number.to_integral_value()):
            self.invalid = True
            return
        self.data = int(number) if self.integer else float(number)

    def pre_validate(self, form):
        if self.only_if is not None and not self.only_if(form):
            self.data = None
            raise StopValidation()  # ignored: no message
        if self.invalid:
            raise StopValidation(str(self.message))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0.##########")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _is_need(form) -> bool:
    return form.kind.data == PostKind.NEED.value


def _elsewhere(form) -> bool:
    return form.location.data == OTHER_LOCATION


def _fulfilled(form) -> bool:
    return form.reason.data == CloseReason.FULFILLED.value


class PostForm(FlaskForm):
    kind = RadioField(_l("Is it an offer or a need?"), choices=_choices(categories.kind_choices()),
                      invalid_choice_message=_l("Choose whether this is an offer or a need."))
    category = SelectField(_l("Category"), validators=[DataRequired(_l("Choose a category."))],
                           invalid_choice_message=_l("Choose a category."))
    title = StringField(_l("Title"), filters=[strip],
                        description=_l("A short sentence: what, how much, where. %(max)d characters at most.",
                                       max=TITLE_MAX),
                        validators=[DataRequired(_l("Give the post a title.")),
                                    Length(max=TITLE_MAX, message=_l("%(max)d characters at most.", max=TITLE_MAX))],
                        render_kw={"maxlength": TITLE_MAX})
    description = TextAreaField(_l("Description"), filters=[strip],
                                description=_l("Details that help a company answer: condition, access, "
                                               "conditions of use..."),
                                validators=[DataRequired(_l("Describe what you offer or need.")),
                                            Length(max=DESCRIPTION_MAX,
                                                   message=_l("%(max)d characters at most.", max=DESCRIPTION_MAX))],
                                render_kw={"rows": 6, "maxlength": DESCRIPTION_MAX})
    quantity = NumberField(_l("Quantity"), message=_l("Enter the quantity as a positive number, e.g. 12 or 12,5."),
                           description=_l("Optional."))
    unit = StringField(_l("Unit"), filters=[strip], description=_l("Optional. Type any unit or pick a common one."),
                       validators=[Length(max=UNIT_MAX, message=_l("%(max)d characters at most.", max=UNIT_MAX))],
                       render_kw={"list": "units-list", "autocomplete": "off", "maxlength": UNIT_MAX})
    location = RadioField(_l("Location"), default=COMPANY_LOCATION,
                          invalid_choice_message=_l("Choose where the post is located."))
    postcode = StringField(_l("Postcode"), filters=[strip],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "data-communes-url": "/communes/"})
    city = StringField(_l("City"), filters=[strip], render_kw={"autocomplete": "address-level2",
                                                               "list": "communes-list"})
    radius_km = NumberField(_l("Search radius (km)"), integer=True, minimum=RADIUS_MIN, maximum=RADIUS_MAX,
                            only_if=_is_need,
                            message=_l("The radius must be a whole number of km between %(min)d and %(max)d.",
                                       min=RADIUS_MIN, max=RADIUS_MAX),
                            description=_l("Needs only: how far the resource may come from. Optional."))
    available_from = DateField(_l("Available from"), format=DATE_FORMATS, default=None, validators=[Optional()],
                               invalid_value_message=_l("Enter a date, e.g. 31/12/2026."),
                               description=_l("Optional."))
    available_until = DateField(_l("Available until"), format=DATE_FORMATS, default=None, validators=[Optional()],
                                invalid_value_message=_l("Enter a date, e.g. 31/12/2026."),
                                description=_l("Optional. The post is no longer shown after this date."))
    price = RadioField(_l("Price"), default="unknown",
                       choices=_choices([("free", _l("Free")), ("paid", _l("Paid")),
                                         ("unknown", _l("Not specified"))]),
                       invalid_choice_message=_l("Choose free, paid or not specified."))
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    submit_post = SubmitField(_l("Submit for moderation"))
    save_draft = SubmitField(_l("Save as draft"))
    save = SubmitField(_l("Save the changes"))

    def __init__(self, company: Company, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _choices([("", _l("— Choose a category —")), *categories.category_choices()])
        self.location.choices = _choices([
            (COMPANY_LOCATION, _l("At the company's address (%(postcode)s %(city)s)", postcode=company.postcode,
                                  city=company.city)),
            (OTHER_LOCATION, _l("Elsewhere: another postcode")),
        ])

    def validate_postcode(self, field):
        if not _elsewhere(self):
            return
        if not field.data:
            raise ValidationError(_l("Enter the postcode of the place."))
        if len(field.data) > 10:
            raise ValidationError(_l("A French postcode has exactly 5 digits."))
        check_rule(geo.communes_for, field.data)

    def validate_city(self, field):
        if not _elsewhere(self) or self.postcode.errors or not self.postcode.data:
            return
        if len(field.data or "") > 120:
            raise ValidationError(_l("%(max)d characters at most.", max=120))
        check_rule(lambda city: geo.find_commune(self.postcode.data, city), field.data)

    def validate_available_until(self, field):
        if field.data is None:
            return
        if self.available_from.data and field.data < self.available_from.data:
            raise ValidationError(_l("The end date must come after the start date."))
        if field.data < today():
            raise ValidationError(_l("This date has passed: the post would not be shown."))

    @property
    def wants_submission(self) -> bool:
        return bool(self.submit_post.data)

    def post_data(self) -> PostData:
        elsewhere = _elsewhere(self)
        return PostData(
            kind=self.kind.data, category=self.category.data, title=self.title.data,
            description=self.description.data, quantity=self.quantity.data, unit=self.unit.data,
            postcode=self.postcode.data if elsewhere else None, city=self.city.data if elsewhere else None,
            radius_km=self.radius_km.data, available_from=self.available_from.data,
            available_until=self.available_until.data, is_free=PRICES.get(self.price.data),
        )

    def show_domain_error(self, exc: DomainError) -> bool:
        return show_domain_error(self, exc)


def show_domain_error(form, exc: DomainError) -> bool:
    """Put a service's error on the field it names (``InvalidPost.field``, ``InvalidPhoto.field``); False when
    no field of the form matches (then show it as a message)."""
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, str(exc.message)]
    return True


def initial_data(post: Post) -> dict:
    """The form's values for an existing post."""
    data = data_of(post)
    company = post.company
    same_place = (post.postcode, post.insee_code) == (company.postcode, company.insee_code)
    price = next(key for key, value in PRICES.items() if value is post.is_free)
    return {
        "kind": data.kind, "category": data.category, "title": data.title, "description": data.description,
        "quantity": data.quantity, "unit": data.unit, "radius_km": data.radius_km,
        "location": COMPANY_LOCATION if same_place else OTHER_LOCATION,
        "postcode": None if same_place else data.postcode, "city": None if same_place else data.city,
        "available_from": data.available_from, "available_until": data.available_until, "price": price,
    }


class CloseForm(FlaskForm):
    reason = RadioField(_l("Why close the post?"),
                        choices=_choices([(CloseReason.FULFILLED.value, _l("Fulfilled: the exchange took place")),
                                          (CloseReason.WITHDRAWN.value, _l("Withdrawn: no longer relevant"))]),
                        invalid_choice_message=_l("Say whether the post was fulfilled or withdrawn."))
    exchanged_quantity = NumberField(_l("Quantity actually exchanged"), only_if=_fulfilled,
                                     message=_l("Enter the quantity as a positive number, e.g. 12 or 12,5."),
                                     description=_l("Optional, when fulfilled: it feeds the CCI's figures."))
    submit = SubmitField(_l("Close the post"))


class PhotoForm(FlaskForm):
    photos = MultipleFileField(_l("Add photos"), id="new-photos",
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the action and its target are in the URL."""
