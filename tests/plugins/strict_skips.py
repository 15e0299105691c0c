"""In CI (``MARKETPLACE_STRICT_SKIPS=1``), a skipped test fails the run: nothing silently stops being tested.

A skip (``pytest.skip``, ``skip``/``skipif`` markers, ``importorskip``, a module-level skip) is turned
into a failure whose message is ``skipped in strict mode (CI): <reason>``. Expected failures
(``xfail``) keep their usual meaning."""

from __future__ import annotations

import os

import pytest

ENV_VAR = "MARKETPLACE_STRICT_SKIPS"
PREFIX = "skipped in strict mode (CI): "


def strict_mode() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr or "")
    return reason.removeprefix("Skipped: ").strip() or "no reason given"


def _fail_if_skipped(report) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and strict_mode():
        report.outcome = "failed"
        report.longrepr = PREFIX + _skip_reason(report)


def pytest_report_header(config) -> str | None:
    if strict_mode():
        return f"strict skips: on ({ENV_VAR}=1, a skipped test fails the run)"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _fail_if_skipped(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _fail_if_skipped(report)  # a module-level skip would silently drop every test of the module
    return report
