"""``fraud-train train --from-decision-log``: retraining data from production.

The rows are the logged decisions whose label has arrived, with the features as served (the
float32 values the model was given) and the labels as joined, so there is no offline replay and
no training/serving skew by construction. A decision still waiting for its label is left out:
its outcome is unknown, not genuine. So are the log's latest ``label_wait_days`` days: a genuine
payment's label comes a week late (no chargeback within it), so those days hold the frauds
already charged back and almost no genuine payment, and a test week of them would be all fraud.

Training itself is ``train()``, unchanged (its code is what the model card's digest covers): it
takes a world dataset file and its feature matrix from the feature cache. The log's labelled
decisions are written as that dataset (Parquet, kept beside the reports: the exact data the
model learnt from), and the served features are put in a private cache under the key
``world_features`` looks up, then read back through it and checked bit for bit, so a change in
that key fails here instead of silently replaying.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
from psycopg import sql

from fraud_training.data import read_world, table_digest
from fraud_training.train import train
from fraud_training.world_features import world_features
from fraudcore.code_digest import FEATURES, code_digest
from fraudcore.decision_log import connect
from fraudcore.decision_log.contract import DECISIONS, FEATURE_SETS, LABELS
from fraudcore.decision_log.quality import latest_day
from fraudcore.features import FEATURE_NAMES
from fraudcore.settings import DatabaseSettings, LoggingSettings

log = logging.getLogger(__name__)
LABEL_WAIT_DAYS = 8  # genuine labels come 7-8 days after the payment (the gate's wait too)
COLUMNS = ["transaction_id", "event_time", "card_id", "merchant_id", "amount", "currency",
           "model_version", "is_fraud", "scenario", "label_time"]  # fmt: skip
_LABELLED = sql.SQL(
    "SELECT d.transaction_id, d.event_time, d.card_id, d.merchant_id, d.amount, d.currency, "
    "d.model_version, l.is_fraud, l.scenario, l.labelled_at, f.names, d.features "
    "FROM {decisions} d JOIN {labels} l USING (transaction_id, event_time) "
    "JOIN {sets} f USING (feature_set) WHERE d.event_time < %s "
    "ORDER BY d.event_time, d.transaction_id"
).format(
    decisions=sql.Identifier(DECISIONS),
    labels=sql.Identifier(LABELS),
    sets=sql.Identifier(FEATURE_SETS),
)


class DecisionLogSource(DatabaseSettings, LoggingSettings):
    """Where the log is: DATABASE_URL (required), DATABASE_PASSWORD."""


class DecisionLogDataError(ValueError):
    """The log cannot give this training what it needs."""


def in_feature_order(names: list[str], values: list[float]) -> list[float]:
    """A logged vector in FEATURE_NAMES order (a feature set may order or extend them)."""
    if names == list(FEATURE_NAMES):
        return values
    by_name = dict(zip(names, values, strict=True))
    missing = [name for name in FEATURE_NAMES if name not in by_name]
    if missing:
        raise DecisionLogDataError(
            f"logged decisions lack features this training uses: {', '.join(missing)}"
        )
    return [by_name[name] for name in FEATURE_NAMES]


def read_labelled(
    conn: psycopg.Connection, until: dt.datetime
) -> tuple[pd.DataFrame, npt.NDArray[np.float32]]:
    """The labelled decisions before ``until`` in event-time order, and their features as
    served."""
    rows, vectors = [], []
    with conn.cursor() as cursor:
        for *fields, names, features in cursor.execute(_LABELLED, (until,)):
            rows.append(fields)
            vectors.append(in_feature_order(names, features))
    table = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("event_time", "label_time"):
        table[column] = pd.to_datetime(table[column], utc=True)
    matrix = np.array(vectors, dtype=np.float32).reshape(len(rows), len(FEATURE_NAMES))
    return table, matrix


def stage_features(data: Path, served: npt.NDArray[np.floating], cache: Path) -> None:
    """``served`` as ``train``'s feature cache of ``data``, so that training uses them as they
    are instead of replaying the payments (checked: the cache key is the one train looks up)."""
    table = read_world(data)  # as train() will read it
    key = hashlib.sha256((table_digest(table) + code_digest(FEATURES)).encode()).hexdigest()[:16]
    np.save(cache / f"features-{key}.npy", served.astype(np.float64))
    try:
        found = world_features(table, cache)
    except (KeyError, ValueError) as error:  # a replay needs payment fields the log lacks
        problem = f"the feature cache key changed; training would replay: {error}"
        raise RuntimeError(problem) from error
    if not np.array_equal(found, served.astype(np.float64), equal_nan=True):
        raise RuntimeError("the staged features did not come back as served")


def train_from_log(
    settings: DatabaseSettings, artifacts: Path, reports: Path,
    label_wait_days: int = LABEL_WAIT_DAYS,
) -> dict[str, Any]:  # fmt: skip
    """Train on the labelled decisions of the days whose labels have had ``label_wait_days``
    to come (the newest decision's day minus that)."""
    with connect(settings, "fraud-train") as conn:
        last = latest_day(conn)
        if last is None:
            raise DecisionLogDataError("the decision log holds no labelled decisions")
        cut = last - dt.timedelta(days=label_wait_days - 1)
        table, served = read_labelled(conn, dt.datetime.combine(cut, dt.time(), dt.UTC))
    if table.empty:
        raise DecisionLogDataError("the decision log holds no labelled decisions")
    first, last = table["event_time"].iloc[0], table["event_time"].iloc[-1]
    log.info("decision log: %d labelled decisions, %s .. %s", len(table), first, last)
    reports.mkdir(parents=True, exist_ok=True)
    data = reports / f"decision-log-{first:%Y%m%d}-{last:%Y%m%d}.parquet"
    table.to_parquet(data, index=False)
    with tempfile.TemporaryDirectory(prefix="fraud-train-log-") as cache:
        stage_features(data, served, Path(cache))
        return train(data, artifacts, reports, Path(cache))
