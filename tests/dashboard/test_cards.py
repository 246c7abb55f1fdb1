"""A card's recent decisions through the dashboard, a real process on a real PostgreSQL: newest
first, up to a moment, with the whole payment, its amount in the reporting currency and the
label once it arrived; a precise 422 for a bad parameter."""

import datetime as dt

import httpx
import pytest

from fraudcore.decision_log import DecisionLogWriter, DecisionRow, apply_labels, connect, migrate
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Label, Timings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
BAD = [
    ("/api/cards/card-a/decisions", {"limit": 0}, "limit"),
    ("/api/cards/card-a/decisions", {"limit": 201}, "limit"),
    ("/api/cards/card-a/decisions", {"until": "2026-03-02T10:00:00"}, "until"),
    ("/api/cards/card-a/decisions", {"until": "yesterday"}, "until"),
    ("/api/cards/%3Cscript%3E/decisions", {}, "card_id"),
]


def _row(i: int, card: str, currency: str = "EUR") -> DecisionRow:
    at = DAY0 + dt.timedelta(hours=7 * i)  # across several day partitions
    return DecisionRow(
        transaction_id=f"tx-{card}-{i}", event_time=at, card_id=card, merchant_id=f"m-{i}",
        amount=117.0, currency=currency, features=[1.0] * len(FEATURE_NAMES), score=0.1 * i,
        model_version="m-1", thresholds=Thresholds(review=0.5, block=0.9), rules=[],
        reasons=[], decision=Decision.REVIEW if i == 5 else Decision.APPROVE,
        timings=Timings(), source_partition=0, source_offset=i, decided_at=at, country="FR",
        customer_id="cust-1", merchant_name=f"<b>Shop {i}</b>", merchant_category="5411",
        channel="pos", city="Lyon", lat=45.76 + i / 100, lon=4.83, device_id=None,
    )  # fmt: skip


@pytest.fixture
def client(database_factory, start_dashboard) -> httpx.Client:
    settings = database_factory()
    rows = [_row(i, "card-a", "USD") for i in range(6)] + [_row(i, "card-b") for i in range(3)]
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(rows)
        apply_labels(conn, [Label(transaction_id="tx-card-a-4", is_fraud=True,
                                  scenario="card_testing", labelled_at=DAY0)])  # fmt: skip
    dashboard = start_dashboard(DATABASE_URL=settings.database_url)
    return httpx.Client(base_url=dashboard.url, timeout=10)


def test_a_cards_decisions_newest_first_up_to_a_moment_and_bad_parameters_named(client) -> None:
    body = client.get("/api/cards/card-a/decisions").json()
    assert body["card_id"] == "card-a"
    assert [item["transaction_id"] for item in body["items"]] == [
        f"tx-card-a-{i}" for i in (5, 4, 3, 2, 1, 0)
    ]  # the other card's never
    newest = body["items"][0]
    assert (newest["merchant_name"], newest["city"], newest["channel"]) == (
        "<b>Shop 5</b>",
        "Lyon",
        "pos",
    )  # stored and served as the text it is
    assert newest["lat"] == pytest.approx(45.81)
    assert (newest["amount"], newest["currency"]) == (117.0, "USD")
    assert (newest["reporting_amount"], newest["reporting_currency"]) == (100.0, "EUR")
    assert newest["label"] is None
    assert body["items"][1]["label"]["scenario"] == "card_testing"

    until = (DAY0 + dt.timedelta(hours=21)).isoformat()  # decision 3's event time, included
    page = client.get("/api/cards/card-a/decisions", params={"until": until, "limit": 2}).json()
    assert [item["transaction_id"] for item in page["items"]] == ["tx-card-a-3", "tx-card-a-2"]
    assert client.get("/api/cards/nobody/decisions").json()["items"] == []

    # A bad parameter: 422 naming it.
    for path, params, where in BAD:
        response = client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][-1] == where
