"""Bearer-token authentication, scopes and per-token rate limits of the JSON API.

Usage in the API package::

    from .auth import init_api_blueprint, require_token

    bp = Blueprint("api", __name__, url_prefix="/api/v1")   # flask-smorest Blueprint or Api's app
    init_api_blueprint(bp)        # CSRF exemption, per-token rate limit, no session on API requests, 401/403/429

    @bp.route("/posts")
    @require_token()              # or @require_token("write") on a view that changes something
    def posts(): ...              # flask_login.current_user is the token's owner, g.api_token the token

Only the ``Authorization: Bearer <secret>`` header authenticates an API call: a session cookie never does
(a page of another site could make the browser send it: that is what CSRF is), which is also why the API
blueprint is exempt from the CSRF token. API responses never set a session cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionInterface
from flask_limiter.util import get_remote_address

from ..extensions import csrf, limiter, login_manager
from ..models import ApiToken, TokenScope
from ..services import api_tokens

API_PREFIX = "/api/"
DEFAULT_API_RATELIMIT = "300 per minute;5000 per hour"
_UNSET = object()

MESSAGES = {
    "unauthorized": ("Authentification requise : envoyez un jeton d'API valide dans l'en-tête "
                     "« Authorization: Bearer <jeton> ».",
                     "Authentication required: send a valid API token in the \"Authorization: Bearer <token>\" "
                     "header."),
    "invalid_token": ("Ce jeton d'API est inconnu, révoqué ou expiré, ou son titulaire n'a plus accès à la bourse.",
                      "This API token is unknown, revoked or expired, or its owner no longer has access."),
    "insufficient_scope": ("Ce jeton est en lecture seule : créez un jeton en lecture et écriture pour modifier "
                           "des données.",
                           "This token is read-only: create a read and write token to change data."),
    "rate_limited": ("Trop de requêtes pour ce jeton. Patientez un moment avant de réessayer.",
                     "Too many requests for this token. Wait a moment and try again."),
}


def api_error(status: int, code: str, message: str | None = None, message_en: str | None = None,
              headers: dict[str, str] | None = None):
    """The API's error object: ``{"error": {"code", "message" (French), "message_en", "details"}}`` (the shape of
    ``api.errors.error_response``, with the messages written here in both languages)."""
    default_fr, default_en = MESSAGES.get(code, ("", ""))
    response = jsonify(error={"code": code, "message": message or default_fr, "message_en": message_en or default_en,
                              "details": {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def bearer_secret() -> str | None:
    """The secret of the request's ``Authorization: Bearer`` header (the scheme is case-insensitive)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def current_token() -> ApiToken | None:
    """The request's working token, looked up once per request (the rate limiter and the view share it)."""
    token = g.get("_api_token_lookup", _UNSET)
    if token is _UNSET:
        secret = bearer_secret()
        token = api_tokens.authenticate(secret) if secret else None
        g._api_token_lookup = token
    return token


def _login_for_this_request(token: ApiToken) -> None:
    """Flask-Login's ``current_user`` for this request only: ``login_user`` would write the user into the
    session (and a cookie into the response), so set the request-level user it reads instead."""
    g._login_user = token.user
    g.api_token = token


def _unauthorized():
    if bearer_secret() is None:
        return api_error(401, "unauthorized", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    fr, en = MESSAGES["invalid_token"]
    return api_error(401, "unauthorized", fr, en,
                     headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def require_token(scope: str | TokenScope | Callable = "read"):
    """Decorator: the view needs a working Bearer token with ``scope`` ("read" or "write").

    401 without a token or with a bad, revoked or expired one (or one whose owner lost access); 403 with a
    read-only token on a write view. Usable as ``@require_token``, ``@require_token()`` or
    ``@require_token("write")``."""
    if callable(scope):  # @require_token without parentheses
        return require_token("read")(scope)
    needed = TokenScope(scope)

    def decorator(view):
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            token = current_token()
            if token is None:
                return _unauthorized()
            if not token.allows(needed):
                return api_error(403, "insufficient_scope", headers={
                    "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{needed.value}"'})
            _login_for_this_request(token)
            return view(*args, **kwargs)

        wrapper._api_scope = needed.value  # for the OpenAPI document, if the API wants to say it
        return wrapper

    return decorator


# --- rate limits -------------------------------------------------------------------------------------------

def rate_limit_key() -> str:
    """Per token when the request carries a working one, else per client address (bad tokens included: trying
    random tokens does not buy a fresh allowance)."""
    token = current_token()
    if token is not None:
        return f"api-token:{token.id}"
    return f"api-ip:{get_remote_address()}"


def _api_limit_value() -> str:
    return current_app.config.get("API_RATELIMIT") or DEFAULT_API_RATELIMIT


def _on_breach(_limit) -> Any:
    return api_error(429, "rate_limited")


def api_rate_limit():
    """The decorator of the API's rate limit (``API_RATELIMIT``, per token): apply it to the API blueprint
    (``api_rate_limit()(bp)``) or to single views. ``init_api_blueprint`` already applies it to a blueprint."""
    # shared: one allowance per token across every API blueprint and view, not one per endpoint
    return limiter.shared_limit(_api_limit_value, scope="api", key_func=rate_limit_key, on_breach=_on_breach)


def _rate_limited(error):
    """429 as the API's error object (Flask-Limiter's exception carries the response ``_on_breach`` made)."""
    response = getattr(error, "response", None)
    if response is None:
        response = api_error(429, "rate_limited")
    return response


# --- sessions ----------------------------------------------------------------------------------------------

class NoSessionOnApi(SessionInterface):
    """Wraps the app's session interface: requests under ``/api/`` neither read nor write the session
    cookie (a session cookie cannot authenticate an API call, and an API response never sets one)."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def open_session(self, app: Flask, request):
        if request.path.startswith(API_PREFIX):  # an empty session, never saved (writes do not fail)
            return getattr(self.inner, "session_class", SecureCookieSession)()
        return self.inner.open_session(app, request)

    def make_null_session(self, app: Flask):
        return self.inner.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)

    def save_session(self, app: Flask, session, response) -> None:
        if request.path.startswith(API_PREFIX):
            return None
        return self.inner.save_session(app, session, response)


def init_api_auth(app: Flask) -> None:
    """Install the session guard on the app (idempotent)."""
    if not isinstance(app.session_interface, NoSessionOnApi):
        app.session_interface = NoSessionOnApi(app.session_interface or SecureCookieSessionInterface())


def _anonymous_until_token() -> None:
    """Before an API view: nobody is logged in (not from a session or remember-me cookie, whatever an earlier
    hook loaded) until ``require_token`` says who."""
    g._login_user = login_manager.anonymous_user()


def init_api_blueprint(bp: Blueprint) -> Blueprint:
    """Everything the API blueprint needs from authentication: CSRF exemption (Bearer only), per-token rate
    limit with 429 as an error object, anonymous until a token is checked, and no session on API requests."""
    csrf.exempt(bp)
    api_rate_limit()(bp)
    bp.before_request(_anonymous_until_token)
    bp.register_error_handler(429, _rate_limited)
    bp.record_once(lambda state: init_api_auth(state.app))
    return bp
