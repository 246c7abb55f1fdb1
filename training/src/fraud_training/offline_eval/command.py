"""``fraud-train evaluate``: the committed model on the world ``make train`` makes, its test week
judged again with intervals; writes reports/evaluation.{json,md} and the cost figure.

The model, its card and the training code stay as they are: the scores come from the committed
model files, the thresholds from the card, and the policy from ``fraudcore.decisions``. Beside
them, the known-card rule (``fraud_training.known_cards``): the model on the payments it leaves,
at the card's review threshold and at its own 1% budget (``offline_eval.budget``), and the
deployed policy with the rule's block."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.baselines import rule_hits
from fraud_training.data import read_world, table_digest
from fraud_training.export import onnx_scores, xgboost_json_scores
from fraud_training.incidents import began_before
from fraud_training.known_cards import known_compromised
from fraud_training.offline_eval import bootstrap, costs, figure, incident_table, report
from fraud_training.offline_eval.budget import BudgetThreshold, budget_threshold
from fraud_training.policy import decision_levels
from fraud_training.protocol import Split, WorldProtocol
from fraud_training.world_features import world_features
from fraudcore.code_digest import code_digest, module_digests
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import ONNX_FILE, XGBOOST_FILE, ModelCard

EVALUATION = ("fraud_training.offline_eval.command",)  # what computes the report
log = logging.getLogger(__name__)


class EvaluationDataError(ValueError):
    """The data is not the world the committed model was trained and tested on."""


def _test_week(table: pd.DataFrame, card: ModelCard) -> tuple[npt.NDArray[np.bool_], Split]:
    extra = card.model_extra or {}
    if table_digest(table) != extra["data"]["sha256"]:
        raise EvaluationDataError(
            f"the data is not the model's: the card was trained on {extra['data']['file']} "
            f"({extra['data']['rows']:,} rows, sha256 {extra['data']['sha256'][:12]}); "
            "make it with make evaluate's dataset command"
        )
    _, test = WorldProtocol().splits(table["event_time"].iloc[0], table["event_time"].iloc[-1])
    if test.describe() != extra["protocol"]["test"]:
        raise EvaluationDataError(f"test week {test.describe()} is not the card's")
    return test.assess_rows(table["event_time"]), test


def policies(
    card: ModelCard,
    model: npt.NDArray[np.float64],
    served: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    known: npt.NDArray[np.bool_],
) -> dict[str, npt.NDArray[np.bool_]]:
    """The alerts of each policy assessed: the model alone at the card's thresholds, the
    deployed policy (``fraudcore.decisions`` on the served scores), that policy with the
    known-card rule's block (R05: ``known``, the payments on cards known compromised) and the
    rules alone."""
    thresholds = card.thresholds
    levels = decision_levels(served, x, thresholds)
    fires = np.stack(list(rule_hits(x, FEATURE_NAMES).values())).any(axis=0)
    cost = (card.model_extra or {})["threshold_rules"]["cost_threshold"]
    return {
        "model_review": model >= thresholds.review,
        "model_block": model >= thresholds.block,
        "model_cost": model >= cost,
        "policy_review": levels >= 1.0,
        "policy_block": levels >= 2.0,
        "policy_known": (levels >= 1.0) | known,
        "rules": fires,
    }


INCIDENT_POLICIES = ("model_review", "policy_review", "rules")


def evaluate(data: Path, model_dir: Path, cache: Path | None, out: Path,
             replicates: int = bootstrap.REPLICATES) -> dict[str, Any]:  # fmt: skip
    """The committed model's test week of ``data`` (the card's world, checked), into ``out``."""
    began = time.perf_counter()
    card = ModelCard.load(model_dir)
    table = read_world(data)
    inside, test = _test_week(table, card)
    features = world_features(table, cache)
    known = known_compromised(table)
    budget = budget_threshold(table, features, card, known)
    log.info("the model's own 1%% budget under the known-card rule: %.6f", budget.threshold)
    source = {"file": data.name, "sha256": (card.model_extra or {})["data"]["sha256"]}
    source["rows"] = len(table)  # the digest is the card's: _test_week compared them
    result: dict[str, Any] = {"data": source}
    figures, incidents = assess(table, features, inside, test, card, model_dir, replicates,
                                budget=budget, known=known)  # fmt: skip
    result |= figures
    out.mkdir(parents=True, exist_ok=True)
    result["figures"] = [figure.cost_curves(result["costs"], out)]
    report.write(result, incidents, out)
    log.info("evaluation of %s written to %s in %.0f s", card.model_version, out,
             time.perf_counter() - began)  # fmt: skip
    return result


def assess(  # noqa: PLR0917 (the inputs a test also builds from a small world)
    table: pd.DataFrame,
    features: npt.NDArray[np.float64],
    inside: npt.NDArray[np.bool_],
    test: Split,
    card: ModelCard,
    model_dir: Path,
    replicates: int,
    *,
    budget: BudgetThreshold,
    known: npt.NDArray[np.bool_],
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every figure of the report for the payments ``inside`` the test split of ``table``, and
    the incident table they summarise; ``known``: the table's payments on cards known
    compromised (``fraud_training.known_cards``)."""
    rows = table[inside].reset_index(drop=True)
    x = features[inside]
    known = known[inside]
    model = xgboost_json_scores(model_dir / XGBOOST_FILE, x)
    served = onnx_scores(model_dir / ONNX_FILE, x)
    alerts = policies(card, model, served, x, known)
    block = bootstrap.Block(
        positive=rows["is_fraud"].to_numpy(bool),
        amount=rows["amount"].to_numpy(float),
        scenario=rows["scenario"].astype(str).to_numpy(),
        cards=pd.factorize(rows["card_id"])[0].astype(np.int64),
    )
    extra = card.model_extra or {}
    configured = {
        "review": card.thresholds.review,
        "block": card.thresholds.block,
        "cost": extra["threshold_rules"]["cost_threshold"],
    }
    prices = costs.Prices()
    _check_policy_sweep(served, alerts["rules"], configured, alerts["policy_review"])
    sweeps = [
        costs.sweep(name, block, score, rules, configured, moved, prices)
        for name, score, rules in (
            ("model", model, np.zeros(len(rows), dtype=np.bool_)),
            ("policy", served, alerts["rules"]),
        )
        for moved in ("review", "block")
    ]
    draws = costs.SweepDraws(sweeps, block.cards)
    payments = bootstrap.figures_with_intervals(block, _figures(block, model, alerts), replicates,
                                                extra=draws)  # fmt: skip
    earlier = began_before(table, test.assess_start)
    incidents = incident_table.incidents(rows, {n: alerts[n] for n in INCIDENT_POLICIES}, earlier)
    result = {
        "model_version": card.model_version,
        "model_artifacts": extra["artifacts"],
        "thresholds": configured,
        "test_week": test.describe()
        | {
            "payments": len(rows),
            "frauds": int(block.positive.sum()),
            "cards": int(block.cards.max()) + 1,
        },
        "code": {"sha256": code_digest(EVALUATION), "modules": module_digests(EVALUATION)},
        "bootstrap": bootstrap.describe(replicates),
        "payments": report.nest_scenarios(payments),
        "incidents": {
            name: incident_table.summary(incidents, name, replicates) for name in INCIDENT_POLICIES
        },
        "costs": costs.report(sweeps, draws, configured, prices, len(rows))
        | {"alert_nothing": float(block.amount[block.positive].sum())},
        "known_card_rule": known_card_rule(block, model, known, card, budget, replicates),
    }
    return result, incidents


def known_card_rule(  # noqa: PLR0917 (the week's block and the rule's inputs)
    block: bootstrap.Block,
    model: npt.NDArray[np.float64],
    known: npt.NDArray[np.bool_],
    card: ModelCard,
    budget: BudgetThreshold,
    replicates: int,
) -> dict[str, Any]:
    """The model on the payments the known-card rule leaves it: at the card's review threshold
    and at its own 1% budget, with card-bootstrap intervals over those payments' cards."""
    left = ~known
    mine = block.subset(left)
    score = model[left]
    alerts = {
        "model_review": score >= card.thresholds.review,
        "model_budget": score >= budget.threshold,
    }
    scenarios, counts = np.unique(block.scenario[block.positive & known], return_counts=True)
    payments = bootstrap.figures_with_intervals(mine, _figures(mine, score, alerts), replicates)
    return {
        "known": {
            "payments": int(known.sum()),
            "frauds": int((block.positive & known).sum()),
            "frauds_by_scenario": {str(s): int(n) for s, n in zip(scenarios, counts, strict=True)},
        },
        "model_payments": {
            "payments": len(mine.positive),
            "frauds": int(mine.positive.sum()),
            "cards": int(mine.cards.max()) + 1 if len(mine.cards) else 0,
        },
        "budget": budget.describe(),
        "payments": report.nest_scenarios(payments),
    }


def _figures(
    block: bootstrap.Block, model: npt.NDArray[np.float64], alerts: dict[str, npt.NDArray[np.bool_]]
) -> dict[str, bootstrap.Figures]:
    ranked = bootstrap.RankedScore.of(model, block.positive)
    figures: dict[str, bootstrap.Figures] = {"model": lambda w: {"ap": ranked.ap(w)}}
    for name, alert in alerts.items():
        figures[name] = partial(_alert_figures, bootstrap.Alerts(block, alert))
    return figures


def _alert_figures(alerts: bootstrap.Alerts, weight: npt.NDArray[np.float64]) -> dict[str, float]:
    scenarios = alerts.scenario_recall(weight)
    return alerts.figures(weight) | {f"recall:{s}": v for s, v in scenarios.items()}


def _check_policy_sweep(
    served: npt.NDArray[np.float64],
    fires: npt.NDArray[np.bool_],
    configured: dict[str, float],
    decided: npt.NDArray[np.bool_],
) -> None:
    """The sweep's policy at the configured thresholds is what ``decide_batch`` decided."""
    swept = (served >= configured["review"]) | fires
    if not np.array_equal(swept, decided):
        raise RuntimeError(f"{int((swept != decided).sum())} payments: the sweep is not the policy")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate_ = commands.add_parser(
        "evaluate", help="the committed model's test week again, with confidence intervals"
    )
    evaluate_.add_argument("--data", type=Path, required=True, help="the model's world dataset")
    evaluate_.add_argument("--model-dir", type=Path, default=Path("training/artifacts"))
    evaluate_.add_argument("--out", type=Path, default=Path("reports"))
    evaluate_.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    evaluate_.add_argument("--replicates", type=int, default=bootstrap.REPLICATES)
    evaluate_.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        evaluate(args.data, args.model_dir, args.cache, args.out, args.replicates)
    except (EvaluationDataError, OSError) as error:
        print(f"fraud-train evaluate: {error}", file=sys.stderr)
        return 1
    return 0
