"""Champion and challenger in the consumer's own pipeline (real Redis, real PostgreSQL), scoring
embedded or through a real scorer process (remote): the challenger scores every payment in
shadow beside the champion, its verdict is logged and never acted on, and a promotion or
rollback in the registry is taken up at the next batch; both modes log the same."""

import json
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from fraud_consumer.registry_scorer import RegistryScorer
from fraud_models.cli import main as models_cli
from fraudcore.decision_log import connect
from fraudcore.model import ModelBundle
from fraudcore.model_registry import Status
from fraudcore.schemas import ScoredTransaction
from fraudcore.scoring import verdicts

pytestmark = pytest.mark.integration

CHAMPION, CHALLENGER = "test-model-1", "test-model-2"
COLUMNS = (
    "transaction_id, score, decision, model_version, features, challenger_version, "
    "challenger_score, challenger_decision, challenger_reasons"
)


def logged(settings) -> dict[str, tuple]:
    with connect(settings) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM decisions").fetchall()
    assert len(rows) == len({row[0] for row in rows}), "a decision logged twice"
    return {row[0]: row[1:] for row in rows}


def consumer_on(factory, registry, scorer_url: str | None = None):
    """An embedded consumer on the registry's models, or a remote one on ``scorer_url``."""
    if scorer_url is not None:
        return factory(
            database_url=registry.settings.database_url,
            scoring_mode="remote",
            scorer_url=scorer_url,
        )
    return factory(database_url=registry.settings.database_url, model_store_dir=registry.store.root)


@pytest.fixture(params=["embedded", "remote"])
def scorer_url(request) -> str | None:
    """None: embedded; else a real scorer process serving the registry."""
    return None if request.param == "embedded" else request.getfixturevalue("registry_scorer_url")


def scorer_serving(url: str, versions: tuple[str, str | None]) -> float:
    """Wait until the scorer at ``url`` serves ``versions``; seconds waited."""
    began = time.monotonic()
    while True:
        with urllib.request.urlopen(f"{url}/v1/model/serving", timeout=5) as response:
            body = json.loads(response.read())
        if (body["champion"], body["challenger"]) == versions:
            return time.monotonic() - began
        assert time.monotonic() - began < 10, f"{versions} not served: {body}"
        time.sleep(0.01)


def wait_loaded(scorer: RegistryScorer, versions: tuple[str, str | None]) -> float:
    began = time.monotonic()
    while scorer.pending_versions != versions:
        assert time.monotonic() - began < 10, f"{versions} not loaded: {scorer.pending_versions}"
        time.sleep(0.01)
    return time.monotonic() - began


def test_the_challenger_scores_every_payment_in_shadow_and_decides_none(
    inprocess_consumer_factory,
    model_registry,
    challenger_dir: Path,
    transactions,
    monkeypatch,
    capsys,
    scorer_url,
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    if scorer_url is not None:
        scorer_serving(scorer_url, (CHAMPION, CHALLENGER))
    consumer = consumer_on(inprocess_consumer_factory, model_registry, scorer_url)
    result = consumer.score(transactions(80))

    rows = logged(model_registry.settings)
    assert len(rows) == len(result.outputs) == 80
    challenger = ModelBundle.load(challenger_dir)
    ids = [ScoredTransaction.from_json(o.value).transaction.transaction_id for o in result.outputs]
    matrix = np.array([rows[tx_id][3] for tx_id in ids], dtype=np.float32)
    alone = dict(zip(ids, verdicts(challenger, matrix), strict=True))  # the challenger deciding
    differ = 0
    for output in result.outputs:
        record = ScoredTransaction.from_json(output.value)  # what is acted on: the champion's
        tx_id = record.transaction.transaction_id
        score, decision, version, _, c_version, c_score, c_decision, c_reasons = rows[tx_id]
        assert (version, score, decision) == (CHAMPION, record.score, record.decision.value)
        own = alone[tx_id]
        assert (c_version, c_decision, c_reasons) == (CHALLENGER, own.decision.value, own.reasons)
        assert c_score == pytest.approx(own.score, abs=1e-6)
        differ += abs(c_score - score) > 1e-4
    assert differ > 40, "the two models gave the same scores: not two models"

    # The same counts exported per version, as the Grafana panels read them.
    exported = consumer.pipeline.metrics.registry.get_sample_value
    for role, version, column in (("champion", CHAMPION, 1), ("challenger", CHALLENGER, 6)):
        for decision in ("approve", "review", "block"):
            found = exported("fraud_model_decisions_total", {
                "model_version": version, "role": role, "decision": decision,
            })  # fmt: skip
            assert found == sum(rows[i][column] == decision for i in ids), (role, decision)
    agreed = exported("fraud_challenger_agreements_total",
                      {"model_version": CHALLENGER, "champion_version": CHAMPION})  # fmt: skip
    assert agreed == sum(rows[i][1] == rows[i][6] for i in ids)

    # fraud-models compare: the two models side by side on these payments (no label yet).
    monkeypatch.setenv("DATABASE_URL", model_registry.settings.database_url)
    assert models_cli(["compare", "--json"]) == 0
    (pair,) = json.loads(capsys.readouterr().out)
    agree = sum(rows[i][1] == rows[i][6] for i in ids)
    assert (pair["payments"], pair["agreement"]["value"]) == (80, agree / 80)
    assert pair["champion"]["model_version"] == CHAMPION
    assert (
        pair["challenger"]["alert_rate"]["value"] == sum(rows[i][6] != "approve" for i in ids) / 80
    )
    assert pair["challenger"]["recall_at_budget"]["value"] is None  # no label has arrived
    assert models_cli(["compare"]) == 0
    shown = capsys.readouterr().out
    print(shown)
    assert shown.startswith(f"champion {CHAMPION} against challenger {CHALLENGER}: 80 payments")


def assert_switched_at_each_batch(registry, txs) -> None:
    """Three batches of 30: with a challenger, after the promotion, after the rollback."""
    rows = logged(registry.settings)
    served = [(rows[tx.transaction_id][2], rows[tx.transaction_id][4]) for tx in txs]
    assert (
        served
        == [(CHAMPION, CHALLENGER)] * 30 + [(CHALLENGER, None)] * 30 + [(CHAMPION, None)] * 30
    )


def test_a_promotion_and_a_rollback_switch_at_the_next_batch(
    inprocess_consumer_factory, model_registry, transactions
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    consumer = consumer_on(inprocess_consumer_factory, model_registry)
    scorer = consumer.pipeline.scorer
    assert isinstance(scorer, RegistryScorer)
    txs = transactions(90)
    consumer.score(txs[:30])

    model_registry.promote(CHALLENGER, Status.CHAMPION)  # the old champion is retired
    wait_loaded(scorer, (CHALLENGER, None))
    consumer.score(txs[30:60])
    model_registry.rollback()
    scorer.refresh()  # as on taking partitions over: read now, whatever the watcher has done
    assert scorer.pending_versions == (CHAMPION, None)
    consumer.score(txs[60:])

    assert_switched_at_each_batch(model_registry, txs)


def test_a_promotion_and_a_rollback_switch_at_the_next_batch_of_a_remote_consumer(
    inprocess_consumer_factory, model_registry, transactions, registry_scorer_url
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    scorer_serving(registry_scorer_url, (CHAMPION, CHALLENGER))
    consumer = consumer_on(inprocess_consumer_factory, model_registry, registry_scorer_url)
    txs = transactions(90)
    consumer.score(txs[:30])
    model_registry.promote(CHALLENGER, Status.CHAMPION)
    print(f"promotion served in {scorer_serving(registry_scorer_url, (CHALLENGER, None)):.3f} s")
    consumer.score(txs[30:60])
    model_registry.rollback()
    print(f"rollback served in {scorer_serving(registry_scorer_url, (CHAMPION, None)):.3f} s")
    consumer.score(txs[60:])

    assert_switched_at_each_batch(model_registry, txs)
    # The thresholds each version decided with, read from the scorer's card of that version.
    with connect(model_registry.settings) as conn:
        thresholds = conn.execute(
            "SELECT DISTINCT model_version, review_threshold, block_threshold FROM decisions"
        ).fetchall()
    assert sorted(thresholds) == [(CHAMPION, 0.2, 0.8), (CHALLENGER, 0.2, 0.8)]


def test_a_successor_logs_the_challenger_of_decisions_it_recovers_from_redis(
    inprocess_consumer_factory, model_registry, transactions, scorer_url
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    if scorer_url is not None:
        scorer_serving(scorer_url, (CHAMPION, CHALLENGER))
    first = consumer_on(inprocess_consumer_factory, model_registry, scorer_url)
    first.score(transactions(3, prefix="warm"))
    txs = transactions(20)
    with connect(model_registry.settings) as conn:  # the log write fails, Redis has the batch
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'fraud-consumer'"
        )
    with pytest.raises(Exception, match="decision log"):
        first.process([first.decoded(tx, 100 + i) for i, tx in enumerate(txs)])

    successor = consumer_on(inprocess_consumer_factory, model_registry, scorer_url)
    again = successor.process([successor.decoded(tx, 100 + i) for i, tx in enumerate(txs)])
    assert (again.new, again.logged) == (0, 20)
    rows = logged(model_registry.settings)
    assert {rows[tx.transaction_id][4] for tx in txs} == {CHALLENGER}
    assert all(rows[tx.transaction_id][5] is not None for tx in txs)
