"""The one error path of the API: every error becomes ``{"error": {"code", "message", "message_en", "details"}}``.

Handlers are registered on the API blueprints (and the application's error path hands over for unknown paths under
/api/), so marshmallow validation errors (422), domain errors of the services and HTTP errors all read alike; never
HTML, never a stack trace."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 412: "precondition_failed", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_error", 428: "precondition_required", 429: "rate_limited",
    500: "internal_error",
}
HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is required (header “Authorization: Bearer <token>”)."),
    403: _l("You are not allowed to do this."),
    404: _l("This resource does not exist, or is not visible to you."),
    405: _l("This method is not allowed on this resource."),
    406: _l("This API only answers in JSON."),
    409: _l("This action is not possible in the resource's current state."),
    412: _l("The resource has changed since you read it (If-Match does not match its ETag)."),
    413: _l("What you sent is too large."),
    415: _l("Send the request body as JSON (Content-Type: application/json)."),
    422: _l("Some fields are not valid."),
    428: _l("This request needs an If-Match header."),
    429: _l("Too many requests. Wait a moment and try again."),
    500: _l("Something went wrong on our side. The team has been told; please try again later."),
}
CONFLICT_CLASSES = ("InvalidTransition", "MatchNotReviewable", "BulkRefused", "IntroductionRefused")


# --------------------------------------------------------------------------- documentation of the payload


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable code, e.g. validation_error"})
    message = ma.fields.String(required=True, metadata={"description": "Message in French"})
    message_en = ma.fields.String(required=True, metadata={"description": "Message in English"})
    details = ma.fields.Dict(metadata={"description": "Details: the fields in error, the field a rule names..."})


class ErrorSchema(ma.Schema):
    """The body of every error response of the API."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


# --------------------------------------------------------------------------- building the response


def _both(message) -> tuple[str, str]:
    """The message in French and in English (its msgid is English)."""
    with force_locale("fr"):
        french = str(message)
    with force_locale("en"):
        english = str(message)
    return french, english


def error_response(status: int, code: str | None = None, message=None, details: dict | None = None,
                   headers: dict | None = None):
    """The JSON error response; ``message`` a lazy string (translated into both languages)."""
    french, english = _both(message if message is not None else HTTP_MESSAGES.get(status, HTTP_MESSAGES[500]))
    body = {"code": code or HTTP_CODES.get(status, "error"), "message": french, "message_en": english,
            "details": details or {}}
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected_error(getattr(error, "original_exception", None) or error)
    data = getattr(error, "data", None) or {}
    details, headers = {}, dict(data.get("headers") or {})
    messages = data.get("messages")
    if messages is not None:  # webargs / marshmallow validation: {location: {field: [messages]}}
        details = {"fields": _flatten(messages)}
        return error_response(422, "validation_error", HTTP_MESSAGES[422], details, headers)
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        details = {"limit": str(getattr(error, "description", "") or "")}
    response = error_response(status, None, HTTP_MESSAGES.get(status, error.description), details, headers)
    if status == 429 and hasattr(error, "get_headers"):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers.setdefault(name, value)
    return response


def _flatten(messages) -> dict:
    """{"json": {"title": ["..."]}} -> {"title": ["..."]} (the location is clear from the request)."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "querystring", "form", "headers", "files",
                                                         "path", "view_args"}:
        merged: dict = {}
        for part in messages.values():
            if isinstance(part, dict):
                merged.update(part)
            else:
                merged.setdefault("_schema", part)
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def handle_domain_error(error: DomainError):
    db.session.rollback()
    field = getattr(error, "field", None)
    details = {"field": field} if field else {}
    if isinstance(error, NotFound):
        return error_response(404, "not_found", error.message)
    if isinstance(error, Forbidden):
        return error_response(403, "forbidden", error.message)
    if type(error).__name__ in CONFLICT_CLASSES or (type(error).__name__ == "InvalidIntroduction" and not field):
        return error_response(409, "invalid_state", error.message, details)
    return error_response(422, "invalid_field" if field else "rule_broken", error.message, details)


def handle_unexpected_error(error: BaseException):
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return handle_http_error(error)
    log.error("Unhandled error on %s %s", request.method, request.path, exc_info=error)
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.exception("Rollback after an unhandled error failed")
    return error_response(500)


def register(blueprint) -> None:
    blueprint.register_error_handler(HTTPException, handle_http_error)
    blueprint.register_error_handler(DomainError, handle_domain_error)
    blueprint.register_error_handler(Exception, handle_unexpected_error)
