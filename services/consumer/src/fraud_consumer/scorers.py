"""Where scores come from: the scorer's batch endpoint (remote) or an in-process model
(embedded). Both return the same verdicts for the same feature rows."""

from __future__ import annotations

import logging
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson
import urllib3

from fraud_consumer.guard import CardReference
from fraud_consumer.serving_order import ServingOrder
from fraudcore.drift import DriftReference
from fraudcore.feature_rows import FEATURE_SET_HEADER, MEDIA_TYPE, feature_set, pack_rows
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision
from fraudcore.scoring import Verdict, model_verdicts, verdicts

log = logging.getLogger(__name__)
Rows = npt.NDArray[np.float32]
_DECISIONS = {d.value: d for d in Decision}  # a dict lookup: the Enum's call costs more per row


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

    def card_reference(self, model_version: str) -> CardReference | None:
        """That version's card: review threshold and validation alert rate (None: unknown)."""
        ...

    def drift_reference(self, model_version: str) -> DriftReference | None:
        """That version's card's training reference for drift (None: none, or not served)."""
        ...

    def thresholds(self, model_version: str) -> Thresholds | None:
        """The thresholds that version decides with (None: the scorer no longer serves it)."""
        ...

    def explain(self, rows: Rows, model_version: str) -> list[list[str]] | None:
        """Reason codes of rows the consumer's rules flagged after scoring (None: not here; the
        remote scorer explains what its own rules flag)."""
        ...

    def close(self) -> None: ...


class EmbeddedScorer:
    """The model in process. ``score`` decides by the model's thresholds alone: the consumer's
    rules in force decide on top of it (the built-in R01-R04 included), so they are not run
    twice; should the rule engine fail, the model's decision stands, as at the scorer's
    endpoints. ``decide_alone`` adds the built-in rules (a challenger's shadow decisions)."""

    def __init__(self, model: ModelBundle, exact_reasons: bool = False) -> None:
        self.model = model
        self.exact_reasons = exact_reasons

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        found = model_verdicts(self.model, rows, exact_reasons=self.exact_reasons)
        return found, self.model.version

    def decide_alone(self, rows: Rows) -> list[Verdict]:
        return verdicts(self.model, rows, exact_reasons=self.exact_reasons)

    def shadow(self, rows: Rows) -> Shadow | None:
        return None  # one model from MODEL_DIR: the registry's consumer has challengers

    def switch(self) -> None:
        return None

    def refresh(self) -> None:
        return None

    def card_reference(self, model_version: str) -> CardReference | None:
        card = self.model.card
        rate = card.expected_alert_rate
        return None if rate is None else CardReference(card.thresholds.review, rate)

    def drift_reference(self, model_version: str) -> DriftReference | None:
        return DriftReference.from_card(self.model.card.model_extra)

    def thresholds(self, model_version: str) -> Thresholds | None:
        card = self.model.card
        return card.thresholds if model_version == self.model.version else None

    def explain(self, rows: Rows, model_version: str) -> list[list[str]] | None:
        if model_version != self.model.version:
            return None
        return self.model.reasons(rows, exact=self.exact_reasons)

    def close(self) -> None:
        return None


class RemoteScorer:
    """POST /v1/score/rows (the rows packed as float32: ``fraudcore.feature_rows``) over one
    kept-alive connection; quick retries for blips, then ScorerUnavailableError so the
    processor pauses with a longer backoff. urllib3 rather than httpx: its per-request cost was
    a fifth of the consumer's time at 1,000 tx/s. A scorer serving the registry's models answers
    with the champion's verdicts and, when one is set, the challenger's in the same call
    (``shadow`` hands those over). A scorer older than the packed rows (404 or 415 there) is
    sent JSON to /v1/score/batch from then on."""

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
        self.url, self.headers, self.timeout_s = url, headers, timeout_s
        self.pool = self._connect()
        self.attempts = attempts
        base = (urllib3.util.parse_url(url).path or "").rstrip("/")
        self.path = f"{base}/v1/score/rows?engine={engine}"
        self.json_path = f"{base}/v1/score/batch?engine={engine}"
        self.packed = True  # until a scorer without the packed rows answers
        # A request's own headers replace the pool's: the API key goes with them.
        self.packed_headers = headers | {
            "content-type": MEDIA_TYPE,
            FEATURE_SET_HEADER: feature_set(FEATURE_NAMES),
        }
        self.model_path = f"{base}/v1/model"
        self._thresholds: dict[str, Thresholds] = {}  # by model version: a card never changes
        self.order = ServingOrder()
        self._scored: tuple[Rows, Shadow | None] | None = None  # the last batch's challenger

    def _connect(self) -> urllib3.HTTPConnectionPool:
        return urllib3.connection_from_url(
            self.url,
            maxsize=1,
            retries=False,
            timeout=urllib3.Timeout(total=self.timeout_s),
            headers=self.headers,
        )

    def _request(self, rows: Rows) -> tuple[str, bytes, dict[str, str] | None]:
        if self.packed:
            return self.path, pack_rows(rows), self.packed_headers
        # orjson writes NaN as null: exactly the API's "undefined feature" encoding.
        return self.json_path, orjson.dumps({"rows": rows}, option=orjson.OPT_SERIALIZE_NUMPY), None

    def _post(self, rows: Rows) -> dict[str, Any]:
        error: Exception | None = None
        path, body, headers = self._request(rows)
        for attempt in range(self.attempts):
            try:
                response = self.pool.urlopen("POST", path, body=body, headers=headers)
                if self.packed and response.status in {404, 415}:
                    log.warning("the scorer has no packed rows (%s on %s): JSON from now on",
                                response.status, path)  # fmt: skip
                    self.packed = False
                    return self._post(rows)
                if response.status == 200:
                    answer: dict[str, Any] = orjson.loads(response.data)
                    if self._in_order(answer):
                        return answer
                    error = ScorerUnavailableError("a scorer replica behind the registry")
                    self.pool.close()  # a new connection may reach a replica that caught up
                    self.pool = self._connect()
                else:
                    detail = response.data[:300].decode(errors="replace")
                    error = ScorerUnavailableError(f"scorer answered {response.status}: {detail}")
            except urllib3.exceptions.HTTPError as failure:
                error = failure
            time.sleep(0.05 * 2**attempt)
        raise ScorerUnavailableError(f"scorer unavailable after {self.attempts} attempts: {error}")

    def _in_order(self, answer: dict[str, Any]) -> bool:
        challenger = answer.get("challenger")
        versions = (answer["model_version"], challenger["model_version"] if challenger else None)
        if self.order.accepts(versions, answer.get("registry_event")):
            return True
        log.warning("answer of a scorer serving %s as of registry event %s refused: already "
                    "switched to %s at event %s", versions, answer.get("registry_event"),
                    self.order.versions, self.order.generation)  # fmt: skip
        return False

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        answer = self._post(rows)
        self._scored = (rows, self._challenger(answer))
        return self._verdicts(answer["results"]), answer["model_version"]

    def shadow(self, rows: Rows) -> Shadow | None:
        """The challenger's verdicts from the call that scored ``rows``; other rows (a
        recovered batch's) are sent again and the current challenger's verdicts taken."""
        scored, self._scored = self._scored, None
        if scored is not None and scored[0] is rows:
            return scored[1]
        return self._challenger(self._post(rows))

    def _model_info(self, model_version: str) -> dict[str, Any] | None:
        """That version's model card as the scorer serves it (GET /v1/model?model_version=);
        None when the scorer has no such version loaded."""
        path = f"{self.model_path}?model_version={urllib.parse.quote(model_version)}"
        try:
            response = self.pool.urlopen("GET", path)
        except urllib3.exceptions.HTTPError as error:
            raise ScorerUnavailableError(f"model card not read: {error}") from error
        if response.status == 404:
            return None
        if response.status != 200:
            raise ScorerUnavailableError(f"model card: scorer answered {response.status}")
        info: dict[str, Any] = orjson.loads(response.data)
        return info

    def _quiet_info(self, model_version: str) -> dict[str, Any] | None:
        try:
            return self._model_info(model_version)
        except ScorerUnavailableError as error:
            log.warning("%s", error)
            return None

    def card_reference(self, model_version: str) -> CardReference | None:
        info = self._quiet_info(model_version)
        rate = None if info is None else info.get("expected_alert_rate")
        if info is None or not isinstance(rate, int | float):
            return None
        return CardReference(float(info["thresholds"]["review"]), float(rate))

    def drift_reference(self, model_version: str) -> DriftReference | None:
        info = self._quiet_info(model_version)
        return None if info is None else DriftReference.from_card(info)

    def thresholds(self, model_version: str) -> Thresholds | None:
        """Read from the scorer's card of that version once (None: not loaded there)."""
        if model_version not in self._thresholds:
            info = self._model_info(model_version)
            if info is None:
                return None
            self._thresholds[model_version] = Thresholds(**info["thresholds"])
        return self._thresholds[model_version]

    def switch(self) -> None:
        return None  # the scorer follows the registry; the answers' order is checked instead

    def refresh(self) -> None:
        return None

    @staticmethod
    def _verdicts(results: list[dict[str, Any]]) -> list[Verdict]:
        return [
            Verdict(
                score=r["score"],
                decision=_DECISIONS[r["decision"]],
                reasons=r["reasons"],
                rules=r["rules"],
            )
            for r in results
        ]

    @classmethod
    def _challenger(cls, answer: dict[str, Any]) -> Shadow | None:
        challenger = answer.get("challenger")
        if not challenger:
            return None
        return Shadow(challenger["model_version"], cls._verdicts(challenger["results"]))

    def explain(self, rows: Rows, model_version: str) -> list[list[str]] | None:
        return None  # no model here: the scorer's answer explains what its rules flagged

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

    def shadow(self, rows: Rows) -> Shadow | None:
        return None  # the reference design as it was: one model, no shadow
