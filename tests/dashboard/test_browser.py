"""The dashboard in real headless Chromium (Debian's, driven by Playwright) on a real pipeline.

The README's screenshots come from here: ``make screenshots`` (FRAUD_UPDATE_REPORTS=1) writes
them into reports/screenshots, any other run into the test's own directory."""

import datetime as dt
import os
import re
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from playwright.sync_api import Browser, Page, expect

from fraudcore.kafka_client import producer_config
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
REPORTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
XSS = "<img src=x onerror=alert(1)>"
NO_VALUE = "\u2013"  # the en dash the page shows before the first figures


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return REPORTS if os.environ.get("FRAUD_UPDATE_REPORTS") == "1" else tmp_path


@pytest.fixture
def live(pipeline_factory):
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded")
    return pipeline, pipeline.start_dashboard()


def impossible_trip(kafka_settings, topic: str, merchant_name: str) -> str:
    """Two payments on one fresh card, Paris then New York a minute later: rule R01 flags it."""
    base = Transaction.model_json_schema()["examples"][0]
    now = dt.datetime.now(dt.UTC)
    card = f"card-xss-{int(time.time() * 1000)}"
    first = Transaction.model_validate(
        {**base, "transaction_id": f"{card}-1", "card_id": card, "event_time": now}
    )
    second = Transaction.model_validate(
        {
            **base,
            "transaction_id": f"{card}-2",
            "card_id": card,
            "event_time": now + dt.timedelta(minutes=1),
            "merchant_name": merchant_name,
            "lat": 40.7128,
            "lon": -74.006,
            "country": "US",
            "city": "New York",
            "amount": 950.0,
            "currency": "USD",
        }
    )
    producer = Producer(producer_config(kafka_settings))
    for tx in (first, second):
        producer.produce(topic, tx.to_json(), card.encode())
    producer.flush(10)
    return second.transaction_id


def total(page: Page) -> int:
    text = page.locator("#total").inner_text()
    return int(re.sub(r"[^0-9]", "", text) or 0)


def open_page(browser: Browser, url: str, width: int, height: int) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("live", timeout=10_000)
    return page, dialogs


def test_points_alerts_counters_details_and_no_script_injection(
    browser, live, kafka_settings, screenshots
) -> None:
    pipeline, dashboard = live
    page, dialogs = open_page(browser, dashboard.url, 1366, 768)
    started = time.monotonic()
    background = threading.Thread(target=lambda: pipeline.stream(600, rate=200, send_labels=False))
    background.start()
    # (wait_for_function would need eval, which our CSP rightly forbids: poll with locators.)
    # Generous bounds: these check what is shown; how fast is the benchmark's to measure (a
    # fresh broker's first producer may wait seconds for its id on a loaded machine).
    expect(page.locator("#points")).to_have_attribute(
        "data-points", re.compile(r"^[1-9]"), timeout=20_000
    )
    points_after = time.monotonic() - started

    produced = time.monotonic()
    impossible_trip(kafka_settings, pipeline.topics.topic_transactions, XSS)
    flagged = page.locator(".alert .merchant", has_text=XSS)
    expect(flagged).to_be_visible(timeout=15_000)
    alert_after = time.monotonic() - produced

    expect(page.locator("#total")).not_to_have_text(NO_VALUE, timeout=15_000)
    first = total(page)
    # The first stream may have ended by now (transactions commit its alerts later): a second
    # one, of other payments, must move the counter while the page is open.
    more = threading.Thread(
        target=lambda: pipeline.stream(100, rate=200, send_labels=False, seed=12)
    )
    more.start()
    deadline = time.monotonic() + 10
    while total(page) <= first and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert total(page) > first
    more.join()

    assert page.locator("#alerts img").count() == 0  # the name was shown as text, not parsed
    assert flagged.first.text_content() == XSS
    flagged.first.click()
    dialog = page.locator("#details")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Features")).to_be_visible()
    expect(dialog.locator("#details-title")).to_contain_text(XSS)
    expect(dialog.locator(".rules")).to_contain_text("R01-IMPOSSIBLE-TRAVEL")
    assert dialog.locator("img").count() == 0
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    background.join()
    assert dialogs == []  # nothing ran: no alert() ever opened
    assert page.locator("#model-version").inner_text() == "test-model-1"
    expect(page.locator("#world")).to_contain_text("world time 20")  # the latest payment's
    page.screenshot(path=str(screenshots / "dashboard-desktop.png"))
    print(f"first points after {points_after:.2f} s; alert {alert_after:.2f} s after its payment")


def test_keyboard_reaches_an_alert_and_the_phone_layout_fits(
    browser, live, kafka_settings, screenshots
) -> None:
    pipeline, dashboard = live
    pipeline.stream(300, rate=1_000, send_labels=False)
    impossible_trip(kafka_settings, pipeline.topics.topic_transactions, "Corner Shop")
    page, dialogs = open_page(browser, dashboard.url, 390, 844)
    expect(page.locator(".alert").first).to_be_visible(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    for _ in range(14):  # the header: two page links, the search box and its button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('alert')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('alert')")
    page.keyboard.press("Enter")
    expect(page.locator("#details")).to_be_visible()
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('alert')")  # focus returns
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "dashboard-phone.png"), full_page=True)
    assert dialogs == []
