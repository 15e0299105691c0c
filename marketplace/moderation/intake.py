"""Advisor intake: a moderator on the phone finds the company (or registers it), then enters its post, which is
published at once with the record of the company's consent. Thin views; the rules are in ``services.intake``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from ..services import categories, intake
from ..web import ID, commit_result, fetch_or_abort
from . import bp
from .intake_forms import IntakeCompanyForm, IntakePostForm, SearchForm
from .views import moderator_required


@bp.route("/intake", endpoint="intake")
@moderator_required
def intake_search():
    form = SearchForm(request.args)
    found, more = ([], False)
    if form.q.data and form.validate():
        found, more = intake.search_companies(current_user, form.q.data)
    searched = bool(form.q.data) and not form.errors
    siret = intake.siret_typed(form.q.data) if searched and not found else None
    return render_template("moderation/intake.html", form=form, companies=found, more=more, searched=searched,
                           siret=siret)


@bp.route("/intake/company", methods=["GET", "POST"])
@moderator_required
def intake_new_company():
    form = IntakeCompanyForm()
    if not form.is_submitted():
        form.siret.data = request.args.get("siret", "")[:30]  # from a search that found nothing
    if form.validate_on_submit():
        company, error = commit_result(lambda: intake.register_company(current_user, form.company_details(),
                                                                       form.contact_email.data))
        if error is None:
            flash(_("The company %(name)s is registered. Now enter its post.", name=company.legal_name), "success")
            return redirect(url_for("moderation.intake_post", company_id=company.id))
        flash(str(error.message), "danger")
    return render_template("moderation/intake_company.html", form=form)


@bp.route(f"/intake/<{ID}:company_id>/post", methods=["GET", "POST"])
@moderator_required
def intake_post(company_id: int):
    company = fetch_or_abort(lambda: intake.company_for_intake(current_user, company_id))
    form = IntakePostForm(company)
    if form.validate_on_submit():
        # not commit_action: the Forbidden of a suspended company is told on the form, not as a 403 page
        try:
            post = intake.publish_for_company(current_user, company, form.post_data(), form.consent.data,
                                              form.consent_note.data)
            db.session.commit()
        except DomainError as exc:  # a field refused by the rules, or the company is suspended
            db.session.rollback()
            if not form.show_domain_error(exc):
                flash(str(exc.message), "danger")
        else:
            flash(_("The post “%(title)s” of %(company)s is published.", title=post.title,
                    company=company.legal_name), "success")
            return redirect(url_for("moderation.intake"))
    return render_template("moderation/intake_post.html", form=form, company=company,
                           units=categories.COMMON_UNITS)

