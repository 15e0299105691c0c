"""The JSON API under /api/v1 (flask-smorest): the OpenAPI 3 document at /api/v1/openapi.json, its browsable page
at /api/v1/docs, Bearer tokens (``auth``), one error object for every error (``errors``)."""

from __future__ import annotations

from flask import Flask

from .common import URL_PREFIX

API_DESCRIPTION = """The JSON API of the CCI mutual-aid marketplace.

**Authentication**: every call carries a personal API token, `Authorization: Bearer <token>`, created on the
profile page (*My account → API tokens*). A read token reads; a read and write token also creates and changes.
The rules of access are the web pages' ones: a company sees what the web shows it.

**Errors**: always `{"error": {"code", "message" (French), "message_en", "details"}}`.

**Pagination**: lists take `?page=` (from 1) and `?per_page=` (1 to 100, default 20) and answer
`{"items", "page", "per_page", "total", "pages", "links": {"self", "next", "prev", "first", "last"}}` with absolute
URLs (`next`/`prev` null at the ends; a page past the last one gives the last one).

**ETags**: reads send an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`. `PATCH /posts/{id}`
accepts an optional `If-Match` (412 if the post changed since)."""


def init_api(app: Flask) -> None:
    from ..extensions import api
    from . import docs, errors, matches, me, moderation, posts, reference

    for name, value in {
        "API_TITLE": "CCI mutual-aid marketplace API", "API_VERSION": "v1", "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": URL_PREFIX, "OPENAPI_JSON_PATH": "openapi.json",
    }.items():
        app.config.setdefault(name, value)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": API_DESCRIPTION},
        "servers": [{"url": "/", "description": "This site"}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "A personal API token (cci_...)"}}},
        "security": [{"bearerAuth": []}],
    })
    api.ERROR_SCHEMA = errors.ErrorSchema
    api.init_app(app)
    for blueprint in (posts.blp, me.blp, matches.blp, moderation.blp, reference.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
