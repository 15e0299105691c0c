"""Posts: the catalogue (with its filters and the full-text search), one post, create, update, close; a post's
matches as its owner sees them (thin: parse, call the services, render)."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from ..models import Category, PostKind
from ..search.params import SearchParams
from ..search.query import clean_text
from ..search.service import run_search
from ..services import catalogue, geo, introductions
from ..services import posts as post_rules
from ..services.posts import InvalidPost, PostData
from ..web import ID
from .auth import require_token
from .common import (commit, editable_post, make_blueprint, match_data, own_company, page_envelope, post_data,
                     visible_post)
from .etags import check_if_match
from .schemas import (
    CloseInput,
    MatchListSchema,
    PostCreateInput,
    PostListArgs,
    PostPage,
    PostSchema,
    PostUpdateInput,
)

blp = make_blueprint("posts", "Offers and needs: the catalogue, a post, creating, changing and closing one's own.")
POST_FIELDS = [f.name for f in dataclass_fields(PostData)]


@blp.route("/posts")
@require_token("read")
@blp.etag
@blp.arguments(PostListArgs, location="query", as_kwargs=True)
@blp.response(200, PostPage)
def list_posts(page: int, per_page: int, free: bool = False, kind=None, category=None, region=None,
               departement=None, q=None):
    """List the published posts, newest first, with the catalogue's filters; ``q`` searches their text
    (then the most relevant first)."""
    filters = catalogue.Filters(PostKind(kind) if kind else None, Category(category) if category else None,
                                region or None, departement or None, free)
    text = clean_text(q or "")
    if text:
        params = replace(SearchParams(q=text, page=page), kind=filters.kind, category=filters.category,
                         region=filters.region, departement=filters.departement, free_only=filters.free_only)
        found_page = run_search(params, current_user, per_page=per_page).page
    else:
        found_page = catalogue.catalogue_page(filters, page, per_page)
    return page_envelope(found_page, [post_data(post) for post in found_page.items], "api_posts.list_posts")


@blp.route(f"/posts/<{ID}:post_id>")
@require_token("read")
@blp.etag
@blp.response(200, PostSchema)
def get_post(post_id: int):
    """One post: a published one, or one of the user's company (and, for the CCI, of its territory)."""
    return post_data(visible_post(post_id))


@blp.route("/posts", methods=["POST"])
@require_token("write")
@blp.arguments(PostCreateInput)
@blp.response(201, PostSchema)
def create_post(body: dict):
    """Create a post of the user's company; it is submitted for moderation unless ``submit`` is false."""
    company = own_company()
    submit = body.pop("submit", True)
    data = _post_data(body)
    post = post_rules.create_post(current_user, company, data, submit=submit)
    return commit(post_data(post))


@blp.route(f"/posts/<{ID}:post_id>", methods=["PATCH"])
@require_token("write")
@blp.arguments(PostUpdateInput(partial=True))
@blp.response(200, PostSchema)
def update_post(body: dict, post_id: int):
    """Change the fields sent; a change of what the post is about sends it back to moderation. An ``If-Match``
    header, when sent, must carry the post's current ETag (else 412)."""
    if not request.get_data():  # an empty object is a (useless) change; no body at all is a malformed request
        abort(422, messages={"json": {"_schema": ["A JSON body is required."]}})
    post = editable_post(post_id)
    check_if_match(PostSchema().dump(post_data(post)))
    current = post_rules.data_of(post).__dict__
    data = _post_data({**current, **body}, check_dates="available_until" in body)
    post_rules.update_post(current_user, post, data)
    return commit(post_data(post))


@blp.route(f"/posts/<{ID}:post_id>/close", methods=["POST"])
@require_token("write")
@blp.arguments(CloseInput)
@blp.response(200, PostSchema)
def close_post(body: dict, post_id: int):
    """Close the post: ``fulfilled`` (with the quantity actually exchanged) or ``withdrawn``."""
    post = editable_post(post_id)
    quantity = body.get("exchanged_quantity") if body["reason"] == "fulfilled" else None
    post_rules.close_post(current_user, post, body["reason"], quantity)
    return commit(post_data(post))


@blp.route(f"/posts/<{ID}:post_id>/suggestions")
@require_token("read")
@blp.etag
@blp.response(200, MatchListSchema)
def post_suggestions(post_id: int):
    """The matches of one of the company's posts, as its page shows them to the owner: from the CCI's approval
    on (the introduction proposed, accepted, concluded...), best score first."""
    post = editable_post(post_id)
    matches = sorted((row["match"] for row in introductions.post_match_rows(current_user, post)),
                     key=lambda match: (-match.score, match.id))
    return {"items": [match_data(match, "offer" if match.offer_id == post.id else "need") for match in matches]}


def _post_data(values: dict, check_dates: bool = True) -> PostData:
    """The service's input, with the checks the web form makes beyond the service's own."""
    data = PostData(**{name: values.get(name) for name in POST_FIELDS})
    if check_dates and data.available_until is not None and data.available_until < post_rules.today():
        raise InvalidPost(_l("This date has passed: the post would not be shown."), "available_until")
    if data.postcode is not None and not data.postcode.strip():
        data.postcode = None
    if data.postcode:  # the form checks the place before the service locates the post
        try:
            geo.find_commune(geo.normalize_postcode(data.postcode), data.city)
        except (geo.InvalidPostcode, geo.UnknownPostcode) as exc:
            raise InvalidPost(exc.message, "postcode") from exc
        except geo.CityNotInPostcode as exc:
            raise InvalidPost(exc.message, "city") from exc
    return data
