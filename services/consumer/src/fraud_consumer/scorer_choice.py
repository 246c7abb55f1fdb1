"""Which scorer a consumer uses: the registry's models (MODEL_STORE_DIR), one model directory
(embedded), or the scorer service (remote, naive)."""

from __future__ import annotations

from fraud_consumer.registry_scorer import RegistryScorer
from fraud_consumer.scorers import EmbeddedScorer, NaiveScorer, RemoteScorer, Scorer
from fraud_consumer.settings import ConsumerSettings
from fraudcore.model import ModelBundle
from fraudcore.model_registry import ModelStore
from fraudcore.settings import ScoringMode


def make_scorer(settings: ConsumerSettings) -> Scorer:
    key = settings.scorer_api_key.get_secret_value() if settings.scorer_api_key else None
    if settings.scoring_mode is ScoringMode.REMOTE:
        return RemoteScorer(settings.scorer_url, key, settings.scorer_timeout_s)
    if settings.scoring_mode is ScoringMode.NAIVE:
        return NaiveScorer(settings.scorer_url, key, settings.scorer_timeout_s)
    database = settings.database()
    if settings.scoring_mode is ScoringMode.EMBEDDED and settings.model_store_dir and database:
        return RegistryScorer(
            database,
            ModelStore(settings.model_store_dir),
            threads=settings.onnx_intra_op_threads,
            exact_reasons=settings.reason_codes == "exact",
            poll_s=settings.model_registry_poll_s,
        )
    if settings.scoring_mode is ScoringMode.EMBEDDED:
        assert settings.model_dir is not None  # the settings validator guarantees it
        model = ModelBundle.load(settings.model_dir, settings.onnx_intra_op_threads)
        return EmbeddedScorer(model, exact_reasons=settings.reason_codes == "exact")
    raise ValueError(
        f"scoring mode {settings.scoring_mode.value} is not served by this consumer yet"
    )
