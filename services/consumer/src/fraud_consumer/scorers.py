"""Where scores come from: the scorer's batch endpoint (remote) or an in-process model
(embedded). Both return the same verdicts for the same feature rows."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import orjson
import urllib3

from fraud_consumer.guard import CardReference
from fraudcore.drift import DriftReference
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision
from fraudcore.scoring import Verdict, verdicts

log = logging.getLogger(__name__)
Rows = npt.NDArray[np.float32]


class ScorerUnavailableError(RuntimeError):
    """The scorer cannot answer now; the batch waits and is retried, never skipped."""


@dataclass(frozen=True)
class Shadow:
    """A challenger's verdicts on a batch, in shadow: logged beside the champion's, not acted on."""

    model_version: str
    verdicts: list[Verdict]


class Scorer(Protocol):
    def score(self, rows: Rows) -> tuple[list[Verdict], str]: ...

    def shadow(self, rows: Rows) -> Shadow | None:
        """The challenger's verdicts on the same rows (None: no challenger)."""
        ...

    def switch(self) -> None:
        """At a batch boundary: take up models the registry changed to meanwhile."""
        ...

    def refresh(self) -> None:
        """On taking partitions over: learn the registry's serving models now."""
        ...

    def card_reference(self) -> CardReference | None:
        """The model card's review threshold and validation alert rate (None: unknown)."""
        ...

    def drift_reference(self) -> DriftReference | None:
        """The model card's training reference for drift (None: the card has none)."""
        ...

    def thresholds(self, model_version: str) -> Thresholds | None:
        """The thresholds that version decides with (None: the scorer no longer serves it)."""
        ...

    def close(self) -> None: ...


class EmbeddedScorer:
    def __init__(self, model: ModelBundle, exact_reasons: bool = False) -> None:
        self.model = model
        self.exact_reasons = exact_reasons

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        return verdicts(self.model, rows, exact_reasons=self.exact_reasons), self.model.version

    def shadow(self, rows: Rows) -> Shadow | None:
        return None  # one model from MODEL_DIR: the registry's consumer has challengers

    def switch(self) -> None:
        return None

    def refresh(self) -> None:
        return None

    def card_reference(self) -> CardReference | None:
        card = self.model.card
        rate = card.expected_alert_rate
        return None if rate is None else CardReference(card.thresholds.review, rate)

    def drift_reference(self) -> DriftReference | None:
        return DriftReference.from_card(self.model.card.model_extra)

    def thresholds(self, model_version: str) -> Thresholds | None:
        card = self.model.card
        return card.thresholds if model_version == self.model.version else None

    def close(self) -> None:
        return None


class RemoteScorer:
    """POST /v1/score/batch over one kept-alive connection; quick retries for blips, then
    ScorerUnavailableError so the processor pauses with a longer backoff. urllib3 rather than
    httpx: its per-request cost was a fifth of the consumer's time at 1,000 tx/s."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        timeout_s: float,
        attempts: int = 3,
        engine: str = "onnx",
    ) -> None:
        headers = {"content-type": "application/json"}
        if api_key:
            headers["X-API-Key"] = api_key
        self.pool = urllib3.connection_from_url(
            url, maxsize=1, retries=False, timeout=urllib3.Timeout(total=timeout_s), headers=headers
        )
        self.attempts = attempts
        base = (urllib3.util.parse_url(url).path or "").rstrip("/")
        self.path = f"{base}/v1/score/batch?engine={engine}"
        self.model_path = f"{base}/v1/model"
        self._thresholds: dict[str, Thresholds] = {}  # by model version: a card never changes

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        # orjson writes NaN as null: exactly the API's "undefined feature" encoding.
        body = orjson.dumps({"rows": rows}, option=orjson.OPT_SERIALIZE_NUMPY)
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                response = self.pool.urlopen("POST", self.path, body=body)
                if response.status == 200:
                    return self._parse(response.data)
                detail = response.data[:300].decode(errors="replace")
                error = ScorerUnavailableError(f"scorer answered {response.status}: {detail}")
            except urllib3.exceptions.HTTPError as failure:
                error = failure
            time.sleep(0.05 * 2**attempt)
        raise ScorerUnavailableError(f"scorer unavailable after {self.attempts} attempts: {error}")

    def _model_info(self) -> dict[str, object] | None:
        """The scorer's model card (GET /v1/model); None while it cannot say."""
        try:
            response = self.pool.urlopen("GET", self.model_path)
        except urllib3.exceptions.HTTPError as error:
            log.warning("model card not read from the scorer: %s", error)
            return None
        if response.status != 200:
            return None
        info: dict[str, object] = orjson.loads(response.data)
        return info

    def card_reference(self) -> CardReference | None:
        info = self._model_info()
        if info is None:
            return None
        rate = info.get("expected_alert_rate")
        if not isinstance(rate, int | float):
            return None
        thresholds = info["thresholds"]
        assert isinstance(thresholds, dict)
        return CardReference(float(thresholds["review"]), float(rate))

    def drift_reference(self) -> DriftReference | None:
        info = self._model_info()
        return None if info is None else DriftReference.from_card(info)

    def thresholds(self, model_version: str) -> Thresholds | None:
        """Read from the scorer's model card once per version it reports."""
        if model_version not in self._thresholds:
            try:
                response = self.pool.urlopen("GET", self.model_path)
            except urllib3.exceptions.HTTPError as error:
                raise ScorerUnavailableError(f"model card not read: {error}") from error
            if response.status != 200:
                raise ScorerUnavailableError(f"model card: scorer answered {response.status}")
            info = orjson.loads(response.data)
            self._thresholds[info["model_version"]] = Thresholds(**info["thresholds"])
        return self._thresholds.get(model_version)

    def shadow(self, rows: Rows) -> Shadow | None:
        return None  # the scorer serves one model: no challenger in remote mode yet

    def switch(self) -> None:
        return None  # the scorer follows its own model files

    def refresh(self) -> None:
        return None

    @staticmethod
    def _parse(content: bytes) -> tuple[list[Verdict], str]:
        body = orjson.loads(content)
        return [
            Verdict(
                score=r["score"],
                decision=Decision(r["decision"]),
                reasons=r["reasons"],
                rules=r["rules"],
            )
            for r in body["results"]
        ], body["model_version"]

    def close(self) -> None:
        self.pool.close()


class NaiveScorer(RemoteScorer):
    """The design this project replaces, kept as the benchmark's reference point: one HTTP
    call per message, the model evaluated through an XGBoost DMatrix built per request."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        super().__init__(url, api_key, timeout_s, engine="xgboost")

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        results, version = [], ""
        for row in rows:
            (verdict,), version = super().score(row.reshape(1, -1))
            results.append(verdict)
        return results, version
