"""The marshmallow schemas of the API: they validate the input and describe the OpenAPI document alike."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import EXCLUDE, fields, validate

from ..models import Category, CloseReason, Outcome, PostKind
from ..services.introductions import REASON_MAX
from ..services.posts import DESCRIPTION_MAX, QUANTITY_MAX, RADIUS_MAX, RADIUS_MIN, TITLE_MAX, UNIT_MAX

MAX_PAGE = 100_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
KINDS = [k.value for k in PostKind]
CATEGORIES = [c.value for c in Category]
SHORT = 2000


def _quantity(**kwargs):
    return fields.Float(allow_nan=False, validate=validate.Range(min=0, max=QUANTITY_MAX), **kwargs)


# --------------------------------------------------------------------------- query strings


class PageArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "Page number, from 1"})
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"Items per page, at most {MAX_PER_PAGE}"})


class PostListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(KINDS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    region = fields.String(validate=validate.Length(max=3), metadata={"description": "INSEE region code, e.g. 84"})
    departement = fields.String(validate=validate.Length(max=3), metadata={"description": "e.g. 69, 2A"})
    free = fields.Boolean(load_default=False, metadata={"description": "Free posts only"})
    q = fields.String(validate=validate.Length(max=500), metadata={"description": "Full-text search"})


class MyPostListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["draft", "pending", "published", "closed", "expired",
                                                    "rejected"]))


class MatchQueueArgs(PageArgs):
    min_score = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=1),
                             metadata={"description": "Minimum score, between 0 and 1"})


# --------------------------------------------------------------------------- bodies


class PostInput(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    description = fields.String(required=True, validate=validate.Length(min=1, max=DESCRIPTION_MAX))
    quantity = _quantity(allow_none=True)
    unit = fields.String(allow_none=True, validate=validate.Length(max=UNIT_MAX))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=10),
                             metadata={"description": "Where the post is, if not at the company's address"})
    city = fields.String(allow_none=True, validate=validate.Length(max=120))
    radius_km = fields.Integer(allow_none=True, validate=validate.Range(min=RADIUS_MIN, max=RADIUS_MAX),
                               metadata={"description": "Needs only: how far the resource may come from"})
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    is_free = fields.Boolean(allow_none=True)


class PostCreateInput(PostInput):
    submit = fields.Boolean(load_default=True,
                            metadata={"description": "Submit for moderation (default) or keep as a draft"})


class PostUpdateInput(PostInput):
    """Only the fields sent change."""

    class Meta:
        partial = True


class CloseInput(ma.Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in CloseReason]))
    exchanged_quantity = _quantity(allow_none=True)


class AnswerInput(ma.Schema):
    accept = fields.Boolean(required=True)


class OutcomeInput(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    quantity = _quantity(allow_none=True)
    second_quantity = _quantity(allow_none=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=REASON_MAX))


class PostRejectInput(ma.Schema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=SHORT),
                           metadata={"description": "The reason the company reads (or details after a standard reply)"})
    reason_code = fields.String(allow_none=True, validate=validate.Length(max=50),
                                metadata={"description": "A standard reply of the moderation page, or other"})


class MatchRejectInput(ma.Schema):
    reason_code = fields.String(allow_none=True, validate=validate.Length(max=50),
                                metadata={"description": "A standard reply: not_same_resource, too_far, dates, "
                                                         "quantity, already_in_touch, or other"})
    other_reason = fields.String(allow_none=True, validate=validate.Length(max=SHORT))


# --------------------------------------------------------------------------- responses


class LinksSchema(ma.Schema):
    self = fields.String(required=True)
    next = fields.String(allow_none=True)
    prev = fields.String(allow_none=True)
    first = fields.String(required=True)
    last = fields.String(required=True)


def page_schema(item_schema, name: str):
    """The paginated envelope of ``item_schema``: items, page, per_page, total, pages and links."""
    return ma.Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Integer(required=True), "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True), "pages": fields.Integer(required=True),
        "links": fields.Nested(LinksSchema, required=True),
    }, name=name)


class CompanyBrief(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    city = fields.String()
    departement = fields.String()
    verified = fields.Boolean()


class PostSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String()
    title = fields.String(required=True)
    description = fields.String()
    quantity = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    postcode = fields.String()
    city = fields.String()
    departement = fields.String()
    region = fields.String()
    radius_km = fields.Integer(allow_none=True)
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    is_free = fields.Boolean(allow_none=True)
    status = fields.String(required=True, metadata={"description": "draft, pending, published, closed, expired, "
                                                                   "rejected or suspended"})
    published_at = fields.DateTime(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    company = fields.Nested(CompanyBrief)
    url = fields.String(metadata={"description": "The post's web page"})
    # the owner's (and the CCI's) view only
    rejection_reason = fields.String(allow_none=True)
    close_reason = fields.String(allow_none=True)
    exchanged_quantity = fields.Float(allow_none=True)
    allowed_actions = fields.List(fields.String())


class MatchSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    status_label = fields.String()
    score = fields.Float()
    origin = fields.String()
    side = fields.String(allow_none=True, metadata={"description": "offer or need: your company's side"})
    expected_action = fields.String(allow_none=True, metadata={"description": "answer, wait, report or none"})
    own_post = fields.Nested(PostSchema, allow_none=True)
    other_post = fields.Nested(PostSchema, allow_none=True)
    offer_post = fields.Nested(PostSchema, allow_none=True)
    need_post = fields.Nested(PostSchema, allow_none=True)
    offer_answer = fields.String(allow_none=True)
    need_answer = fields.String(allow_none=True)
    introduced_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    contacts = fields.List(fields.Dict(), metadata={"description": "Contact details, once both accepted"})
    url = fields.String()


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    locale = fields.String()


class CompanySchema(CompanyBrief):
    siret = fields.String()
    naf_code = fields.String()
    address = fields.String()
    postcode = fields.String()
    phone = fields.String()
    suspended = fields.Boolean()


class MeSchema(ma.Schema):
    user = fields.Nested(UserSchema, required=True)
    company = fields.Nested(CompanySchema, allow_none=True)
    membership = fields.String(allow_none=True)
    token_scope = fields.String(allow_none=True)


class LabelSchema(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    label_en = fields.String(required=True)


class ListOfLabels(ma.Schema):
    items = fields.List(fields.Nested(LabelSchema), required=True)


class UnitsSchema(ma.Schema):
    items = fields.List(fields.String(), required=True)


PostPage = page_schema(PostSchema, "PostPage")
MatchPage = page_schema(MatchSchema, "MatchPage")


class MatchListSchema(ma.Schema):
    items = fields.List(fields.Nested(MatchSchema), required=True)
