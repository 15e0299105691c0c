"""What every page shares: one error path for HTML and JSON, security headers, safe redirects."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urljoin, urlsplit

from flask import (Flask, abort, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_login import current_user
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import permissions
from .errors import DomainError, Forbidden, NotFound
from .services import geo, naf, notifications
from .extensions import db

log = logging.getLogger(__name__)

MAX_ID = 2**31 - 1  # ids past the database integers cannot exist: refuse them before the database sees them
ID = f"int(max={MAX_ID})"  # the URL converter of every id: the router answers 404 for a larger one

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


@cache
def content_security_policy(tile_url: str | None = None) -> str:
    """The policy, with the map's tile server (``MAP_TILE_URL``) allowed for images and nothing else."""
    source = tile_source(tile_url)
    if source is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {source}")


def tile_source(tile_url: str | None) -> str | None:
    """``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` -> ``https://tile.openstreetmap.org``; a ``{s}``
    subdomain becomes ``*``; None for a URL on this site or one that cannot be a CSP source."""
    parts = urlsplit(tile_url or "")
    host = parts.netloc.replace("{s}", "*")
    if parts.scheme not in ("http", "https") or not host or not re.fullmatch(r"[A-Za-z0-9.*:\[\]-]+", host):
        return None
    return f"{parts.scheme}://{host}"


ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to see this page."),
    404: _l("This page does not exist, or no longer does."),
    405: _l("This action is not allowed here."),
    413: _l("What you sent is too large."),
    429: _l("Too many attempts. Wait a moment and try again."),
    500: _l("Something went wrong on our side. The team has been told; please try again later."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    app.after_request(add_security_headers)
    app.context_processor(template_helpers)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


FALLBACK_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur {code}</title></head>
<body><main><h1>Erreur {code}</h1><p>Une erreur est survenue de notre côté. Réessayez plus tard.</p>
<p lang="en">Something went wrong on our side. Please try again later.</p><p><a href="/">Accueil / Home</a></p></main>
</body></html>"""


def error_response(code: int, message: str):
    if request.path.startswith("/api/"):  # the API's own error object (a path outside its blueprints: 404, 405)
        from .api.errors import error_response as api_error_response

        return api_error_response(code)
    if wants_json():
        return jsonify(error={"code": code, "message": str(message)}), code
    templates = [f"errors/{code}.html", "errors/generic.html"]  # a page of its own for a code, if one is added
    try:
        return render_template(templates, code=code, message=message), code
    except Exception:  # the error page itself failed (broken template, database down): plain page
        log.exception("Error page %s failed to render", code)
        return FALLBACK_PAGE.format(code=code), code, {"Content-Type": "text/html; charset=utf-8"}


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, InternalServerError):
        return handle_unexpected_error(error.original_exception or error)
    message = _l("This form has expired. Go back, reload the page and try again.") if isinstance(error, CSRFError) \
        else ERROR_MESSAGES.get(error.code, error.description)
    response = make_response(error_response(error.code, message))
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_unexpected_error(error: BaseException):
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return handle_http_error(error)
    log.error("Unhandled error on %s %s", request.method, request.path, exc_info=error)
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        log.exception("Rollback after an unhandled error failed")
    return error_response(500, ERROR_MESSAGES[500])


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(current_app.config.get("MAP_TILE_URL")))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def commit_action(action) -> DomainError | None:
    """Run the service calls of a request and commit once.

    Something that does not exist gives a 404 and a refused permission a 403 page with its reason; any other
    domain error is rolled back and returned, for the view to show next to the form."""
    try:
        action()
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except Forbidden as exc:
        db.session.rollback()
        abort(make_response(error_response(403, str(exc.message))))
    except DomainError as exc:
        db.session.rollback()
        return exc
    return None


def commit_result(action):
    """``commit_action`` for a service call whose result the view needs: (result, None) or (None, error)."""
    results = []
    error = commit_action(lambda: results.append(action()))
    return (None, error) if error is not None else (results[0], None)


def flash_outcome(error: DomainError | None, success: Callable[[], str]) -> None:
    """After ``commit_action``: the domain error as a danger message, else ``success()`` as a success one."""
    if error is None:
        flash(success(), "success")
    else:
        flash(str(error.message), "danger")


def fetch_or_abort(read):
    """A read that may be refused: 404 for what does not exist, 403 for what is out of reach."""
    try:
        return read()
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only paths of this site: no scheme, no other host, no protocol-relative or backslash tricks."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return False
    return urlsplit(urljoin(request.host_url, target)).netloc == urlsplit(request.host_url).netloc


def redirect_next(default_endpoint: str = "main.index", **values):
    target = request.args.get("next") or request.form.get("next")
    if is_safe_next(target):
        return redirect(target)
    return redirect(url_for(default_endpoint, **values))


def template_helpers() -> dict:
    return {"permissions": permissions, "languages": current_app.config["LANGUAGES"], "get_locale": get_locale,
            "naf_label": naf_label, "departement_name": geo.departement_name, "region_name": region_name,
            "unread_notifications": unread_notifications}


def unread_notifications() -> int:
    """Counted only when a page shows it (one query), for the logged-in person."""
    if not current_user.is_authenticated:
        return 0
    return notifications.unread_count(current_user)


def naf_label(code: str) -> str:
    try:
        return naf.get_naf(code).label
    except DomainError:
        return ""


def region_name(departement: str) -> str:
    region = geo.region_of_departement(departement)
    return region[1] if region else ""
