"""An analyst works the review queue end to end in real headless Chromium, on a real pipeline
(Kafka broker, Redis, consumer, decision log in PostgreSQL, dashboard with a users file): signs
in on the sign-in page, reaches an alert by keyboard only, reads the reasons in words, confirms
fraud with a comment; the label reaches ``transaction-labels`` (source analyst) and, through the
consumer, the decision log; the queue open in a second browser context (a viewer's) drops the
case without a reload; that viewer sees the verdict buttons disabled, and forcing them gets the
server's 403 shown on the page. Waits are on conditions, with room for a loaded machine."""

import os
import re
import time
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Page, expect

from fraud_dashboard.auth.users import hash_password
from fraudcore.schemas import Label, LabelSource

pytestmark = pytest.mark.integration
REPORTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PASSWORDS = {"ana": "ana-correct-horse-1", "vic": "vic-battery-staple-2"}
ROLES = {"ana": "analyst", "vic": "viewer"}
SHOP = "Times Square Electronics"
QUEUE = "/queue?country=US&amount_min=900"  # the trip's New York payment, and few others
FORBIDDEN = "Failed to load resource: the server responded with a status of 403"


@pytest.fixture
def desk(pipeline_factory, decision_log_factory, tmp_path):
    """A pipeline logging every decision (some traffic in it) and a dashboard with an analyst
    and a viewer in its users file, sending verdicts' labels to the pipeline's label topic."""
    database = decision_log_factory().database_url
    users = tmp_path / "users"
    users.write_text(
        "".join(f"{name}:{ROLES[name]}:{hash_password(pw)}\n" for name, pw in PASSWORDS.items())
    )
    users.chmod(0o600)
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", DATABASE_URL=database)
    pipeline.stream(300, rate=1_000, send_labels=False)
    dashboard = pipeline.start_dashboard(
        DATABASE_URL=database, DASHBOARD_QUEUE_BLOCKS="true", DASHBOARD_USERS_FILE=users,
        DASHBOARD_COOKIE_SECURE="false",
    )  # fmt: skip
    return pipeline, dashboard, database


def sign_in(page: Page, name: str) -> None:
    """From any page: the header's sign-in link, name and password typed, Enter; back where
    the page was."""
    before = page.url
    page.locator("#sign-in-link").click()
    expect(page.locator("body")).to_have_attribute("data-loaded", "sign-in", timeout=15_000)
    expect(page.locator("#sign-in-name")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS[name])
    page.keyboard.press("Enter")
    expect(page).to_have_url(before, timeout=15_000)
    expect(page.locator("#account")).to_have_attribute("data-state", ROLES[name], timeout=15_000)


def logged_label(database: str, transaction_id: str, timeout_s: float = 90.0) -> tuple:
    """The label the consumer applied to the decision log, once it has."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(database, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT is_fraud, source, analyst FROM decision_labels WHERE transaction_id = %s",
                (transaction_id,),
            ).fetchone()
            if row is not None:
                return row
            time.sleep(0.5)
    raise AssertionError(f"no label logged for {transaction_id} within {timeout_s} s")


def test_an_analyst_confirms_fraud_by_keyboard_and_every_open_queue_follows(
    browser, desk, card_trip, open_page, keyboard_to_row, topic_reader
) -> None:
    pipeline, dashboard, database = desk
    watcher_context = browser.new_context(viewport=DESKTOP)
    watcher, watcher_problems = open_page(watcher_context, f"{dashboard.url}{QUEUE}")
    sign_in(watcher, "vic")

    _, target = card_trip(pipeline.topics.topic_transactions, SHOP)
    watched = watcher.locator(f'tr.queued[data-id="{target}"]')
    expect(watched).to_be_visible(timeout=30_000)  # a new alert moves the queue's version

    analyst_context = browser.new_context(viewport=DESKTOP)
    page, problems = open_page(analyst_context, f"{dashboard.url}{QUEUE}")
    expect(page.locator("#account")).to_have_attribute("data-state", "anonymous", timeout=15_000)
    sign_in(page, "ana")
    expect(page.locator(f'tr.queued[data-id="{target}"]')).to_be_visible(timeout=30_000)
    keyboard_to_row(page, target)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/decisions/{target}$"))
    expect(page.locator("body")).to_have_attribute("data-loaded", "all", timeout=30_000)

    expect(page.locator("#decision-title .merchant-name")).to_have_text(SHOP)
    reasons = page.locator("#reasons .reason-text")
    assert reasons.count() >= 1
    assert all(" " in text for text in reasons.all_inner_texts())  # words, not feature names
    expect(page.locator("#rules")).to_contain_text("R01-IMPOSSIBLE-TRAVEL")
    expect(page.locator("#verdict-note")).to_contain_text("Signed in as ana")
    expect(page.locator("#case-history")).to_contain_text("no verdict or label yet")

    page.locator("#verdict-comment").focus()
    page.keyboard.type("New York an hour after Paris; cardholder confirms")
    page.keyboard.press("Tab")
    expect(page.locator("#verdict-fraud")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#verdict-result")).to_contain_text("Recorded: ana confirmed fraud")
    expect(page.locator("#case-history")).to_contain_text("ana confirmed fraud")
    expect(page.locator("#case-history .case-comment")).to_have_text(
        "New York an hour after Paris; cardholder confirms"
    )
    # The other browser's queue drops the case on the version's next poll (about a second),
    # well before its slow fallback re-read (15 s) would.
    expect(watched).to_have_count(0, timeout=12_000)

    (message,) = topic_reader(pipeline.topics.topic_labels, expected=1, idle_s=5)
    label = Label.from_json(message.value())
    assert (label.transaction_id, label.is_fraud, label.source, label.analyst) == (
        target, True, LabelSource.ANALYST, "ana"
    )  # fmt: skip
    assert logged_label(database, target) == (True, "analyst", "ana")  # through the consumer
    page.reload()
    expect(page.locator("#case-history")).to_contain_text(
        "label from analyst ana: fraud", timeout=15_000
    )
    if os.environ.get("FRAUD_UPDATE_REPORTS") == "1":
        page.screenshot(path=str(REPORTS / "verdict-desktop.png"), full_page=True)

    # The viewer: buttons shown disabled; enabled by force, the server still says no.
    watcher.goto(f"{dashboard.url}/decisions/{target}")
    expect(watcher.locator("body")).to_have_attribute("data-loaded", "all", timeout=30_000)
    expect(watcher.locator("#verdict-note")).to_contain_text("only analysts give verdicts")
    expect(watcher.locator("#verdict-genuine")).to_be_disabled()
    watcher.evaluate(
        "document.querySelectorAll('#verdict-form button').forEach(b => b.disabled = false)"
    )
    watcher.locator("#verdict-genuine").click()
    problem = watcher.locator("#verdict-problem")
    expect(problem).to_be_visible(timeout=15_000)
    expect(problem).to_have_text(
        "Refused (403 Forbidden): vic is a viewer: only an analyst may give verdicts"
    )
    with psycopg.connect(database) as conn:
        given = conn.execute("SELECT analyst, verdict FROM case_verdicts").fetchall()
    assert given == [("ana", "fraud")]

    page.locator("#sign-out").click()
    expect(page.locator("#account")).to_have_attribute("data-state", "anonymous", timeout=15_000)
    expect(page.locator("#verdict-form")).to_be_hidden()
    assert problems == [], problems
    assert [p for p in watcher_problems if not p.startswith(FORBIDDEN)] == [], watcher_problems
