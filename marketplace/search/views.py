"""The search page (thin: parse, call, render)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import permissions
from ..services import categories, geo, paging
from .params import DISTANCES_KM, parse_args
from .query import has_search_words, normalize_text
from .service import run_search

bp = Blueprint("search", __name__)

PARAMETER_NAMES = {"kind": _l("Offers or needs"), "category": _l("Category"), "region": _l("Region"),
                   "departement": _l("Département"), "free": _l("Free only"), "km": _l("Within"),
                   "sort": _l("Sort by"), "page": _l("Page")}
SORT_LABELS = (("relevance", _l("Relevance")), ("date", _l("Newest first")), ("distance", _l("Distance")))


@bp.route("/search", endpoint="results")
def results():
    parsed = parse_args(request.args)
    # the text as read before the length limit: spaces or control characters alone do not make it "too long"
    found = run_search(parsed.params, current_user, raw_query=normalize_text(request.args.get("q", "")))
    return render_template("search/results.html", results=found, notices=_notices(parsed, found),
                           kind_choices=categories.kind_choices(), category_choices=categories.category_choices(),
                           regions=geo.regions(), departements=[(code, f"{code} — {name}")
                                                                for code, name in geo.departements()],
                           distances=DISTANCES_KM, sorts=SORT_LABELS, can_save=_member_of_company(),
                           can_use_company=_member_of_company())


def _member_of_company() -> bool:
    company = getattr(current_user, "company", None)
    return bool(current_user.is_authenticated and company and permissions.can_act_for_company(current_user, company))


def _notices(parsed, found) -> list:
    notices = [_l("The value of “%(name)s” was not understood: it has been ignored.", name=PARAMETER_NAMES[name])
               for name in parsed.ignored if name in PARAMETER_NAMES]
    notices.extend(parsed.errors)
    if found.truncated:
        notices.append(_l("Your text is very long: only its beginning was used."))
    if parsed.params.q and not found.degraded and not has_search_words(parsed.params.q):
        notices.append(_l("Your text holds no word that can be searched (only symbols or very common words): "
                          "it has been ignored."))
    if found.origin_missing:
        notices.append(_l("Distances from your company need you to be logged in as a member of a company."))
    if parsed.params.within_km and not parsed.params.near:
        notices.append(_l("Give a postcode to search within a distance."))
    if "page" not in parsed.ignored:
        notices.extend(paging.page_notices(found.page, request.args.get("page")))
    return notices
