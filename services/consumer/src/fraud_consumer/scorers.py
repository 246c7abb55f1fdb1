"""Where scores come from: the scorer's batch endpoint (remote) or an in-process model
(embedded). Both return the same verdicts for the same feature rows."""

from __future__ import annotations

import logging
import time
from typing import Protocol

import httpx
import numpy as np
import numpy.typing as npt
import orjson

from fraud_consumer.settings import ConsumerSettings
from fraudcore.model import ModelBundle
from fraudcore.schemas import Decision
from fraudcore.scoring import Verdict, verdicts
from fraudcore.settings import ScoringMode

log = logging.getLogger(__name__)
Rows = npt.NDArray[np.float32]


class ScorerUnavailableError(RuntimeError):
    """The scorer cannot answer now; the batch waits and is retried, never skipped."""


class Scorer(Protocol):
    def score(self, rows: Rows) -> tuple[list[Verdict], str]: ...

    def close(self) -> None: ...


class EmbeddedScorer:
    def __init__(self, model: ModelBundle) -> None:
        self.model = model

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        return verdicts(self.model, rows), self.model.version

    def close(self) -> None:
        return None


class RemoteScorer:
    """POST /v1/score/batch over one kept-alive connection; quick retries for blips, then
    ScorerUnavailableError so the processor pauses with a longer backoff."""

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
        self.client = httpx.Client(base_url=url, headers=headers, timeout=timeout_s)
        self.attempts = attempts
        self.path = f"/v1/score/batch?engine={engine}"

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        # orjson writes NaN as null: exactly the API's "undefined feature" encoding.
        body = orjson.dumps({"rows": rows}, option=orjson.OPT_SERIALIZE_NUMPY)
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                response = self.client.post(self.path, content=body)
                if response.status_code == 200:
                    return self._parse(response.content)
                error = ScorerUnavailableError(
                    f"scorer answered {response.status_code}: {response.text[:300]}"
                )
            except httpx.HTTPError as failure:
                error = failure
            time.sleep(0.05 * 2**attempt)
        raise ScorerUnavailableError(f"scorer unavailable after {self.attempts} attempts: {error}")

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
        self.client.close()


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


def make_scorer(settings: ConsumerSettings) -> Scorer:
    key = settings.scorer_api_key.get_secret_value() if settings.scorer_api_key else None
    if settings.scoring_mode is ScoringMode.REMOTE:
        return RemoteScorer(settings.scorer_url, key, settings.scorer_timeout_s)
    if settings.scoring_mode is ScoringMode.NAIVE:
        return NaiveScorer(settings.scorer_url, key, settings.scorer_timeout_s)
    if settings.scoring_mode is ScoringMode.EMBEDDED:
        assert settings.model_dir is not None  # the settings validator guarantees it
        return EmbeddedScorer(ModelBundle.load(settings.model_dir, settings.onnx_intra_op_threads))
    raise ValueError(
        f"scoring mode {settings.scoring_mode.value} is not served by this consumer yet"
    )
