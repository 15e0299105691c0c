"""Forms of the advisor intake. They only parse; the rules (territory, consent, post fields) are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import CompanyForm, strip
from ..posts.forms import PostForm
from ..services import intake


class SearchForm(FlaskForm):
    """The search box of the intake page (GET: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("SIRET, SIREN or name of the company"), filters=[strip],
                    validators=[Length(max=intake.QUERY_MAX)], render_kw={"autocomplete": "off", "type": "search"})


class IntakeCompanyForm(CompanyForm):
    """The company fields of the registration, and an optional contact email (no user account is created)."""

    contact_email = EmailField(_l("Contact email (optional)"), filters=[strip],
                               description=_l("Where the CCI can reach the company; no account is created."),
                               validators=[Optional(), Length(max=254),
                                           Email(_l("Enter a valid email address, such as name@company.fr."),
                                                 check_deliverability=False)])


class IntakePostForm(PostForm):
    """The owner's post form (without photos nor draft), and the record of the company's consent."""

    photos = None  # removes the inherited fields
    submit_post = None
    save_draft = None
    save = None
    consent = BooleanField(_l("The company agreed on the phone to the publication of this post."),
                           validators=[DataRequired(_l("Tick the box once the company has agreed to the "
                                                       "publication."))])
    consent_note = TextAreaField(_l("Who agreed, and when"), filters=[strip], render_kw={"rows": 2},
                                 description=_l("E.g. “Mrs Martin, manager, on the phone on 12 March at 10:30”."),
                                 validators=[DataRequired(_l("Write who agreed to the publication, and when.")),
                                             Length(max=intake.CONSENT_NOTE_MAX)])
