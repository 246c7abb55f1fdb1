"""The analyst's pages in real headless Chromium on a real pipeline (broker, Redis, consumer,
decision log in PostgreSQL): the review queue updates while open and is worked by keyboard, the
decision page shows the payment, the card's history and the reasons in words, and a hostile
merchant name stays text; desktop and phone width.

``make screenshots`` (FRAUD_UPDATE_REPORTS=1) writes the screenshots into reports/screenshots,
any other run into the test's own directory."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

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


def test_the_queue_updates_live_and_leads_by_keyboard_to_a_decision_in_words(
    browser, analyst_stack, card_trip, open_page, keyboard_to_row, screenshots
) -> None:
    pipeline, dashboard = analyst_stack
    page, dialogs = open_page(browser, f"{dashboard.url}/queue?order=riskiest", DESKTOP)
    expect(page.locator("tr.queued").first).to_be_visible(timeout=15_000)

    card, hostile = card_trip(pipeline.topics.topic_transactions, HOSTILE)
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
    expect(page.locator("#verdict-note")).to_contain_text("Verdicts need sign-in")  # no users
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
    browser, analyst_stack, card_trip, open_page, keyboard_to_row, screenshots
) -> None:
    pipeline, dashboard = analyst_stack
    _, hostile = card_trip(pipeline.topics.topic_transactions, HOSTILE)
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
