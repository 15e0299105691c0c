"""The record of notifications: who was told what and when, and what became of the mail (moderators' page).

``/moderation/notifications`` lists the notifications of the people of the moderator's territory, newest first,
filtered by company (``?company=ID``) or by match (``?match=ID``, the link other pages give). The table is the
partial ``templates/moderation/_notifications_table.html``, which any staff page can use with
``services.notifications.record_rows`` or ``match_record``."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional, ValidationError

from ..services import moderation, notifications, paging
from ..web import MAX_ID, fetch_or_abort
from . import bp
from .views import moderator_required

# The labels the table shows, for every page that includes it.
bp.add_app_template_global(notifications.kind_label, "notification_kind_label")
bp.add_app_template_global(notifications.mail_label, "notification_mail_label")


class RecordFilterForm(FlaskForm):
    """The filters of the record (query string: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    company = StringField(_l("Company number"), validators=[Optional()])
    match = StringField(_l("Match number"), validators=[Optional()])

    def validate_company(self, field):
        _check_id(field, _l("Enter the number of a company (digits only)."))

    def validate_match(self, field):
        _check_id(field, _l("Enter the number of a match (digits only)."))

    def filters(self) -> notifications.RecordFilters:
        return notifications.RecordFilters(company_id=_as_id(self.company.data), match_id=_as_id(self.match.data))

    def as_args(self) -> dict[str, str]:
        """The query-string parameters that reproduce these (valid) filters, for the page links."""
        values = {"company": _as_id(self.company.data), "match": _as_id(self.match.data)}
        return {name: str(value) for name, value in values.items() if value is not None}


def _as_id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _check_id(field, message) -> None:
    value = _as_id(field.data)
    if (field.data or "").strip() and (value is None or not 1 <= value <= MAX_ID):
        raise ValidationError(message)


@bp.route("/notifications", endpoint="notifications")
@moderator_required
def notifications_record():
    form = RecordFilterForm(request.args)
    if not form.validate():
        return render_template("moderation/notifications.html", form=form, page=None, rows=[], notices=[],
                               company=None), 400
    filters = form.filters()
    company = None
    if filters.company_id is not None:  # 404 for a company that does not exist, 403 outside the territory
        company = fetch_or_abort(lambda: moderation.company_for(current_user, filters.company_id))
    raw_page = request.args.get("page")
    page, rows = notifications.record_page(current_user, filters, paging.parse_page(raw_page),
                                           current_app.config["AUDIT_ENTRIES_PER_PAGE"])
    return render_template("moderation/notifications.html", form=form, page=page, rows=rows, company=company,
                           match_id=filters.match_id, notices=paging.page_notices(page, raw_page))

