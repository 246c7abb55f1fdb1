"""The registry's serving models inside a running process (the embedded consumer, the scorer):
champion and challenger loaded from the artifact store, following promotions and rollbacks
without a restart.

The watcher (``watch``) loads the models a change names on its own thread, so whoever serves
never waits for a model file; the loaded pair is then taken up by ``switch``: at once (the
scorer, whose every request takes one pair at its start) or at the next batch boundary (the
consumer, so a batch is decided by one champion and a partition changes version at one offset).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from fraudcore.decision_log.connection import connect
from fraudcore.model import ModelBundle
from fraudcore.model_registry.contract import ModelVersion, RegistryError, Status
from fraudcore.model_registry.store import ModelStore
from fraudcore.model_registry.watch import Serving, ServingWatcher, serving_key, serving_state
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
KEEP_LOADED = 4  # models kept in memory: those serving and the latest replaced (a rollback)


@dataclass(frozen=True)
class ServingModels:
    champion: ModelBundle
    challenger: ModelBundle | None
    changed_at: dt.datetime | None = None  # the registry change that named them
    generation: int = 0  # the registry's latest event id when read: later reads are higher

    @property
    def versions(self) -> tuple[str, str | None]:
        challenger = None if self.challenger is None else self.challenger.version
        return self.champion.version, challenger


class ModelLoader:
    """Registered versions as loaded models, their files checked against the registry first."""

    def __init__(self, store: ModelStore, threads: int) -> None:
        self.store, self.threads = store, threads
        self._loaded: dict[str, ModelBundle] = {}  # by version, the latest used last
        self.lock = threading.Lock()  # loaded by the watcher, read by those serving

    def model(self, version: ModelVersion) -> ModelBundle:
        name = version.model_version
        with self.lock:
            model = self._loaded.pop(name, None)
        if model is None:
            directory = self.store.verified(name, version.artifacts)
            model = ModelBundle.load(directory, self.threads)
            if model.version != name:
                raise RegistryError(f"{directory}: its card says {model.version}, not {name}")
        with self.lock:
            self._loaded[name] = model
            while len(self._loaded) > KEEP_LOADED:
                del self._loaded[next(iter(self._loaded))]
        return model

    def loaded(self, model_version: str) -> ModelBundle | None:
        with self.lock:
            return self._loaded.get(model_version)

    def versions(self) -> list[str]:
        with self.lock:
            return list(self._loaded)

    def pair(self, versions: Serving, generation: int) -> ServingModels:
        champion = versions.get(Status.CHAMPION)
        if champion is None:
            raise RegistryError(
                "the model registry has no champion: promote one with "
                "`fraud-models promote VERSION --to champion`"
            )
        challenger = versions.get(Status.CHALLENGER)
        return ServingModels(
            self.model(champion),
            None if challenger is None else self.model(challenger),
            max(v.status_changed_at for v in versions.values()),
            generation,
        )


class RegistryModels:
    """The champion and challenger a process serves, from the registry (DATABASE_URL) and its
    artifact store (MODEL_STORE_DIR). ``at_once``: a change is in use as soon as it is loaded;
    otherwise it waits for ``switch()``."""

    def __init__(
        self,
        database: DatabaseSettings,
        store: ModelStore,
        *,
        application: str,
        threads: int = 1,
        poll_s: float = 10.0,
        at_once: bool = False,
    ) -> None:
        self.loader = ModelLoader(store, threads)
        self.at_once = at_once
        with connect(database, application) as conn:
            first, generation = serving_state(conn)
        self.current = self.loader.pair(first, generation)
        self._pending: ServingModels | None = None
        self._lock = threading.Lock()
        log.info("serving champion %s, challenger %s", *self.current.versions)
        self.watcher = ServingWatcher(
            database, self._offer, poll_s=poll_s, application=application,
            accepted=serving_key(first),
        )  # fmt: skip
        self.watcher.start()

    def _offer(self, versions: Serving) -> None:
        """On the watcher's thread: load what the registry now serves."""
        pair = self.loader.pair(versions, self.watcher.generation)
        with self._lock:
            self._pending = pair
        if self.at_once:
            self.switch()
        else:
            log.info("loaded champion %s, challenger %s: in use from the next batch",
                     *pair.versions)  # fmt: skip

    @property
    def pending_versions(self) -> tuple[str, str | None] | None:
        """(champion, challenger) loaded and waiting for ``switch``; None: nothing new."""
        with self._lock:
            return None if self._pending is None else self._pending.versions

    def refresh(self) -> None:
        """Read the registry now, on the caller's thread (see ``ServingWatcher.read_now``)."""
        self.watcher.read_now()

    def switch(self) -> None:
        """Take up the models loaded since the last switch, if any."""
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

    def model(self, model_version: str) -> ModelBundle | None:
        """A loaded version: those serving, else one kept since it was replaced."""
        current = self.current
        for model in (current.champion, current.challenger):
            if model is not None and model.version == model_version:
                return model
        return self.loader.loaded(model_version)

    def loaded_versions(self) -> list[str]:
        serving = [v for v in self.current.versions if v is not None]
        return serving + sorted(set(self.loader.versions()) - set(serving))

    def close(self) -> None:
        self.watcher.close()
