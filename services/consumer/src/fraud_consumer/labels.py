"""Delayed ground truth: each label feeds its merchant's fraud history (by arrival time) and
the live precision/recall counters, exactly once; a label that arrives before its transaction
has been processed waits for it.

With a decision log, a label finds its decision there at any delay and is recorded there once
(``fraudcore.decision_log.apply_labels``), a fraud label listing its card as known compromised
in the same transaction (``list_store.list_compromised``); that record commits only after the
Redis write, and the Redis label marker it leaves covers the moment in between, so a retry or a
restarted consumer neither loses nor repeats it. Payments of the warm start's history were never
decided live and are not in the log: their labels still find them through their Redis markers.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import psycopg

from fraud_consumer.decision_sink import DecisionSink
from fraud_consumer.decoding import Decoded
from fraud_consumer.label_write import LabelSection, LabelWriter
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.records import parse_marker
from fraudcore import live_stats
from fraudcore.decision_log import LabelOutcome, LabelStatus, apply_labels, list_store
from fraudcore.feature_store import FeatureStore
from fraudcore.features import MerchantState, apply_label, epoch_seconds
from fraudcore.schemas import Decision, Label

# A label to apply: its merchant, the decision it judges (None: a history payment) and the
# payment's CARD_EXCESS as served (NaN: undefined or unknown).
Applied = tuple[Label, str, Decision | None, float]
log = logging.getLogger(__name__)


RECHECK_MIN_S = 5.0  # every waiting label is looked up again at least this often
RECHECK_COST_SHARE = 0.1  # and those full passes take at most this share of the time


@dataclass
class Waiting:
    item: Decoded[Label]
    # When every transactions partition had been read past the label (``read_progress``): its
    # payment, produced before it, would have been read by then. Its wait counts from there.
    due_since: float | None = None
    looked_up: bool = False  # then again only when its payment may have come
    # When the decision log first answered that it lacks the decision: the wait for its row
    # counts from there, not through an outage of the log (its rows are written once it is back),
    # for as long as that decision's row may still come (``log_patience_s``).
    log_since: float | None = None
    log_patience_s: float = 0.0

    @property
    def produced_ms(self) -> int:
        return self.item.message.timestamp()[1]


class Recheck:
    """Which waiting labels a batch looks up: new ones, those whose payment is in the batch, and
    all of them at a full pass, spaced by what the last one cost. Labels can run far ahead of
    their payments (a consumer lagging, a label backlog): looking all of them up in every batch
    made each batch cost seconds and the lag grow."""

    def __init__(self, min_interval_s: float = RECHECK_MIN_S) -> None:
        self.min_interval_s = min_interval_s
        self._full_at = 0.0

    def split(
        self, waiting: list[Waiting], batch_ids: set[str]
    ) -> tuple[list[Waiting], list[Waiting], bool]:
        """(look up now, leave waiting, whether this is a full pass)."""
        if time.monotonic() >= self._full_at:
            return list(waiting), [], True
        due: list[Waiting] = []
        rest: list[Waiting] = []
        for entry in waiting:
            now = not entry.looked_up or entry.item.event.transaction_id in batch_ids
            (due if now else rest).append(entry)
        return due, rest, False

    def full_pass_took(self, seconds: float) -> None:
        spacing = max(self.min_interval_s, seconds / RECHECK_COST_SHARE)
        self._full_at = time.monotonic() + spacing


def confirmed(labels: list[Label], outcomes: list[LabelOutcome]) -> list[list_store.Confirmed]:
    """The fraud labels applied now, each with its decision's card."""
    return [
        list_store.Confirmed(
            outcome.decision.card_id, label.transaction_id, label.source, label.analyst
        )
        for label, outcome in zip(labels, outcomes, strict=True)
        if label.is_fraud and outcome.status is LabelStatus.APPLIED and outcome.decision
    ]


class LabelApplier:
    def __init__(
        self,
        store: FeatureStore,
        metrics: ConsumerMetrics,
        result_ttl_s: int,
        decisions: DecisionSink | None = None,
        *,
        log_wait_s: float = 30.0,
        logged_wait_s: float = 900.0,
    ) -> None:
        self.store, self.redis, self.keys = store, store.client, store.keys
        self.metrics = metrics
        self.result_ttl_s = result_ttl_s
        self.decisions = decisions
        # How long a label waits for the log row of a decision whose marker says it is on its
        # way to the log (as long as a redelivery can still log it from the batch's recovery
        # copy), and of one decided by an older consumer, whose marker does not say.
        self.log_wait_s, self.logged_wait_s = log_wait_s, logged_wait_s
        self.writer = LabelWriter(store, result_ttl_s)

    def apply(self, waiting: list[Waiting]) -> list[Waiting]:
        """Apply what can be applied; return the labels still waiting for their transaction."""
        if not waiting:
            return []
        if self.decisions is None:
            return self._apply(waiting, None)
        ids = [entry.item.event.transaction_id for entry in waiting]
        with self.decisions.label_transaction(ids) as conn:  # commits after the Redis write
            return self._apply(waiting, conn)

    def _apply(self, waiting: list[Waiting], conn: psycopg.Connection | None) -> list[Waiting]:
        self.writer.finish()  # a write an error cut short, before anything is looked up
        # Per label: its logged decision's (merchant, decision, excess), or whether the log has it.
        logged: list[tuple[str, Decision, float] | LabelStatus]
        logged = [LabelStatus.NOT_LOGGED] * len(waiting)
        if conn is not None:
            labels = [entry.item.event for entry in waiting]
            outcomes = apply_labels(conn, labels)
            for i, outcome in enumerate(outcomes):
                found = outcome.decision
                if outcome.status is LabelStatus.APPLIED and found is not None:
                    logged[i] = (found.merchant_id, found.decision, found.card_excess)
                else:
                    logged[i] = outcome.status
            # The known-compromised policy, in the labels' transaction: listed once with them.
            list_store.list_compromised(conn, confirmed(labels, outcomes))
        pipe = self.redis.pipeline(transaction=False)
        for entry in waiting:
            card_id = (entry.item.message.key() or b"").decode()  # labels are keyed by card
            pipe.get(self.keys.transaction(card_id, entry.item.event.transaction_id))
        replies = pipe.execute()
        still: list[Waiting] = []
        applied: list[Applied] = []
        applied_ids: set[str] = set()
        now = time.monotonic()
        for entry, stored, in_log in zip(waiting, replies, logged, strict=True):
            label = entry.item.event
            tx_id = label.transaction_id
            if in_log is LabelStatus.ALREADY_APPLIED or tx_id in applied_ids:
                continue  # applied before (redelivery): never count twice
            decision: Decision | None
            if isinstance(in_log, tuple):
                merchant_id, decision, excess = in_log
            elif (marked := self._from_marker(entry, stored, conn is not None, now)) is not None:
                merchant_id, decision, excess = marked
            else:
                still.append(entry)
                continue
            applied.append((label, merchant_id, decision, excess))
            applied_ids.add(tx_id)
        if applied:
            self._write(applied)
        return still

    def _from_marker(
        self, entry: Waiting, stored: bytes | None, logging: bool, now: float
    ) -> tuple[str, Decision | None, float] | None:
        """The label's (merchant, decision, excess) from its payment's Redis marker; None while
        there is none, or while a decision that the log lacks may still reach it."""
        if stored is None:
            return None
        marker = parse_marker(stored)
        if logging and marker.decision is not None and marker.logged is not False:
            # Decided live by a consumer with a log, not logged yet: a stop or an outage of the
            # log held the log write back, and the payment read again (or the buffer) logs it,
            # however far behind the labels the payments are read. Past that (the row can no
            # longer come), or decided by a consumer without a log: Redis only.
            entry.log_since = now if entry.log_since is None else entry.log_since
            entry.log_patience_s = self.logged_wait_s if marker.logged else self.log_wait_s
            if now - entry.log_since < entry.log_patience_s:
                return None
            log.warning(
                "label of %s applied without the log: its decision was not logged within %.0f s",
                entry.item.event.transaction_id,
                entry.log_patience_s,
            )
        excess = math.nan if marker.card_excess is None else marker.card_excess
        return marker.merchant_id, marker.decision, excess

    def _write(self, applied: list[Applied]) -> None:
        """Each label's merchant history, marker and statistics, once (``lua/labels.lua``): the
        markers tell a redelivered label, which adds nothing. One atomic script call on a single
        Redis; on a cluster one per merchant slot, then the statistics of those applied."""
        cells = [
            (
                # A warm start's history payment was not decided live: a label, in no cell.
                None if decision is None else live_stats.outcome(decision, label.is_fraud),
                label.is_fraud,
            )
            for label, _, decision, _ in applied
        ]
        sections = []
        for (label, merchant_id, _, excess), counted in zip(applied, cells, strict=True):
            history = MerchantState()
            apply_label(history, epoch_seconds(label.labelled_at), label.is_fraud, excess)
            sections.append(
                LabelSection(
                    self.keys.label(merchant_id, label.transaction_id),
                    self.keys.merchant(merchant_id),
                    history.increments,
                    live_stats.label_increments([counted]),
                )
            )
        new, totals = self.writer.write(sections)
        cells = [counted for counted, fresh in zip(cells, new, strict=True) if fresh]

        m = self.metrics
        fraud = sum(1 for _, is_fraud in cells if is_fraud)
        m.labels.labels(is_fraud="true").inc(fraud)
        m.labels.labels(is_fraud="false").inc(len(cells) - fraud)
        for cell, _ in cells:
            if cell is not None:
                m.outcomes.labels(outcome=cell).inc()
        precision, recall = live_stats.precision(totals), live_stats.recall(totals)
        if precision is not None:
            m.precision.set(precision)
        if recall is not None:
            m.recall.set(recall)
