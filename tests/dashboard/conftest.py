"""The dashboard's tests share one headless Chromium (Debian's, driven by Playwright) and start
real dashboard processes."""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from fraud_devstack import free_port
from fraud_devstack.services import ServiceProcess

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
        "--disable-background-networking", "--disable-component-update"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def start_dashboard(redis_url, tmp_path, monkeypatch) -> Iterator[Callable[..., ServiceProcess]]:
    """start(**env) -> a running fraud-dashboard process on a free port."""
    monkeypatch.delenv("DATABASE_URL", raising=False)  # only what a test passes
    started: list[ServiceProcess] = []

    def start(**env: object) -> ServiceProcess:
        port = free_port()
        values = {
            "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": f"t-{uuid.uuid4().hex[:8]}:",
            "DASHBOARD_HOST": "127.0.0.1", "DASHBOARD_PORT": port, **env,
        }  # fmt: skip
        process = ServiceProcess(
            f"dashboard-{len(started)}",
            "fraud_dashboard.main",
            {key: str(value) for key, value in values.items()},
            tmp_path,
            f"http://127.0.0.1:{port}/readyz",
        )
        process.url = f"http://127.0.0.1:{port}"
        started.append(process)
        return process.start(timeout_s=60)

    yield start
    for process in started:
        process.stop()
