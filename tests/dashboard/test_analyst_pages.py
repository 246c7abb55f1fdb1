"""The analyst's pages in real headless Chromium on a real pipeline (broker, Redis, consumer,
decision log in PostgreSQL): the review queue updates while open and is worked by keyboard, the
decision page shows the payment, the card's history and the reasons in words, and a hostile
merchant name stays text; desktop and phone width.

``make screenshots`` (FRAUD_UPDATE_REPORTS=1) writes the screenshots into reports/screenshots,
any other run into the test's own directory."""

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from playwright.sync_api import Browser, Page, expect

from fraudcore.kafka_client import producer_config
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
REPORTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
HOSTILE = '<img src=x onerror=alert(1)> "Shop" & <b>co</b>'
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return REPORTS if os.environ.get("FRAUD_UPDATE_REPORTS") == "1" else tmp_path


@pytest.fixture
def analyst_stack(pipeline_factory, decision_log_factory):
    """A pipeline logging every decision, some history in it, and a dashboard reading the log
    (blocks wait for confirmation too)."""
    database = decision_log_factory().database_url
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", DATABASE_URL=database)
    pipeline.stream(400, rate=1_000, send_labels=False)
    dashboard = pipeline.start_dashboard(DATABASE_URL=database, DASHBOARD_QUEUE_BLOCKS="true")
    return pipeline, dashboard


def card_trip(kafka_settings, topic: str, merchant_name: str) -> tuple[str, str]:
    """Three payments on a fresh card: Lyon two days ago, Paris an hour ago, then New York with
    a hostile merchant name (rule R01: impossible travel). Returns (card id, last id)."""
    base = Transaction.model_json_schema()["examples"][0]
    now = dt.datetime.now(dt.UTC)
    card = f"card-analyst-{int(time.time() * 1000)}"
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


def open_page(browser: Browser, url: str, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    """The page, and what went wrong on it: alert() dialogs (injected script ran) and console
    errors (a blocked inline script or style, a failed request, a script error)."""
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    return page, problems


def focused_id(page: Page) -> str | None:
    return page.evaluate("document.activeElement.dataset?.id ?? null")


def keyboard_to_row(page: Page, transaction_id: str) -> None:
    """Tab to the queue's first row, then arrow down until ``transaction_id`` has the focus."""
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('tr.queued')"):
            break
    assert page.evaluate("document.activeElement.matches('tr.queued')"), "Tab never reached a row"
    rows = page.locator("tr.queued").count()
    for _ in range(rows):
        if focused_id(page) == transaction_id:
            return
        page.keyboard.press("ArrowDown")
    assert focused_id(page) == transaction_id


def test_the_queue_updates_live_and_leads_by_keyboard_to_a_decision_in_words(
    browser, analyst_stack, kafka_settings, screenshots
) -> None:
    pipeline, dashboard = analyst_stack
    page, dialogs = open_page(browser, f"{dashboard.url}/queue?order=riskiest", DESKTOP)
    expect(page.locator("tr.queued").first).to_be_visible(timeout=15_000)

    card, hostile = card_trip(kafka_settings, pipeline.topics.topic_transactions, HOSTILE)
    # Arrives without a reload: the open page re-reads the queue (riskiest first: near the top).
    row = page.locator(f'tr.queued[data-id="{hostile}"]')
    expect(row).to_be_visible(timeout=20_000)
    expect(row.locator(".merchant")).to_have_text(HOSTILE)
    assert page.locator("#queue-rows img, #queue-rows b").count() == 0
    page.screenshot(path=str(screenshots / "queue-desktop.png"))

    keyboard_to_row(page, hostile)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/decisions/{hostile}$"))
    expect(page.locator("body")).to_have_attribute("data-loaded", "all", timeout=15_000)

    title = page.locator("#decision-title .merchant-name")
    expect(title).to_have_text(HOSTILE)  # as text: nothing parsed, nothing ran
    assert page.locator("main img, main b").count() == 0
    expect(page.locator("#decision-amount")).to_contain_text("950.00")
    expect(page.locator("#decision-amount")).to_contain_text("≈")  # and in the reporting currency
    expect(page.locator("#rules")).to_contain_text("R01-IMPOSSIBLE-TRAVEL")
    reasons = page.locator("#reasons .reason-text")
    assert reasons.count() >= 1
    for text in reasons.all_inner_texts():
        assert " " in text  # words, not a feature's name
        assert not re.fullmatch(r"[a-z0-9_]+", text)
    expect(page.locator("#reasons .reason-value").first).to_contain_text(" = ")
    expect(page.locator("#score-text")).to_contain_text("threshold")
    timeline = page.locator("#timeline .moment")
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_have_attribute("aria-current", "true")
    expect(timeline.nth(1)).to_contain_text("Paris")
    expect(timeline.first).to_contain_text("km after the previous one")
    expect(page.locator("#card-map")).to_have_attribute("data-points", "3")
    expect(page.locator("#payment")).to_contain_text(card)
    expect(page.locator("#verdict")).to_be_visible()  # the place verdicts will take
    page.screenshot(path=str(screenshots / "decision-desktop.png"), full_page=True)
    assert dialogs == [], dialogs

    # The live feed's alert leads to the same page.
    live, _ = open_page(browser, dashboard.url, DESKTOP)
    alert = live.locator(f'.alert[data-id="{hostile}"]')
    expect(alert).to_be_visible(timeout=10_000)
    alert.click()
    link = live.locator("#details .open-decision")
    expect(link).to_have_attribute("href", f"/decisions/{hostile}")


def test_queue_and_decision_page_fit_a_phone(
    browser, analyst_stack, kafka_settings, screenshots
) -> None:
    pipeline, dashboard = analyst_stack
    _, hostile = card_trip(kafka_settings, pipeline.topics.topic_transactions, HOSTILE)
    page, dialogs = open_page(browser, f"{dashboard.url}/queue?country=US&amount_min=900", PHONE)
    row = page.locator(f'tr.queued[data-id="{hostile}"]')
    expect(row).to_be_visible(timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "queue-phone.png"), full_page=True)

    keyboard_to_row(page, hostile)
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-loaded", "all", timeout=15_000)
    expect(page.locator("#decision-title .merchant-name")).to_have_text(HOSTILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "decision-phone.png"), full_page=True)
    assert dialogs == [], dialogs
