"""The strict-skips plugin: skips fail the run in CI, xfail keeps its meaning."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import pytest

def test_passes():
    pass

@pytest.mark.skip(reason="needs a printer")
def test_marked_skip():
    pass

def test_skips_inside():
    pytest.skip("Chromium not installed")

@pytest.fixture
def browser():
    pytest.skip("no browser here")

def test_fixture_skips(browser):
    pass

@pytest.mark.xfail(reason="known bug")
def test_expected_failure():
    assert False

def test_imperative_xfail():
    pytest.xfail("not yet")
"""


@pytest.fixture
def run(pytester, monkeypatch):
    pytester.makepyfile(test_sample=TESTS)

    def do_run(strict: str | None):
        if strict is None:
            monkeypatch.delenv("MARKETPLACE_STRICT_SKIPS", raising=False)
        else:
            monkeypatch.setenv("MARKETPLACE_STRICT_SKIPS", strict)
        return pytester.runpytest_inprocess("-p", "tests.plugins.strict_skips", "-rA", "-p", "no:cacheprovider")

    return do_run


def test_skips_are_skips_by_default(run):
    result = run(None)
    result.assert_outcomes(passed=1, skipped=3, xfailed=2)
    assert result.ret == 0


def test_skips_fail_in_strict_mode(run):
    result = run("1")
    # A skip in the test body fails it; a skip in a fixture or a marker is reported at setup: an error.
    result.assert_outcomes(passed=1, failed=1, errors=2, xfailed=2)
    assert result.ret != 0
    for line in ("*strict skips: on*",
                 "*skipped in strict mode (CI): Chromium not installed*",
                 "*skipped in strict mode (CI): needs a printer*",
                 "*skipped in strict mode (CI): no browser here*"):
        result.stdout.fnmatch_lines([line])


def test_module_level_skip_fails_in_strict_mode(pytester, monkeypatch):
    pytester.makepyfile(test_module_skip="""
        import pytest
        pytest.skip("whole module needs PostgreSQL", allow_module_level=True)

        def test_never_runs():
            pass
    """)
    monkeypatch.setenv("MARKETPLACE_STRICT_SKIPS", "1")
    result = pytester.runpytest_inprocess("-p", "tests.plugins.strict_skips", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*skipped in strict mode (CI): whole module needs PostgreSQL*"])
