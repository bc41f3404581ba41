"""Fixtures of the browser tests: one Chromium per run, one Jupyter server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._jupyter import CHROMIUM, SHOTS, Server, jupyter_server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed  # the page fixture screenshots a failed test


# Package scope, not session: Playwright's sync API keeps an event loop running in this
# thread while it is open, and every later test that calls asyncio.run would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium: run `./run test` as root (it "
            "installs Debian's chromium) or `apt-get install -y chromium`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def lab(emulator_session, tmp_path_factory) -> Iterator[Server]:
    """JupyterLab, shared by a module's tests (each opens its own notebook and chat)."""
    with jupyter_server("lab", tmp_path_factory.mktemp("lab"), emulator_session.base_url) as s:
        yield s


@pytest.fixture(scope="module")
def notebook7(emulator_session, tmp_path_factory) -> Iterator[Server]:
    """Notebook 7, shared by a module's tests."""
    with jupyter_server("notebook", tmp_path_factory.mktemp("nb7"), emulator_session.base_url) as s:
        yield s


@pytest.fixture
def tab(browser, request) -> Iterator:
    """A fresh browser context and page (1280x1000, downloads kept); screenshot on failure."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        if getattr(request.node, "failed_call", False):
            SHOTS.mkdir(parents=True, exist_ok=True)
            path = SHOTS / f"failure-{request.node.name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"failure screenshot: {path}")
        context.close()
