"""The review queue through the dashboard, a real process on a real PostgreSQL: the decisions
waiting for an analyst (policy: reviews, blocks too when set), filters, pages by cursor, and a
precise 422 for every bad parameter."""

import datetime as dt
import random

import httpx
import pytest

from fraudcore.decision_log import DecisionLogWriter, DecisionRow, apply_labels, connect, migrate
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Label, Timings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def _row(i: int, rng: random.Random) -> DecisionRow:
    at = DAY0 + dt.timedelta(seconds=rng.randrange(2 * 86_400))
    features = [1.0] * len(FEATURE_NAMES)
    return DecisionRow(
        transaction_id=f"tx-{i:04d}", event_time=at, card_id=f"card-{i % 7}",
        merchant_id=f"m-{i % 5}", amount=float(10 * i + 5), currency="EUR",
        features=features, score=round(rng.random(), 2), model_version=f"m-{i % 2}",
        thresholds=Thresholds(review=0.5, block=0.9), rules=[], reasons=["new_country"],
        decision=rng.choice(list(Decision)), timings=Timings(), source_partition=0,
        source_offset=i, decided_at=at, country=rng.choice(["FR", "NL"]),
    )  # fmt: skip


@pytest.fixture
def log_url(database_factory) -> tuple[str, list[DecisionRow]]:
    """150 decisions by the production writer, ten of the queued ones labelled."""
    settings, rng = database_factory(), random.Random(11)
    rows = [_row(i, rng) for i in range(150)]
    queued = [row for row in rows if row.decision is not Decision.APPROVE]
    closed = {row.transaction_id for row in queued[:10]}
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(rows)
        apply_labels(conn, [Label(transaction_id=i, is_fraud=True, scenario="x",
                                  labelled_at=DAY0) for i in closed])  # fmt: skip
    return settings.database_url, [row for row in queued if row.transaction_id not in closed]


def _pages(client: httpx.Client, **params: object) -> list[dict]:
    items, after = [], None
    while True:
        response = client.get(
            "/api/queue", params={**params, **({"after": after} if after else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        after = page["next"]
        if after is None:
            return items


def test_the_queue_pages_what_policy_sends_to_an_analyst(log_url, start_dashboard):
    url, waiting = log_url
    plain = httpx.Client(base_url=start_dashboard(DATABASE_URL=url).url, timeout=10)
    reviews = sorted((r for r in waiting if r.decision is Decision.REVIEW),
                     key=lambda r: (r.event_time, r.transaction_id))  # fmt: skip
    items = _pages(plain, limit=9)
    assert [item["transaction_id"] for item in items] == [r.transaction_id for r in reviews]
    assert items[0]["reasons_in_words"] == [
        {"feature": "new_country", "text": "first payment in this country"}
    ]
    assert plain.get("/api/queue").json()["decisions"] == ["review"]

    confirming = httpx.Client(
        base_url=start_dashboard(DATABASE_URL=url, DASHBOARD_QUEUE_BLOCKS="true").url, timeout=10
    )
    riskiest = sorted(waiting, key=lambda r: (-r.score, r.event_time, r.transaction_id))
    items = _pages(confirming, order="riskiest", limit=11)
    assert [item["transaction_id"] for item in items] == [r.transaction_id for r in riskiest]
    chosen = [
        r for r in riskiest if r.decision is Decision.BLOCK and r.country == "NL"
        and 100 <= r.amount <= 1_000 and r.model_version == "m-1"
    ]  # fmt: skip
    assert chosen
    items = _pages(confirming, order="riskiest", decision="block", country="NL", amount_min=100,
                   amount_max=1000, model_version="m-1", since="2026-03-01T00:00:00Z",
                   until="2026-03-05T00:00:00+00:00", limit=2)  # fmt: skip
    assert [item["transaction_id"] for item in items] == [r.transaction_id for r in chosen]


BAD = [
    ({"decision": "block"}, "decision", "block not queued (queued: review)"),
        ({"decision": "maybe"}, "decision", "Input should be"),
        ({"country": "nl"}, "country", "String should match pattern"),
        ({"amount_min": 5, "amount_max": 1}, "amount_min", "greater than amount_max"),
        ({"amount_min": -1}, "amount_min", "greater than or equal to 0"),
        ({"amount_max": "inf"}, "amount_max", "finite number"),
        ({"since": "2026-03-02T00:00:00"}, "since", "must carry a time zone"),
        ({"since": "2026-03-03T00:00:00Z", "until": "2026-03-02T00:00:00Z"}, "since",
         "not before until"),
        ({"limit": 0}, "limit", "greater than or equal to 1"),
        ({"limit": 201}, "limit", "less than or equal to 200"),
        ({"order": "newest"}, "order", "Input should be 'oldest' or 'riskiest'"),
        ({"after": "garbage"}, "after", "not a cursor this queue returned"),
        ({"model_version": "a b"}, "model_version", "String should match pattern"),
]  # fmt: skip


def test_every_bad_parameter_gets_a_422_naming_it(log_url, start_dashboard):
    client = httpx.Client(base_url=start_dashboard(DATABASE_URL=log_url[0]).url, timeout=10)
    for params, parameter, message in BAD:
        response = client.get("/api/queue", params=params)
        assert response.status_code == 422, (params, response.text)
        [error] = response.json()["detail"]
        assert error["loc"][:2] == ["query", parameter], (params, error)
        assert message in error["msg"], (params, error)


def test_a_cursor_of_the_other_order_is_refused_and_no_log_is_a_503(log_url, start_dashboard):
    client = httpx.Client(base_url=start_dashboard(DATABASE_URL=log_url[0]).url, timeout=10)
    cursor = client.get("/api/queue", params={"limit": 1}).json()["next"]
    wrong = client.get("/api/queue", params={"after": cursor, "order": "riskiest"})
    assert wrong.status_code == 422
    assert "a cursor of the oldest order, not riskiest" in wrong.json()["detail"][0]["msg"]
    without = httpx.Client(base_url=start_dashboard().url, timeout=10)
    response = without.get("/api/queue")
    assert response.status_code == 503
    assert response.json() == {"detail": "decision log not configured: set DATABASE_URL"}
