"""Form pieces shared by several blueprints; validators delegate to the services' rules."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from .errors import DomainError
from .services import company_sizes, companies, geo, naf


def rule(check):
    """A WTForms validator that runs a service check and shows its domain error message."""

    def validator(form, field):
        if field.data:
            check_rule(check, field.data)

    return validator


def check_rule(check, value) -> None:
    """Run a service check on ``value``; its domain error becomes the field's ValidationError."""
    try:
        check(value)
    except DomainError as exc:
        raise ValidationError(str(exc.message)) from exc


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip(value):
    """Trim the text; refuse control characters (never typed, and PostgreSQL cannot store NUL)."""
    if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
        raise ValueError(_l("This field contains invisible control characters: type it again."))
    return value.strip() if isinstance(value, str) else value


def naf_select_choices(placeholder) -> list[SelectChoice]:
    """The NAF list grouped by section (<optgroup>), after an empty placeholder."""
    labels = dict(naf.sections())
    choices = [SelectChoice("", placeholder)]
    for code, label in naf.naf_choices():
        section = naf.get_naf(code).section
        choices.append(SelectChoice(code, label, optgroup=f"{section} — {labels[section]}"))
    return choices


class CompanyForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), filters=[strip],
                             validators=[DataRequired(_l("Enter the legal name of the company.")), Length(max=200)])
    siret = StringField(_l("SIRET"), filters=[strip], description=_l("14 digits, on your Kbis or at annuaire-entreprises.data.gouv.fr"),
                        validators=[DataRequired(_l("Enter the SIRET of the company.")), Length(max=30),
                                    rule(companies.normalize_siret)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    naf_code = SelectField(_l("Activity (NAF code)"), validate_choice=False,
                           validators=[DataRequired(_l("Choose the activity of the company.")), rule(naf.get_naf)])
    size_band = SelectField(_l("Size (employees)"), validate_choice=False,
                            description=_l("Optional: it helps your CCI report on the companies it helps."),
                            validators=[rule(company_sizes.parse_size_band)])
    address = StringField(_l("Address"), filters=[strip],
                          validators=[DataRequired(_l("Enter the street address.")), Length(max=250)],
                          render_kw={"autocomplete": "street-address"})
    postcode = StringField(_l("Postcode"), filters=[strip],
                           validators=[DataRequired(_l("Enter the postcode.")), Length(max=10),
                                       rule(geo.communes_for)],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "data-communes-url": "/communes/"})
    city = StringField(_l("City"), filters=[strip], validators=[DataRequired(_l("Enter the city.")), Length(max=120)],
                       render_kw={"autocomplete": "address-level2", "list": "communes-list"})
    phone = TelField(_l("Phone"), filters=[strip],
                     validators=[DataRequired(_l("Enter a phone number.")), Length(max=30),
                                 rule(companies.normalize_phone)],
                     render_kw={"autocomplete": "tel"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.naf_code.choices = naf_select_choices(_l("— Choose an activity —"))
        self.size_band.choices = company_sizes.size_choices()

    def validate_city(self, field):
        if self.postcode.errors or not self.postcode.data or not field.data:
            return
        check_rule(lambda city: geo.find_commune(self.postcode.data, city), field.data)

    def company_details(self) -> companies.CompanyDetails:
        return companies.CompanyDetails(
            legal_name=self.legal_name.data, siret=self.siret.data, naf_code=self.naf_code.data,
            address=self.address.data, postcode=self.postcode.data, city=self.city.data, phone=self.phone.data,
            size_band=self.size_band.data or None,
        )
