"""End-to-end fixtures: the app served by a real HTTP server in a thread, driven by a headless Chromium.

The live app has its own SQLite file (even when ``TEST_DATABASE_URL`` is set), migrated like production,
with CSRF on. Mails are captured through Flask-Mail's ``email_dispatched`` signal (``MAIL_SUPPRESS_SEND``:
nothing leaves the machine), which fires in the server thread that sends them.

Without Chromium and chromedriver the tests skip; in CI the strict-skips plugin makes that a failure."""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_mail import Message, email_dispatched
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
MISSING_BROWSER = "Chromium not installed: apt-get install chromium chromium-driver"
WAIT_SECONDS = 15

server_log = logging.getLogger("tests.e2e.server")


def pytest_configure(config):
    if not any(line.split(":")[0].strip() == "no_db" for line in config.getini("markers")):
        config.addinivalue_line("markers", "no_db: the test manages its own database (no rolled-back session)")


# --------------------------------------------------------------------------- live server


class _LoggingRequestHandler(WSGIRequestHandler):
    """Request lines go to logging (shown by pytest on failure), not straight to stderr."""

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 (werkzeug's signature)
        server_log.info("%s - %s", self.address_string(), message % args)


@dataclass
class LiveServer:
    app: object
    url: str
    mails: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, sender, message: Message, **extra) -> None:
        with self._lock:
            self.mails.append(message)

    def mails_to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.mails if address in m.recipients]

    def wait_for_mail(self, address: str, timeout: float = WAIT_SECONDS) -> Message:
        """The last mail sent to ``address`` (sent by the server thread after its commit)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.mails_to(address)
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no mail to {address} within {timeout}s; mails sent: "
                             f"{[(m.recipients, m.subject) for m in self.mails]}")

    def link_in(self, message: Message, path_prefix: str) -> str:
        match = re.search(re.escape(self.url + path_prefix) + r"\S+", message.body)
        assert match, f"no {self.url}{path_prefix}… link in the mail:\n{message.body}"
        return match.group(0)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    root = tmp_path_factory.mktemp("e2e")
    previous_instance = os.environ.get("MARKETPLACE_INSTANCE_PATH")
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(root / "instance")
    try:
        app = create_app({
            "TESTING": False,
            "ENV": "development",
            "SECRET_KEY": "e2e-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.sqlite3'}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "localhost",
            "MAIL_SUPPRESS_SEND": True,  # Flask-Mail sends nothing but still fires email_dispatched
        })
    finally:
        if previous_instance is None:
            os.environ.pop("MARKETPLACE_INSTANCE_PATH", None)
        else:
            os.environ["MARKETPLACE_INSTANCE_PATH"] = previous_instance
    with app.app_context():
        upgrade()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_LoggingRequestHandler)
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    email_dispatched.connect(live.record, sender=app)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        email_dispatched.disconnect(live.record, sender=app)
        with app.app_context():
            db.engine.dispose()


# --------------------------------------------------------------------------- browser


class Browser:
    """A thin layer over the WebDriver: absolute paths, waits for the next page, console log kept."""

    def __init__(self, driver, base_url: str, artifacts: Path):
        self.driver = driver
        self.base_url = base_url
        self.artifacts = artifacts
        self.console: list[dict] = []

    # navigation
    def visit(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.collect_console()

    @property
    def path(self) -> str:
        url = self.driver.current_url.split("#")[0]  # a fragment survives redirects: not part of the page
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_until(self, condition, message: str = ""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT_SECONDS).until(condition, message)

    def next_page(self, action) -> None:
        """Run ``action`` (a click, a key press) and wait until the browser has loaded another page."""
        from selenium.webdriver.support import expected_conditions as EC

        old = self.find("html")
        action()
        self.wait_until(EC.staleness_of(old), "the page did not change")
        self.wait_until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.collect_console()

    def fill(self, field_id: str, value: str) -> None:
        element = self.find(f"#{field_id}")
        element.clear()
        element.send_keys(value)

    # page facts
    @property
    def lang(self) -> str:
        return self.find("html").get_attribute("lang")

    def flashes(self, category: str) -> list[str]:
        return [e.text for e in self.find_all(f".flashes .alert-{category}")]

    def collect_console(self) -> None:
        self.console.extend(self.driver.get_log("browser"))

    def csp_violations(self) -> list[str]:
        self.collect_console()
        return [e["message"] for e in self.console if "content security policy" in e["message"].lower()]

    def console_errors(self) -> list[str]:
        self.collect_console()
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.driver.save_screenshot(str(path))
        (self.artifacts / f"{name}.html").write_text(self.driver.page_source)
        return path


@pytest.fixture(scope="session")
def chromium_available() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.access(p, os.X_OK) or shutil.which(p))]
    if missing:
        pytest.skip(MISSING_BROWSER)


@pytest.fixture
def browser(chromium_available, live_server, tmp_path):
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for a driver online
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}",
                # Bootstrap scrolls smoothly otherwise: chromedriver would click where an element was mid-scroll.
                "--force-prefers-reduced-motion"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield Browser(driver, live_server.url, tmp_path)
    finally:
        driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing e2e test, save a screenshot and the page HTML and name them in the failure report."""
    report = yield
    if report.when == "call" and report.failed and "browser" in item.funcargs:
        browser = item.funcargs["browser"]
        try:
            path = browser.screenshot("failure")
            note = f"screenshot: {path}\npage HTML: {path.with_suffix('.html')}\nURL: {browser.driver.current_url}"
        except Exception as exc:  # the browser itself may be what failed
            note = f"no screenshot: {exc!r}"
        if hasattr(report.longrepr, "addsection"):
            report.longrepr.addsection("e2e failure artifacts", note)
        else:
            report.sections.append(("e2e failure artifacts", note))
    return report
