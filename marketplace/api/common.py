"""What every part of the API shares: its blueprints, the pagination envelope, how a post and a match read."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import force_locale
from flask_login import current_user
from flask_smorest import Blueprint

from .. import permissions
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import Match, Post
from ..services import catalogue, categories, introductions
from ..services.posts import allowed_actions, expiry_date
from . import errors
from .auth import init_api_blueprint

URL_PREFIX = "/api/v1"
BLUEPRINTS: list[Blueprint] = []


def make_blueprint(name: str, description: str) -> Blueprint:
    blueprint = Blueprint(f"api_{name}", __name__, url_prefix=URL_PREFIX, description=description)
    errors.register(blueprint)
    init_api_blueprint(blueprint)
    BLUEPRINTS.append(blueprint)
    return blueprint


def commit(result=None):
    db.session.commit()
    return result


# --------------------------------------------------------------------------- pagination


def page_envelope(page, items: list, endpoint: str, **values) -> dict:
    """``page`` a ``services.paging.Page``: items, numbers and absolute links that keep the query string."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(number: int) -> str:
        return url_for(endpoint, _external=True, **values, **args, page=number, per_page=page.per_page)

    return {"items": items, "page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages,
            "links": {"self": link(page.number), "first": link(1), "last": link(page.pages),
                      "next": link(page.number + 1) if page.has_next else None,
                      "prev": link(page.number - 1) if page.has_previous else None}}


# --------------------------------------------------------------------------- reading posts and matches


def own_company():
    """The company the token's user acts for; Forbidden for anyone but its active members."""
    company = current_user.company
    if company is None or not permissions.can_act_for_company(current_user, company):
        raise Forbidden(errors.HTTP_MESSAGES[403])
    return company


def visible_post(post_id: int) -> Post:
    """A post the user may see (as on the web: 404 for anyone else)."""
    post = catalogue.post_with_details(post_id)
    if post is None or not permissions.can_view_post(current_user, post):
        raise NotFound(errors.HTTP_MESSAGES[404])
    return post


def editable_post(post_id: int) -> Post:
    """As the web: 404 if the user may not even see it, 403 if they see it but may not change it."""
    post = db.session.get(Post, post_id)
    if post is None or not permissions.can_view_post(current_user, post):
        raise NotFound(errors.HTTP_MESSAGES[404])
    if not permissions.can_edit_post(current_user, post):
        raise Forbidden(errors.HTTP_MESSAGES[403])
    return post


def visible_match(match_id: int) -> Match:
    match = introductions.get_match(match_id)
    if match is None or not permissions.can_view_match(current_user, match):
        raise NotFound(errors.HTTP_MESSAGES[404])
    return match


def _label(mapping, code) -> str:
    label = mapping.get(code)
    return str(label) if label is not None else str(code)


def post_data(post: Post) -> dict:
    manages = permissions.can_edit_post(current_user, post)
    company = post.company
    data = {
        "id": post.id, "kind": post.kind.value, "category": post.category.value,
        "category_label": _label(categories.CATEGORY_LABELS, post.category),
        "title": post.title, "description": post.description, "quantity": post.quantity, "unit": post.unit,
        "postcode": post.postcode, "city": post.city, "departement": post.departement, "region": post.region,
        "radius_km": post.radius_km, "available_from": post.available_from, "available_until": post.available_until,
        "is_free": post.is_free, "status": catalogue.display_status(post), "published_at": post.published_at,
        "expires_on": expiry_date(post),
        "company": {"id": company.id, "name": company.legal_name, "city": company.city,
                    "departement": company.departement, "verified": bool(company.verified)},
        "url": url_for("posts.detail", post_id=post.id, _external=True),
    }
    if manages:
        data.update(rejection_reason=post.rejection_reason,
                    close_reason=post.close_reason.value if post.close_reason else None,
                    exchanged_quantity=post.exchanged_quantity, allowed_actions=sorted(allowed_actions(post)))
    return data


def match_data(match: Match, side: str | None = None) -> dict:
    """A match as a company (``side``: its side) or a moderator (no side: both posts) sees it."""
    if side is None:
        side = introductions.side_of_user(current_user, match)
    data = {
        "id": match.id, "status": match.status.value, "status_label": str(introductions.status_label(match.status)),
        "score": match.score, "origin": match.origin.value if match.origin else None, "side": side,
        "expected_action": introductions.expected_action(match, side),
        "offer_answer": match.offer_answer.value if match.offer_answer else None,
        "need_answer": match.need_answer.value if match.need_answer else None,
        "introduced_at": match.introduced_at, "created_at": match.created_at,
        "contacts": [_contact(company) for company in introductions.contact_companies(current_user, match)],
        "url": url_for("matches.detail", match_id=match.id, _external=True),
    }
    if side is not None:
        data["own_post"] = post_data(introductions.post_of(match, side))
        data["other_post"] = post_data(introductions.post_of(match, introductions.other_side(side)))
    else:
        data["offer_post"] = post_data(match.offer)
        data["need_post"] = post_data(match.need)
    return data


def _contact(company) -> dict:
    members = [m for m in getattr(company, "members", []) if m.is_active_member]
    return {"company_id": company.id, "name": company.legal_name, "address": company.address,
            "postcode": company.postcode, "city": company.city, "phone": company.phone,
            "email": company.contact_email or (members[0].email if members else None)}


def labels(mapping) -> list[dict]:
    items = []
    for code, label in mapping.items():
        with force_locale("fr"):
            french = str(label)
        with force_locale("en"):
            english = str(label)
        items.append({"code": code.value, "label": french, "label_en": english})
    return items
