"""Browser fixtures: gunicorn and the worker on a fresh database; Debian's Chromium via Playwright.

Chromium is `/usr/bin/chromium` (Debian's package: Playwright's own browser download does not work
here). Without it the tests skip, except in CI (CP_REQUIRE_SERVICES=1), where they fail.
Every step's screenshot goes to tests/browser/screenshots/<test>/ (git-ignored): look at them.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import services_required
from tests.live.server import MASTER_KEY, fresh_database, live_server, server_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = Path(__file__).parent / "screenshots"
ADMIN_USERNAME = "first-admin"
ADMIN_PASSWORD = "browser-test-passphrase-7431"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium"
        if services_required():
            pytest.fail(f"{reason} (CI requires the browser tests; .ci/run installs it)")
        pytest.skip(reason)
    return CHROMIUM


class Server:
    """The live deployment: its base URL, its log, and calls to its API."""

    def __init__(self, base: str, log: Path) -> None:
        self.base = base
        self.log = log

    def api(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def master(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        return self.api(method, path, MASTER_KEY, body)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    log = tmp / "server.log"
    with fresh_database(tmp) as database_url:
        env = server_env(
            database_url,
            ADMIN_USERNAME=ADMIN_USERNAME,
            ADMIN_EMAIL="first-admin@example.com",
            ADMIN_PASSWORD=ADMIN_PASSWORD,
        )
        setup = [["bootstrap_admin", "--no-input"]]
        with live_server(env, workers=2, setup=setup, log=log) as base:
            yield Server(base, log)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def signed_in(browser: Any, server: Server) -> dict:
    """Sign in once through the login form, as a person does; later pages reuse the session."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server.base)
    page = context.new_page()
    shots = Shots(page, SCREENSHOTS / "00-sign-in")
    page.goto("/admin/")
    shots("login-page")
    page.get_by_label("Username").fill(ADMIN_USERNAME)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#site-name")
    assert "Log in" not in page.title(), "signing in failed"
    shots("index")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def page(browser: Any, server: Server, signed_in: dict, request: pytest.FixtureRequest) -> Any:
    context = browser.new_context(viewport=VIEWPORT, base_url=server.base, storage_state=signed_in)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shots(page: Any, request: pytest.FixtureRequest) -> Shots:
    name = re.sub(r"^test_", "", request.node.name)[:60]
    return Shots(page, SCREENSHOTS / name)
