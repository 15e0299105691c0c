"""Security of the web layer: headers, no inline script, cookies, CSRF, login rate limit, error pages,
and the configuration (production refusal without a real SECRET_KEY, the configuration layers)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from marketplace import create_app, web
from marketplace.config import ConfigurationError, normalize_database_url
from marketplace.extensions import db, limiter
from tests.conftest import TEST_PASSWORD, base_config

STRONG_KEY = "9f2c5d0e8b1a4c7f6e3d2b1a0c9f8e7d"
ANONYMOUS_PAGES = ["/", "/inscription", "/connexion", "/mot-de-passe-oublie", "/confirmer", "/mentions-legales"]
MEMBER_PAGES = ["/compte/", "/compte/entreprise", "/compte/membres", "/compte/mot-de-passe", "/compte/supprimer"]
JSON = {"Accept": "application/json"}


@pytest.fixture
def keep_limiter_state(monkeypatch):
    """The limiter is one object shared by every app: building an app with rate limiting on turns it on
    for the session app too (its decorated views check ``limiter.enabled``). Put it back afterwards."""
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))


@pytest.fixture
def make_app(tmp_path_factory, tmp_path, monkeypatch, keep_limiter_state):
    """Another app on the test database (the autouse ``db`` fixture's session serves its requests too)."""
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path / "instance"))
    created = []

    def make(**overrides):
        application = create_app(base_config(tmp_path_factory, **overrides))
        created.append(application)
        return application

    yield make
    for application in created:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def member_email(member):
    """The email of a committed member: each request of another app than the session app ends by removing
    the session, which rolls back whatever the test had only flushed (the outer transaction still rolls back)."""
    email = member.email
    db.session.commit()
    return email


def english(client):
    """Messages are checked in English, whatever the default language."""
    with client.session_transaction() as session:
        session["lang"] = "en"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class PageScan(HTMLParser):
    """What in a page would break under a CSP without 'unsafe-inline', or load from elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.inline_handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.javascript_urls: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = {"src": attributes.get("src"), "body": ""}
            self.scripts.append(self._in_script)
        if tag == "style":
            self.style_elements += 1
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.stylesheets.append(attributes.get("href") or "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["body"] += data


def scan(response) -> PageScan:
    parser = PageScan()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser


def cookie_header(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.getlist('Set-Cookie')}"
    return found[-1]


def cookie_flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


# --------------------------------------------------------------------------- headers


def assert_security_headers(response):
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_security_headers_on_anonymous_pages(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_security_headers(response)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_security_headers_on_member_pages(client, login, member, path):
    login(member)
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


def test_security_headers_on_error_pages_and_json(client, login, member):
    assert_security_headers(client.get("/page-qui-n-existe-pas"))
    assert_security_headers(client.get("/page-qui-n-existe-pas", headers=JSON))
    assert_security_headers(client.get("/communes/69007"))
    assert_security_headers(client.post("/deconnexion", data={}))


def test_development_sends_no_hsts_and_no_secure_cookie(client):
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
    assert "secure" not in cookie_flags(cookie_header(response, "session"))


# --------------------------------------------------------------------------- no inline code


def assert_no_inline_code(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    page = scan(response)
    assert page.scripts, f"{path}: expected the page's scripts"
    for script in page.scripts:
        assert script["src"], f"{path}: inline <script> {script['body'][:80]!r}"
        assert not script["body"].strip(), f"{path}: <script src> with a body"
    assert page.inline_handlers == [], path
    assert page.javascript_urls == [], path
    assert page.style_attributes == [], f"{path}: style= attributes are blocked by style-src 'self'"
    assert page.style_elements == 0, f"{path}: <style> elements are blocked by style-src 'self'"
    for url in [s["src"] for s in page.scripts] + page.stylesheets:
        assert url.startswith("/") and not url.startswith("//"), f"{path}: {url} is not served by this site"
        with client.get(url) as asset:  # a file response: close it
            assert asset.status_code == 200, f"{path}: {url} does not load"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_have_no_inline_code(client, path):
    assert_no_inline_code(client, path)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_pages_have_no_inline_code(client, login, member, path):
    login(member)
    assert_no_inline_code(client, path)


def test_error_page_has_no_inline_code(client):
    page = scan(client.get("/page-qui-n-existe-pas"))
    assert all(script["src"] for script in page.scripts)
    assert page.inline_handlers == [] and page.style_attributes == []


def test_page_scanner_finds_inline_code():
    """The scanner used above does see what it looks for."""
    class Fake:
        @staticmethod
        def get_data(as_text):
            return ('<script>alert(1)</script><a href="javascript:x()" onclick="y()" style="color:red">a</a>'
                    '<style>p{}</style><script src="/a.js"></script>')

    page = scan(Fake)
    assert [s["src"] for s in page.scripts] == [None, "/a.js"]
    assert page.scripts[0]["body"] == "alert(1)"
    assert page.inline_handlers and page.style_attributes and page.javascript_urls and page.style_elements == 1


# --------------------------------------------------------------------------- cookies


def test_session_cookie_is_httponly_and_samesite_lax(client):
    header = cookie_header(client.get("/connexion"), "session")
    flags = cookie_flags(header)
    assert "httponly" in flags
    assert re.search(r"samesite=lax", header, re.IGNORECASE)


def test_remember_cookie_is_httponly_and_samesite_lax(client, member):
    response = client.post("/connexion", data={"email": member.email, "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    header = cookie_header(response, "remember_token")
    assert "httponly" in cookie_flags(header)
    assert re.search(r"samesite=lax", header, re.IGNORECASE)


@pytest.fixture
def production_app(make_app):
    return make_app(ENV="production", TESTING=False, SECRET_KEY=STRONG_KEY)


def test_production_cookies_are_secure_and_hsts_is_sent(production_app, member_email):
    client = production_app.test_client()
    response = client.get("/connexion")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+).*", hsts) and int(re.match(r"max-age=(\d+)", hsts)[1]) >= 15552000
    assert {"secure", "httponly"} <= cookie_flags(cookie_header(response, "session"))

    response = client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert {"secure", "httponly"} <= cookie_flags(cookie_header(response, "session"))
    assert {"secure", "httponly"} <= cookie_flags(cookie_header(response, "remember_token"))
    assert_security_headers(response)


# --------------------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_client(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    english(client)
    return client


def csrf_token_of(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no csrf_token field in the page"
    return match[1]


def test_post_without_csrf_token_is_refused_with_a_clear_message(csrf_client, member_email):
    response = csrf_client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "This form has expired" in body
    assert "Traceback" not in body
    with csrf_client.session_transaction() as session:
        assert "_user_id" not in session  # not logged in


def test_post_without_csrf_token_json(csrf_client, member_email):
    response = csrf_client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD}, headers=JSON)
    assert response.status_code == 400
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == 400
    assert "This form has expired" in error["message"]


def test_post_with_a_wrong_csrf_token_is_refused(csrf_client, member_email):
    csrf_client.get("/connexion")
    response = csrf_client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD,
                                                    "csrf_token": "forged"})
    assert response.status_code == 400


def test_post_with_the_csrf_token_of_the_page_works(csrf_client, member_email):
    token = csrf_token_of(csrf_client.get("/connexion"))
    response = csrf_client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD,
                                                    "csrf_token": token})
    assert response.status_code == 302


def test_logout_needs_the_csrf_token(csrf_client, member_email):
    token = csrf_token_of(csrf_client.get("/connexion"))
    csrf_client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD, "csrf_token": token})
    assert csrf_client.post("/deconnexion").status_code == 400
    assert csrf_client.get("/compte/").status_code == 200  # still logged in
    token = csrf_token_of(csrf_client.get("/compte/"))
    assert csrf_client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert csrf_client.get("/compte/").status_code == 302  # logged out: sent to the login page


# --------------------------------------------------------------------------- login rate limit


@pytest.fixture
def limited_app(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", RATELIMIT_STORAGE_URI="memory://")


def test_login_is_rate_limited_with_a_clear_message(limited_app, member_email):
    client = limited_app.test_client()
    english(client)
    wrong = {"email": member_email, "password": "not the password at all"}
    for _ in range(3):
        assert client.post("/connexion", data=wrong).status_code == 200
    response = client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD})
    assert response.status_code == 429  # even with the right password
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body and "Traceback" not in body
    assert int(response.headers["Retry-After"]) > 0
    with client.session_transaction() as session:
        assert "_user_id" not in session

    response = client.post("/connexion", data=wrong, headers=JSON)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_json()["error"]["message"]

    assert client.get("/connexion").status_code == 200  # reading the page is not limited
    other = limited_app.test_client()
    assert other.post("/connexion", data=wrong, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


def test_password_reset_requests_are_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.post("/mot-de-passe-oublie", data={"email": "x@example.org"}).status_code == 302
    assert client.post("/mot-de-passe-oublie", data={"email": "x@example.org"}).status_code == 429


def test_session_app_is_not_rate_limited_after_a_limited_app_existed(client, member):
    """Canary: the limiter is one object shared by every app; an app built with rate limiting on (above)
    must not leave the shared app limited (see ``keep_limiter_state``)."""
    wrong = {"email": member.email, "password": "not the password at all"}
    assert [client.post("/connexion", data=wrong).status_code for _ in range(12)] == [200] * 12


# --------------------------------------------------------------------------- error pages


SECRET_DETAIL = "db password is hunter2"


@pytest.fixture
def failing_app(make_app):
    application = make_app()

    def explode():
        raise RuntimeError(SECRET_DETAIL)

    application.add_url_rule("/boom", "boom", explode)
    return application


def test_unexpected_error_gives_a_500_page_without_traceback(failing_app, caplog):
    client = failing_app.test_client()
    english(client)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "File \""):
        assert leak not in body
    assert_security_headers(response)
    logged = [r for r in caplog.records if r.name == "marketplace.web" and r.exc_info]
    assert logged and SECRET_DETAIL in str(logged[0].exc_info[1])  # the team sees it in the log


def test_unexpected_error_json(failing_app):
    response = failing_app.test_client().get("/boom", headers=JSON)
    assert response.status_code == 500
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == 500
    assert SECRET_DETAIL not in json.dumps(response.get_json())


def test_500_page_falls_back_to_plain_html_when_the_template_fails(failing_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template broken too")

    monkeypatch.setattr(web, "render_template", broken)
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Erreur 500" in body and "<html" in body
    for leak in (SECRET_DETAIL, "template broken too", "Traceback"):
        assert leak not in body


def test_404_page_falls_back_too_when_the_template_fails(client, monkeypatch):
    monkeypatch.setattr(web, "render_template", lambda *a, **k: 1 / 0)
    response = client.get("/page-qui-n-existe-pas")
    assert response.status_code == 404
    assert "Erreur 404" in response.get_data(as_text=True)


def test_get_on_logout_is_405_with_allow_header(client):
    english(client)
    response = client.get("/deconnexion")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "This action is not allowed here." in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]


def test_405_json(client):
    response = client.get("/deconnexion", headers=JSON)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == 405
    assert "POST" in response.headers["Allow"]


def test_404_html(client):
    english(client)
    response = client.get("/nulle-part/<script>alert(1)</script>")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "This page does not exist" in body
    assert "<script>alert(1)</script>" not in body


def test_404_json(client):
    response = client.get("/nulle-part", headers=JSON)
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == 404 and body["error"]["message"]


def test_html_is_preferred_when_the_browser_accepts_both(client):
    response = client.get("/nulle-part", headers={"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"})
    assert response.mimetype == "text/html"


def test_403_page(make_app, member_email):
    from marketplace import permissions

    application = make_app()
    application.add_url_rule("/staff-only", "staff_only", permissions.require(permissions.is_moderator)(lambda: "ok"))
    client = application.test_client()
    english(client)
    assert client.post("/connexion", data={"email": member_email, "password": TEST_PASSWORD}).status_code == 302
    response = client.get("/staff-only")
    assert response.status_code == 403
    assert "You are not allowed to see this page." in response.get_data(as_text=True)
    assert client.get("/staff-only", headers=JSON).get_json()["error"]["code"] == 403


# --------------------------------------------------------------------------- production refusal


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """create_app on its own instance folder, with no configuration coming from the environment."""
    import os

    for name in list(os.environ):
        if name.startswith("MARKETPLACE_") or name in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}:
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(instance))
    return instance


@pytest.fixture
def build(clean_env, tmp_path, keep_limiter_state):
    """create_app on a throw-away SQLite file: the shared test database is never touched."""
    created = []

    def make(config: dict | None = None, **overrides):
        settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite3'}"} if config is None else config
        settings = {**settings, **overrides}
        application = create_app(settings)
        created.append(application)
        return application

    yield make
    for application in created:
        with application.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("key", ["", "dev", "DEV", "changeme", "change-me", "secret", " secret ", "short-key-15chr",
                                 " " * 20])
def test_production_refuses_a_missing_or_weak_secret_key(build, key):
    with pytest.raises(ConfigurationError) as excinfo:
        build(ENV="production", SECRET_KEY=key)
    message = str(excinfo.value)
    assert "SECRET_KEY" in message
    assert "\n" not in message.strip()


def test_production_refuses_when_no_secret_key_is_set_at_all(build):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        build()  # production is the default mode


def test_production_accepts_a_strong_key(build):
    application = build(ENV="production", SECRET_KEY=STRONG_KEY)
    assert application.config["SECRET_KEY"] == STRONG_KEY
    assert application.config["SESSION_COOKIE_SECURE"] is True
    assert application.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("variable", ["SECRET_KEY", "MARKETPLACE_SECRET_KEY"])
def test_production_key_from_the_environment(build, monkeypatch, variable):
    monkeypatch.setenv(variable, STRONG_KEY)
    assert build(ENV="production").config["SECRET_KEY"] == STRONG_KEY


def test_development_makes_up_a_key_and_keeps_it(build, clean_env):
    first = build(ENV="development").config["SECRET_KEY"]
    second = build(ENV="development").config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (clean_env / "secret_key").read_text().strip() == first
    assert first not in {"dev", ""}


# --------------------------------------------------------------------------- configuration layers


def test_instance_config_overrides_the_class_default(build, clean_env):
    clean_env.mkdir(parents=True)
    (clean_env / "config.py").write_text("PASSWORD_MIN_LENGTH = 20\nMAIL_DEFAULT_SENDER = 'cci@example.org'\n")
    application = build(ENV="development")
    assert application.config["PASSWORD_MIN_LENGTH"] == 20
    assert application.config["MAIL_DEFAULT_SENDER"] == "cci@example.org"


def test_environment_overrides_the_instance_config(build, clean_env, monkeypatch):
    clean_env.mkdir(parents=True)
    (clean_env / "config.py").write_text("PASSWORD_MIN_LENGTH = 20\nMAIL_SERVER = 'smtp.instance.example'\n")
    monkeypatch.setenv("MARKETPLACE_PASSWORD_MIN_LENGTH", "30")
    monkeypatch.setenv("MARKETPLACE_MAIL_SERVER", "smtp.env.example")
    application = build(ENV="development")
    assert application.config["PASSWORD_MIN_LENGTH"] == 30
    assert application.config["MAIL_SERVER"] == "smtp.env.example"


def test_class_defaults_without_any_layer(build):
    application = build(ENV="development")
    assert application.config["PASSWORD_MIN_LENGTH"] == 12
    assert application.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert application.config["SESSION_COOKIE_HTTPONLY"] is True
    assert application.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not application.config.get("SESSION_COOKIE_SECURE")


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
])
def test_database_url_from_the_environment(build, monkeypatch, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    application = build({}, ENV="development")
    assert application.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_marketplace_variable_wins_over_database_url(build, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("MARKETPLACE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    application = build({}, ENV="development")
    assert application.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.sqlite3'}"


def test_default_database_is_sqlite_in_the_instance_folder(build, clean_env):
    application = build({}, ENV="development")
    assert application.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env / 'marketplace.sqlite3'}"


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql+psycopg://u@h/db", "postgresql+psycopg2://u@h/db"])
def test_other_database_urls_are_left_alone(url):
    assert normalize_database_url(url) == url


def test_redis_url_sets_the_rate_limit_storage(build, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/2")
    application = build(ENV="development", RATELIMIT_ENABLED=False)
    assert application.config["REDIS_URL"] == "redis://cache.example:6379/2"
    assert application.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/2"


def test_test_config_mapping_wins_over_everything(build, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_PASSWORD_MIN_LENGTH", "30")
    assert build(ENV="development", PASSWORD_MIN_LENGTH=14).config["PASSWORD_MIN_LENGTH"] == 14
