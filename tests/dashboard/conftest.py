"""The dashboard's tests share one headless Chromium (Debian's, driven by Playwright), start
real dashboard processes, and share the browser tests' helpers as fixtures."""

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from fraud_devstack import free_port
from fraud_devstack.services import ServiceProcess
from fraudcore.kafka_client import producer_config
from fraudcore.schemas import Transaction

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


@pytest.fixture
def card_trip(kafka_settings) -> Callable[[str, str], tuple[str, str]]:
    """send(topic, merchant name) -> (card id, last id): three payments on a fresh card, Lyon two
    days ago, Paris an hour ago, then New York at that merchant (rule R01: impossible travel)."""

    def send(topic: str, merchant_name: str) -> tuple[str, str]:
        base = Transaction.model_json_schema()["examples"][0]
        now = dt.datetime.now(dt.UTC)
        card = f"card-analyst-{time.time_ns() // 1000}"
        places = [
            (now - dt.timedelta(days=2), "Lyon", 45.764, 4.8357, "Boulangerie du Parc", 12.4),
            (now - dt.timedelta(hours=1), "Paris", 48.8566, 2.3522, "Café de la Gare", 8.9),
        ]
        fields = [
            {"event_time": when, "city": city, "lat": lat, "lon": lon, "merchant_name": name,
             "amount": amount}
            for when, city, lat, lon, name, amount in places
        ] + [
            {"event_time": now, "merchant_name": merchant_name, "lat": 40.7128, "lon": -74.006,
             "country": "US", "city": "New York", "amount": 950.0, "currency": "USD"}
        ]  # fmt: skip
        txs = [
            Transaction.model_validate(
                {**base, **payment, "transaction_id": f"{card}-{i}", "card_id": card}
            )
            for i, payment in enumerate(fields)
        ]
        producer = Producer(producer_config(kafka_settings))
        for tx in txs:
            producer.produce(topic, tx.to_json(), card.encode())
        producer.flush(10)
        return card, txs[-1].transaction_id

    return send


OpenPage = Callable[..., tuple[Page, list[str]]]


@pytest.fixture
def open_page() -> OpenPage:
    """open(browser or context, url, viewport=None) -> (page, problems): alert() dialogs (an
    injected script ran) and console errors (a blocked inline script or style, a failed
    request, a script error) seen on the page."""

    def open_(where: Browser | BrowserContext, url: str, viewport: dict[str, int] | None = None):
        page = where.new_page(**({"viewport": viewport} if viewport else {}))
        problems: list[str] = []
        page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(url)
        return page, problems

    return open_


def focused_id(page: Page) -> str | None:
    return page.evaluate("document.activeElement.dataset?.id ?? null")


@pytest.fixture
def keyboard_to_row() -> Callable[[Page, str], None]:
    """to(page, id): Tab to the queue's first row, then arrow down until the row of ``id`` has
    the focus (fails when it never does)."""

    def to(page: Page, transaction_id: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('tr.queued')"):
                break
        assert page.evaluate("document.activeElement.matches('tr.queued')"), "no row by Tab"
        for _ in range(page.locator("tr.queued").count()):
            if focused_id(page) == transaction_id:
                return
            page.keyboard.press("ArrowDown")
        assert focused_id(page) == transaction_id

    return to
