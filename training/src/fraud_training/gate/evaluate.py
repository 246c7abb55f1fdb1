"""``fraud-models evaluate``: a registered version against the champion on the same labelled
window of the decision log (features as served, labels as joined, pending left out), scored by
both from the artifact store, judged by the gates, and the verdict kept in the registry.

A window either model was fitted on would flatter it: the window must start after both models'
training data ends (the card's test split: training and threshold weeks end there)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from fraud_training.gate import figures, gates
from fraud_training.gate.window import DAY, Span, WindowError, read_window
from fraud_training.offline_eval.bootstrap import REPLICATES
from fraudcore import model_registry as registry
from fraudcore.model import ModelBundle
from fraudcore.model_registry import Evaluation, ModelStore, ModelVersion, Status


@dataclass(frozen=True)
class Request:
    candidate: str
    span: Span
    gates: gates.GateSettings
    actor: str
    replicates: int = REPLICATES


def fitted_until(version: ModelVersion) -> dt.datetime | None:
    """The end of the data the model was fitted on (training and threshold weeks), from its
    card's test split ``train: "A .. B"``; None when the card does not say."""
    split = ((version.card.get("protocol") or {}).get("test") or {}).get("train")
    if not isinstance(split, str) or ".." not in split:
        return None
    last = dt.date.fromisoformat(split.split("..")[1].strip())
    return dt.datetime.combine(last, dt.time(), dt.UTC) + DAY


def clean(value: Any) -> Any:
    """JSON for JSONB: numpy scalars as Python numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check_unseen(versions: dict[str, ModelVersion], span: Span) -> dict[str, str | None]:
    ends = {name: fitted_until(version) for name, version in versions.items()}
    for name, end in ends.items():
        if end is not None and span.since < end:
            raise WindowError(
                f"the window {span.describe()} starts before the {name} "
                f"{versions[name].model_version}'s training data ends ({end.date()}): "
                "evaluate on later payments (--window, or --label-wait-days smaller)"
            )
    return {name: None if end is None else end.date().isoformat() for name, end in ends.items()}


def evaluate(conn: psycopg.Connection, store: ModelStore, request: Request) -> Evaluation:
    champion = registry.serving(conn).get(Status.CHAMPION)
    if champion is None:
        raise registry.RegistryError("there is no champion to evaluate against")
    candidate = registry.get_version(conn, request.candidate)
    if candidate.model_version == champion.model_version:
        raise registry.RegistryError(f"{candidate.model_version} is the champion already")
    versions = {"champion": champion, "candidate": candidate}
    unseen = _check_unseen(versions, request.span)
    window = read_window(conn, request.span)
    if window.rows.empty:
        raise WindowError(f"no labelled payment in {request.span.describe()} "
                          f"({window.pending:,} pending)")  # fmt: skip
    models = {
        name: ModelBundle.load(store.verified(v.model_version, v.artifacts))
        for name, v in versions.items()
    }
    scores = {name: model.predict(window.features).astype(np.float64)
              for name, model in models.items()}  # fmt: skip
    budget = int((window.rows["decision"] != "approve").sum())
    found = figures.compare(window.rows, scores, budget, request.replicates)
    latency = {name: figures.latency(model, window.features) for name, model in models.items()}
    verdict = gates.verdicts(request.gates, found, latency)
    served_by = window.rows["model_version"].value_counts()
    result = {
        "window": request.span.describe(),
        "logged": window.logged,
        "labelled": len(window.rows),
        "pending": window.pending,
        "served_by": {str(k): int(v) for k, v in served_by.items()},
        "fitted_until": unseen,
        "figures": found,
        "latency": latency,
        "gates": verdict,
    }
    return registry.record_evaluation(
        conn, candidate.model_version, champion.model_version,
        (request.span.since, request.span.until),
        passed=all(gate["passed"] for gate in verdict.values()),
        gates=request.gates.as_json(), result=clean(result), actor=request.actor,
    )  # fmt: skip
