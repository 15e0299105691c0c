"""The public side of the posts: the catalogue, a post page and a company page (thin views)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import permissions
from ..models import Category, PostKind, PostStatus
from ..moderation.match_forms import InterestForm
from ..services import catalogue, categories, geo, introductions, match_review, paging
from ..services.posts import allowed_actions, expiry_date, is_visible
from ..web import ID, commit_result
from . import bp

FILTER_NAMES = {"kind": _l("Offers or needs"), "category": _l("Category"), "region": _l("Region"),
                "departement": _l("Département"), "free": _l("Free only")}
EXTRA_STATUS_LABELS = {catalogue.SUSPENDED: _l("Company suspended")}


@bp.route("/posts", endpoint="catalogue")
def catalogue_view():
    parsed = catalogue.parse_filters(request.args)
    page = catalogue.catalogue_page(parsed.filters, _requested_page(), _per_page())
    return render_template("posts/list.html", page=page, filters=parsed.filters,
                           notices=_filter_notices(parsed) + _page_notices(page),
                           kind_choices=categories.kind_choices(), category_choices=categories.category_choices(),
                           regions=geo.regions(), departement_groups=catalogue.departements_by_region())


@bp.route(f"/posts/<{ID}:post_id>")
def detail(post_id: int):
    post = catalogue.post_with_details(post_id)
    if post is None or not permissions.can_view_post(current_user, post):
        abort(404)
    manages = permissions.can_edit_post(current_user, post)
    return render_template("posts/detail.html", post=post, status=catalogue.display_status(post),
                           expires_on=expiry_date(post), manages=manages,
                           actions=allowed_actions(post) if manages else frozenset(),
                           post_matches=introductions.post_match_rows(current_user, post))


@bp.route(f"/posts/<{ID}:post_id>/interest", methods=["GET", "POST"])
@login_required
def interest(post_id: int):
    """"Je suis intéressé·e": the company picks which of its own posts answers this one; the CCI reviews it."""
    post = catalogue.post_with_details(post_id)
    if post is None or not permissions.can_view_post(current_user, post):
        abort(404)
    if not permissions.can_request_introduction(current_user, post):
        abort(403)
    own_posts = match_review.own_counterparts(current_user, post)
    form = InterestForm(own_posts)
    if is_visible(post) and own_posts and form.validate_on_submit():
        chosen = next(own for own in own_posts if own.id == form.own_post.data)
        done, error = commit_result(lambda: match_review.request_introduction(current_user, post, chosen))
        if done is not None:
            flash(_("Your request is sent: your CCI will review it and tell you if it introduces you to %(company)s.",
                    company=post.company.legal_name), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
        flash(str(error.message), "danger")
    return render_template("posts/interest.html", post=post, form=form, own_posts=own_posts,
                           published=is_visible(post), wanted_kind=match_review.opposite_kind(post).value)


@bp.route(f"/companies/<{ID}:company_id>")
def company(company_id: int):
    found = catalogue.get_company(company_id)
    if found is None:
        abort(404)
    show_contact = permissions.can_see_contact_details(current_user, found)
    if found.is_suspended and not show_contact:
        abort(404)
    page = catalogue.company_posts_page(found, _requested_page(), _per_page())
    return render_template("posts/company.html", company=found, page=page, show_contact=show_contact,
                           notices=_page_notices(page))


# --------------------------------------------------------------------------- helpers of the views


def _per_page() -> int:
    return current_app.config["POSTS_PER_PAGE"]


def _requested_page() -> int | None:
    return paging.parse_page(request.args.get("page"))


def _filter_notices(parsed: catalogue.ParsedFilters) -> list[str]:
    return [_l("The value of the “%(filter)s” filter was not understood: it has been ignored.",
               filter=FILTER_NAMES[name]) for name in parsed.ignored]


def _page_notices(page: paging.Page) -> list[str]:
    return paging.page_notices(page, request.args.get("page"))


# --------------------------------------------------------------------------- template helpers (any template)


@bp.app_template_global()
def category_label(code) -> str:
    try:
        return str(categories.CATEGORY_LABELS[Category(code)])
    except ValueError:
        return str(code)


@bp.app_template_global()
def kind_label(code) -> str:
    try:
        return str(categories.KIND_LABELS[PostKind(code)])
    except ValueError:
        return str(code)


@bp.app_template_global()
def post_status_label(code) -> str:
    if code in EXTRA_STATUS_LABELS:
        return str(EXTRA_STATUS_LABELS[code])
    try:
        return str(categories.STATUS_LABELS[PostStatus(code)])
    except ValueError:
        return str(code)


@bp.app_template_global()
def departement_label(code: str) -> str:
    """"Rhône (69)"; the bare code if unknown."""
    name = geo.departement_name(code)
    return f"{name} ({code})" if name else code


@bp.app_template_filter("quantity")
def format_quantity(value: float | None) -> str:
    """200.0 -> "200", 1500.5 -> "1 500,5" in French."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##")
