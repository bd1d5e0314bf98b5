"""Browser test harness: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test session (per xdist worker); each test gets a fresh context and page.
Screenshots go to artifacts/screenshots/<test name>/<step>.png at the repository root.
Playwright's own browser download is never used: Chromium comes from Debian
(scripts/ensure-system-deps installs `chromium` and `fonts-noto-cjk`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 740}


class Remote:
    """A Playwright object living on the browser thread, used from the test's thread.

    Playwright's sync API keeps an asyncio loop running in the thread that started it; Django
    then hands that thread other database connections than the test database's (they are
    context-local once a loop runs). So Playwright gets a thread of its own and every call
    crosses over to it; what comes back from Playwright is wrapped the same way.
    """

    __slots__ = ("_pool", "_target")

    def __init__(self, target: Any, pool: ThreadPoolExecutor) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_pool", pool)

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        args = tuple(a._target if isinstance(a, Remote) else a for a in args)
        return _wrap(self._pool.submit(fn, *args, **kwargs).result(), self._pool)

    def __getattr__(self, name: str) -> Any:
        value = self._pool.submit(getattr, self._target, name).result()
        if callable(value) and not isinstance(value, type):
            return lambda *args, **kwargs: self._call(value, *args, **kwargs)
        return _wrap(value, self._pool)

    def __enter__(self) -> Any:
        return self._call(self._target.__enter__)

    def __exit__(self, *exc: Any) -> Any:
        return self._call(self._target.__exit__, *exc)

    def __repr__(self) -> str:
        return f"Remote({self._target!r})"


def _wrap(value: Any, pool: ThreadPoolExecutor) -> Any:
    return Remote(value, pool) if type(value).__module__.startswith("playwright.") else value


@dataclass
class Browsing:
    """A page plus what the tests keep asking of it."""

    page: Any
    base_url: str
    shots_dir: Path
    # (url, encoded body bytes + header bytes) of every request since the last reset.
    transfers: list[tuple[str, int]] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    # Console errors and uncaught exceptions: CSP violations and failed loads show up here.
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        host = urlsplit(self.base_url).netloc
        self.page.on("requestfinished", self._finished)
        self.page.on("request", lambda request: self._check_host(request.url, host))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _check_host(self, url: str, host: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != host:
            self.foreign.append(url)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        # A form sent back with its errors answers 422; Chromium logs that about the page itself.
        document = message.location.get("url", "").split("#")[0] == message.page.url.split("#")[0]
        if document and message.text.startswith("Failed to load resource"):
            return
        self.errors.append(message.text)

    def _finished(self, request: Any) -> None:
        sizes = request.sizes()
        self.transfers.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    def goto(self, path: str) -> Any:
        self.transfers.clear()
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def shot(self, step: str) -> Path:
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        path = self.shots_dir / f"{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_horizontal_overflow(self) -> None:
        width, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{self.page.url}: the page is {width}px wide in a {inner}px viewport"

    def check(self, step: str) -> None:
        """What every page must pass: fits the viewport, loads nothing from elsewhere, no errors in
        the console (a CSP violation or a missing file would show there); then a screenshot."""
        self.assert_no_horizontal_overflow()
        assert self.foreign == [], f"requests to other sites: {self.foreign}"
        assert self.errors == [], f"{self.page.url}: console errors {self.errors}"
        self.shot(step)

    def wait_for_count(self, selector: str, count: int, timeout: float = 10.0) -> None:
        """Poll until `selector` matches `count` elements (wait_for_function would need eval,
        which our CSP forbids)."""
        deadline = time.monotonic() + timeout
        while (found := self.page.locator(selector).count()) != count:
            assert time.monotonic() < deadline, f"{selector}: {found} elements, expected {count}"
            time.sleep(0.05)

    def transfer_size(self, path: str) -> int:
        """Bytes over the wire to load `path` afresh: the page and everything it pulls in
        (encoded bodies + headers), with the browser cache off, as on a first visit."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        try:
            self.goto(path)
        finally:
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
            cdp.detach()
        return sum(size for _url, size in self.transfers)

    def sign_in(self, login: str, password: str) -> None:
        self.goto("/login/")
        self.page.fill("input[name=username]", login)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-system-deps (installs Debian's chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
    playwright = pool.submit(lambda: sync_playwright().start()).result()
    try:
        browser = pool.submit(
            playwright.chromium.launch, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        ).result()
        yield Remote(browser, pool)
        pool.submit(browser.close).result()
    finally:
        pool.submit(playwright.stop).result()
        pool.shutdown()


def _shots_dir(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    return Path(request.config.rootpath) / "artifacts" / "screenshots" / name


def _browsing(chromium: Any, live_server: Any, request: pytest.FixtureRequest, **options: Any) -> Iterator[Browsing]:
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    # Generous: the machine is small and shared, and a slow answer is not what these tests test.
    context.set_default_timeout(30_000)
    try:
        yield Browsing(page=context.new_page(), base_url=live_server.url, shots_dir=_shots_dir(request))
    finally:
        context.close()


@pytest.fixture
def phone(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    """A 360-px-wide phone."""
    yield from _browsing(chromium, live_server, request, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def phone_without_js(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    yield from _browsing(chromium, live_server, request, viewport=PHONE, java_script_enabled=False)


@pytest.fixture
def desktop(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    yield from _browsing(chromium, live_server, request, viewport={"width": 1280, "height": 900})
