"""A rule run over a window of the decision log, as if it had been in force: where it fires (the
very function the consumer's rule set calls, on the columns the log kept: features as served,
the payment's fields) and what that would have meant, from the labels joined since.

Figures per rule: hits; precision on the labelled hits and recall of the labelled fraud; the
fraud amount caught (in the reporting currency); cards hit, and genuine cards hit (a card with a
hit labelled genuine: a good customer the rule would have bothered); overlap with the model's
own alerts and with the other active rules (what is new); the hits by the decision logged; and
beside what the rule itself did live, when it ran under the same id (fired, or would have in
shadow). Reading the columns is ``fraudcore.decision_log.backtest_window``'s job.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudcore.currency import REPORTING_CURRENCY, total_in_reporting
from fraudcore.rules.batch import Batch, Floats, Mask, Texts
from fraudcore.rules.definition import RuleDefinition
from fraudcore.rules.engine import compile_rule
from fraudcore.rules.listed_at import ListedAt, ListHistory, Micros
from fraudcore.rules.reads import reads
from fraudcore.rules.vocabulary import SERVED, Vocabulary
from fraudcore.schemas import format_time

DECISIONS = ("approve", "review", "block")  # logged decision codes 0, 1, 2
FRAUD, GENUINE, UNLABELLED = 1, 0, -1


@dataclass(frozen=True)
class Logged:
    """What the log says one rule id did live: where the decision's rules name it, where its
    shadow version would have fired, and where another active rule fired."""

    fired: Mask
    shadow: Mask
    others: Mask


@dataclass(frozen=True)
class Window:
    """A window of the decision log as columns: the rules' inputs and each decision's outcome."""

    start: dt.datetime
    end: dt.datetime  # excluded
    size: int
    features: Mapping[str, Floats]  # float32 as served, NaN where undefined
    texts: Mapping[str, Texts]  # payment fields, None where absent
    numbers: Mapping[str, Floats]
    event_time: npt.NDArray[np.datetime64]  # microseconds, UTC
    transaction: npt.NDArray[np.int64]  # a 64-bit hash of the transaction id: with the event
    # time, finds a hit's row again (examples of hits)
    label: npt.NDArray[np.int8]  # FRAUD, GENUINE or UNLABELLED (not yet)
    amount: npt.NDArray[np.float64]  # in the payment's own currency (texts["currency"])
    card: npt.NDArray[np.int64]  # a 64-bit hash of the card id: distinct cards are counted
    decision: npt.NDArray[np.int8]  # as logged: index into DECISIONS
    model_alert: Mask  # the model's score at or above the review threshold it was given
    any_rule: Mask  # some active rule fired
    without_payment: Mask  # logged before the log kept the payment's fields (migration 0004)
    logged: Mapping[str, Logged] = field(default_factory=dict)  # by rule id
    decided_at: Micros | None = None  # when each was decided; read when rules read lists

    def batch(
        self,
        lists: Mapping[str, frozenset[str]] | None = None,
        history: ListHistory | None = None,
    ) -> Batch:
        """The window's columns as a batch; with ``history``, each payment's list lookups at
        the instant it was decided, else in ``lists``."""
        if history is None or self.decided_at is None:
            return Batch.of_columns(self.size, self.features, self.texts, self.numbers, lists)
        batch = ListedAt.of_columns(self.size, self.features, self.texts, self.numbers, lists)
        assert isinstance(batch, ListedAt)  # of_columns makes its own class
        batch.history, batch.at = history, self.decided_at
        return batch


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 6)


def _amount(window: Window, where: Mask) -> tuple[float, dict[str, float]]:
    """The amounts of ``where`` in the reporting currency, and those without a rate apart."""
    currencies = window.texts["currency"]
    codes, names = np.unique(currencies[where].astype(str), return_inverse=True)
    sums = np.bincount(names, weights=window.amount[where], minlength=len(codes))
    total, unconverted = total_in_reporting(dict(zip(codes.tolist(), sums.tolist(), strict=True)))
    return total, {k: round(v, 2) for k, v in unconverted.items()}


def _cards(window: Window, where: Mask) -> int:
    return int(np.unique(window.card[where]).size)


@dataclass(frozen=True)
class Backtest:
    rule: RuleDefinition
    window: Window
    hits: Mask
    seconds: float  # evaluating the rule, reading excluded

    def as_json(self) -> dict[str, Any]:
        w, hits = self.window, self.hits
        labelled, fraud = w.label != UNLABELLED, w.label == FRAUD
        genuine = w.label == GENUINE
        fraud_hits = int((hits & fraud).sum())
        labelled_hits = int((hits & labelled).sum())
        caught, caught_unconverted = _amount(w, hits & fraud)
        total, total_unconverted = _amount(w, fraud)
        logged = w.logged.get(self.rule.id)
        others = w.any_rule if logged is None else logged.others
        figures: dict[str, Any] = {
            "rule": self.rule.model_dump(mode="json"),
            "window": {
                "from": format_time(w.start), "to": format_time(w.end), "decisions": w.size,
                "labelled": int(labelled.sum()), "fraud": int(fraud.sum()),
                "fraud_amount": total, "fraud_amount_unconverted": total_unconverted,
            },
            "reporting_currency": REPORTING_CURRENCY,
            "hits": int(hits.sum()),
            "hit_rate": _ratio(int(hits.sum()), w.size),
            "labelled_hits": labelled_hits,
            "fraud_hits": fraud_hits,
            "genuine_hits": int((hits & genuine).sum()),
            "precision": _ratio(fraud_hits, labelled_hits),
            "recall": _ratio(fraud_hits, int(fraud.sum())),
            "fraud_amount_caught": caught,
            "fraud_amount_caught_unconverted": caught_unconverted,
            "amount_recall": None if total == 0 else round(caught / total, 6),
            "cards_hit": _cards(w, hits),
            "genuine_cards_hit": _cards(w, hits & genuine),
            "by_decision": {
                name: int((hits & (w.decision == code)).sum())
                for code, name in enumerate(DECISIONS)
            },
            "overlap": {
                "model_alerts": int((hits & w.model_alert).sum()),
                "other_active_rules": int((hits & others).sum()),
                "new_alerts": int((hits & ~w.model_alert & ~others).sum()),
            },
            "without_payment_fields": (
                int(w.without_payment.sum()) if reads(self.rule.expression).fields else 0
            ),
            "seconds": round(self.seconds, 4),
        }  # fmt: skip
        if logged is not None:
            figures["live"] = {
                "fired": int(logged.fired.sum()),
                "shadow": int(logged.shadow.sum()),
                "agreed": int((hits & (logged.fired | logged.shadow)).sum()),
                "backtest_only": int((hits & ~logged.fired & ~logged.shadow).sum()),
                "live_only": int(((logged.fired | logged.shadow) & ~hits).sum()),
            }
        return figures


def backtest(
    rule: RuleDefinition,
    window: Window,
    lists: Mapping[str, frozenset[str]] | None = None,
    vocabulary: Vocabulary = SERVED,
    history: ListHistory | None = None,
) -> Backtest:
    """Where ``rule`` fires over ``window`` (raises RuleError for a rule that does not compile).
    Lists are read from ``history`` at each decision's instant when given, else as given."""
    compiled = compile_rule(rule, vocabulary)
    batch = window.batch(lists, history)
    began = time.perf_counter()
    with np.errstate(all="ignore"):
        hits = np.asarray(compiled.evaluate(batch), dtype=np.bool_)
    return Backtest(rule, window, hits, time.perf_counter() - began)
