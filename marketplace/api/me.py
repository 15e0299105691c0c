"""The token's user and company, the company's posts and matches (thin)."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from ..models import PostStatus
from ..services import introductions, paging
from ..services import posts as post_rules
from .auth import require_token
from .common import make_blueprint, match_data, own_company, page_envelope, post_data
from .schemas import MatchPage, MeSchema, MyPostListArgs, PageArgs, PostPage

blp = make_blueprint("me", "The token's user, its company, the company's posts and matches.")


@blp.route("/me")
@require_token("read")
@blp.etag
@blp.response(200, MeSchema)
def me():
    """The user the token belongs to and its company."""
    user, company = current_user, current_user.company
    token = g.get("api_token")
    scope = getattr(token, "scope", None)
    return {
        "user": {"id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role.value,
                 "locale": user.locale},
        "company": None if company is None else {
            "id": company.id, "name": company.legal_name, "siret": company.siret, "naf_code": company.naf_code,
            "address": company.address, "postcode": company.postcode, "city": company.city,
            "departement": company.departement, "phone": company.phone, "verified": bool(company.verified),
            "suspended": company.is_suspended},
        "membership": user.membership.value if user.membership else None,
        "token_scope": getattr(scope, "value", scope),
    }


@blp.route("/me/posts")
@require_token("read")
@blp.etag
@blp.arguments(MyPostListArgs, location="query", as_kwargs=True)
@blp.response(200, PostPage)
def my_posts(page: int, per_page: int, status: str | None = None):
    """All the posts of the user's company, whatever their status (or of one ``status``), last changed first."""
    company = own_company()
    found = paging.page_of(*post_rules.company_listing(company, PostStatus(status) if status else None), page,
                           per_page)
    return page_envelope(found, [post_data(post) for post in found.items], "api_me.my_posts")


@blp.route("/me/matches")
@require_token("read")
@blp.etag
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, MatchPage)
def my_matches(page: int, per_page: int):
    """The matches of the user's company from the CCI's approval on, newest first."""
    company = own_company()
    found = paging.page_of(*introductions.my_matches(company), page, per_page)
    return page_envelope(found, [match_data(m, m.side_of(company.id)) for m in found.items], "api_me.my_matches")
