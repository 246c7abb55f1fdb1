"""The baseline rules (data) decide exactly as the hard-coded R01-R04 they replaced, row for row:
on a simulated world scored by the committed model, and on rows built at every rule's edges.
The known-compromised policy's R05, in the baseline too, reads a list: with no list loaded it
never fires, so the whole baseline decides as before.

The oracle below is the policy as it stood in ``fraudcore.decisions`` before the rules engine,
kept verbatim as the specification the migration must meet."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.rules import BASELINE_RULES, Batch, RuleSet
from fraudcore.rules.baseline import KNOWN_COMPROMISED
from fraudcore.schemas import Decision

COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[3] / "training" / "artifacts"
Column = Callable[[str], npt.NDArray[np.float32]]
INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}
ORACLE: tuple[tuple[str, Callable[[Column], npt.NDArray[np.bool_]]], ...] = (
    (
        "R01-IMPOSSIBLE-TRAVEL",
        lambda c: (c("distance_from_last_km") > 1_000) & (c("speed_from_last_kmh") > 1_000),
    ),
    (
        "R02-CARD-TESTING",
        lambda c: (
            (c("channel_online") == 1.0)
            & (c("amount") < 10.0)
            & (c("new_merchant") == 1.0)
            & (c("card_count_1h") >= 4.0)
        ),
    ),
    (
        "R03-NEW-DEVICE-HIGH-AMOUNT",
        lambda c: (c("new_device") == 1.0) & (c("amount_to_card_mean") > 8.0),
    ),
    (
        "R04-RISKY-TERMINAL",
        lambda c: (c("merchant_labels_30d") >= 10) & (c("merchant_risk_30d") >= 0.5),
    ),
)
# Each rule's columns and the edges its comparisons sit on.
EDGES = {
    "distance_from_last_km": 1_000.0,
    "speed_from_last_kmh": 1_000.0,
    "channel_online": 1.0,
    "amount": 10.0,
    "new_merchant": 1.0,
    "card_count_1h": 4.0,
    "new_device": 1.0,
    "amount_to_card_mean": 8.0,
    "merchant_labels_30d": 10.0,
    "merchant_risk_30d": 0.5,
}


BASELINE = RuleSet.compile(BASELINE_RULES)
DECISIONS = (Decision.APPROVE, Decision.REVIEW, Decision.BLOCK)


def by_the_engine(
    scores: npt.NDArray[np.float32], rows: npt.NDArray[np.float32], thresholds: Thresholds
) -> list[tuple[Decision, list[str]]]:
    model = (scores >= thresholds.review).astype(np.int8) + (scores >= thresholds.block)
    decided = BASELINE.decide(model, Batch.of_rows(rows))
    pairs = zip(decided.levels.tolist(), decided.fired, strict=True)
    return [(DECISIONS[level], fired) for level, fired in pairs]


def hard_coded(
    scores: npt.NDArray[np.float32], rows: npt.NDArray[np.float32], thresholds: Thresholds
) -> list[tuple[Decision, list[str]]]:
    with np.errstate(invalid="ignore"):
        fired = [(rule_id, fires(lambda name: rows[:, INDEX[name]])) for rule_id, fires in ORACLE]
    block = scores >= thresholds.block
    flagged = block | (scores >= thresholds.review)
    for _, mask in fired:
        flagged |= mask
    decided: list[tuple[Decision, list[str]]] = []
    for i in range(len(scores)):
        if not flagged[i]:
            decided.append((Decision.APPROVE, []))
            continue
        rules = [rule_id for rule_id, mask in fired if mask[i]]
        decided.append((Decision.BLOCK if block[i] else Decision.REVIEW, rules))
    return decided


@pytest.fixture(scope="module")
def world() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], Thresholds]:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    rows = replay(generate(DatasetSpec(days=5, customers=1_500, seed=11))).astype(np.float32)
    return model.predict(rows), rows, model.card.thresholds


def test_the_rules_are_the_baseline_in_the_same_order() -> None:
    policy, *hard_coded_ones = BASELINE.active  # R05 first: the highest priority
    assert policy.definition == KNOWN_COMPROMISED
    assert [rule.id for rule in hard_coded_ones] == [rule_id for rule_id, _ in ORACLE]


def test_a_simulated_world_is_decided_row_for_row_as_before(world) -> None:
    scores, rows, thresholds = world
    new, old = by_the_engine(scores, rows, thresholds), hard_coded(scores, rows, thresholds)
    assert new == old
    fired = {rule for _, rules in old for rule in rules}
    # Evidence that the comparison means something: the world makes rules and the model fire.
    assert {"R01-IMPOSSIBLE-TRAVEL", "R02-CARD-TESTING", "R03-NEW-DEVICE-HIGH-AMOUNT"} <= fired
    assert {decision for decision, _ in old} == set(Decision)


def test_rows_at_every_edge_are_decided_as_before() -> None:
    """Each rule column at its edge, a float32 step either side, NaN, infinities and zero."""
    rng = np.random.default_rng(25)
    size = 50_000
    rows = rng.normal(0, 1, (size, len(FEATURE_NAMES))).astype(np.float32)
    for name, edge in EDGES.items():
        edge32 = np.float32(edge)
        choices = np.array(
            [edge32, np.nextafter(edge32, np.float32(-np.inf)), np.nextafter(edge32, np.inf),
             np.nan, np.inf, -np.inf, 0.0, 1.0, edge32 * 3],
            dtype=np.float32,
        )  # fmt: skip
        rows[:, INDEX[name]] = rng.choice(choices, size)
    thresholds = Thresholds(review=0.3, block=0.9)
    scores = rng.choice(np.array([0.1, 0.3, 0.5, 0.9, 0.95, np.nan], dtype=np.float32), size)
    new, old = by_the_engine(scores, rows, thresholds), hard_coded(scores, rows, thresholds)
    assert new == old
    assert {rule for _, rules in old for rule in rules} == {rule_id for rule_id, _ in ORACLE}
