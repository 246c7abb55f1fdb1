"""Embedded scoring with the model registry's champion and, when one is set, its challenger in
shadow; both follow the registry without a restart.

The registry's watcher (``fraudcore.model_registry.watch``) loads the models a change names on
its own thread, so the consume loop never waits for a model file; the loop takes the loaded pair
up at the start of a batch (``switch``). A batch is therefore decided by one champion, and as a
partition's batches are processed in offset order, its decisions change version at one offset.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from fraud_consumer.guard import CardReference
from fraud_consumer.scorers import EmbeddedScorer, Rows, Shadow
from fraudcore.decision_log import connect
from fraudcore.drift import DriftReference
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.model_registry import ModelStore, ModelVersion, RegistryError, Status, serving
from fraudcore.model_registry.watch import Serving, ServingWatcher, serving_key
from fraudcore.scoring import Verdict
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
APPLICATION = "fraud-consumer-models"
KEEP_LOADED = 4  # models kept in memory: those serving and the latest replaced (a rollback)


@dataclass(frozen=True)
class ServingPair:
    champion: EmbeddedScorer
    challenger: EmbeddedScorer | None
    changed_at: dt.datetime | None = None  # the registry change that named them (None: start)

    @property
    def versions(self) -> tuple[str, str | None]:
        challenger = None if self.challenger is None else self.challenger.model.version
        return self.champion.model.version, challenger


class ModelLoader:
    """Registered versions as loaded models, their files checked against the registry first."""

    def __init__(self, store: ModelStore, threads: int, exact_reasons: bool) -> None:
        self.store, self.threads, self.exact_reasons = store, threads, exact_reasons
        self.loaded: dict[str, ModelBundle] = {}  # by version, the latest used last
        self.lock = threading.Lock()  # loaded by the watcher, read by the consume loop

    def scorer(self, version: ModelVersion) -> EmbeddedScorer:
        name = version.model_version
        with self.lock:
            model = self.loaded.pop(name, None)
        if model is None:
            directory = self.store.verified(name, version.artifacts)
            model = ModelBundle.load(directory, self.threads)
            if model.version != name:
                raise RegistryError(f"{directory}: its card says {model.version}, not {name}")
        with self.lock:
            self.loaded[name] = model
            while len(self.loaded) > KEEP_LOADED:
                del self.loaded[next(iter(self.loaded))]
        return EmbeddedScorer(model, self.exact_reasons)

    def thresholds(self, model_version: str) -> Thresholds | None:
        with self.lock:
            model = self.loaded.get(model_version)
        return None if model is None else model.card.thresholds

    def pair(self, versions: Serving) -> ServingPair:
        champion = versions.get(Status.CHAMPION)
        if champion is None:
            raise RegistryError(
                "the model registry has no champion: promote one with "
                "`fraud-models promote VERSION --to champion`"
            )
        challenger = versions.get(Status.CHALLENGER)
        changed = max(v.status_changed_at for v in versions.values())
        return ServingPair(
            self.scorer(champion),
            None if challenger is None else self.scorer(challenger),
            changed,
        )


class RegistryScorer:
    """The ``Scorer`` of a consumer whose models come from the registry (MODEL_STORE_DIR)."""

    def __init__(
        self,
        database: DatabaseSettings,
        store: ModelStore,
        *,
        threads: int = 1,
        exact_reasons: bool = False,
        poll_s: float = 10.0,
    ) -> None:
        self.loader = ModelLoader(store, threads, exact_reasons)
        with connect(database, APPLICATION) as conn:
            first = serving(conn)
        self.current = self.loader.pair(first)
        self._pending: ServingPair | None = None
        self._lock = threading.Lock()
        log.info("serving champion %s, challenger %s", *self.current.versions)
        self.watcher = ServingWatcher(
            database, self._offer, poll_s=poll_s, application=APPLICATION,
            accepted=serving_key(first),
        )  # fmt: skip
        self.watcher.start()

    def _offer(self, versions: Serving) -> None:
        """On the watcher's thread: load what the registry now serves, for the next batch."""
        pair = self.loader.pair(versions)
        with self._lock:
            self._pending = pair
        log.info("loaded champion %s, challenger %s: in use from the next batch", *pair.versions)

    @property
    def pending_versions(self) -> tuple[str, str | None] | None:
        """(champion, challenger) loaded and waiting for the next batch; None: nothing new."""
        with self._lock:
            return None if self._pending is None else self._pending.versions

    def refresh(self) -> None:
        self.watcher.read_now()

    def switch(self) -> None:
        with self._lock:
            pair, self._pending = self._pending, None
        if pair is None or pair.versions == self.current.versions:
            return
        before, self.current = self.current.versions, pair
        delay = ""
        if pair.changed_at is not None:
            seconds = (dt.datetime.now(dt.UTC) - pair.changed_at).total_seconds()
            delay = f", {seconds:.2f} s after the registry changed"
        log.warning("models switched: champion %s -> %s, challenger %s -> %s%s",
                    before[0], pair.versions[0], before[1], pair.versions[1], delay)  # fmt: skip

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        return self.current.champion.score(rows)

    def shadow(self, rows: Rows) -> Shadow | None:
        challenger = self.current.challenger
        if challenger is None:
            return None
        verdicts, version = challenger.score(rows)
        return Shadow(version, verdicts)

    def card_reference(self) -> CardReference | None:
        return self.current.champion.card_reference()

    def drift_reference(self) -> DriftReference | None:
        return self.current.champion.drift_reference()

    def thresholds(self, model_version: str) -> Thresholds | None:
        for scorer in (self.current.champion, self.current.challenger):
            if scorer is not None and scorer.model.version == model_version:
                return scorer.model.card.thresholds
        return self.loader.thresholds(model_version)

    def close(self) -> None:
        self.watcher.close()
