import pytest

from fraud_monitoring import promql
from fraudcore import metrics as m


def test_quantile_merges_instances_before_the_quantile() -> None:
    assert promql.quantile(m.STAGE_LATENCY, 0.99, "5m", by=("stage",)) == (
        "histogram_quantile(0.99, sum by (le, stage) "
        "(rate(fraud_stage_latency_seconds_bucket[5m])))"
    )


def test_rate_of_counter_and_histogram() -> None:
    assert promql.rate(m.DECISIONS, by=("decision",)) == (
        "sum by (decision) (rate(fraud_decisions_total[$__rate_interval]))"
    )
    assert promql.rate(m.STAGE_LATENCY, "1m") == (
        "sum(rate(fraud_stage_latency_seconds_count[1m]))"
    )
    assert promql.rate(m.SCORER_REQUESTS, "5m", matchers=[("status", "=~", "2..")]) == (
        'sum(rate(fraud_scorer_requests_total{status=~"2.."}[5m]))'
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda: promql.rate(m.DECISIONS, by=("decisions",)),  # misspelt label
        lambda: promql.rate(m.CONSUMER_LAG),  # a gauge has no rate
        lambda: promql.quantile(m.DECISIONS, 0.5),  # a counter has no buckets
        lambda: promql.gauge(m.DECISIONS),
        lambda: promql.gauge(m.CONSUMER_LAG, by=("partitions",)),
        lambda: promql.selector(m.SCORER_REQUESTS, matchers=[("code", "=", "200")]),
        lambda: promql.selector(m.DECISIONS, suffix="_bucket"),
    ],
)
def test_builders_refuse_what_the_metric_does_not_have(build) -> None:
    with pytest.raises(ValueError, match="fraud_"):
        build()


def test_target_labels_and_info_keys_are_accepted() -> None:
    assert promql.gauge(m.CONSUMER_LAG, "max", by=("job", "topic")) == (
        "max by (job, topic) (fraud_consumer_lag_messages)"
    )
    assert promql.gauge(m.MODEL_INFO, "max", by=("version",)) == (
        "max by (version) (fraud_model_info)"
    )


def test_references_reads_names_and_labels_back() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le, stage) (rate(fraud_stage_latency_seconds_bucket"
        '{scoring_mode!="x"}[5m] offset 1m))) > 0.035 and on() '
        '(sum(fraud_consumer_lag_messages) > 1e3 or vector(0)) unless absent(up{job="a:b"})'
    )
    refs = promql.references(expr)
    assert refs.metrics == {
        "fraud_stage_latency_seconds_bucket",
        "fraud_consumer_lag_messages",
        "up",
    }
    assert refs.labels == {"le", "stage", "scoring_mode", "job"}


def test_unknown_references_catch_renamed_metrics_and_labels() -> None:
    assert promql.unknown_references("sum by (decision) (rate(fraud_decisions_total[5m]))") == []
    assert promql.unknown_references("rate(fraud_decision_total[5m])") == [
        "unknown metric fraud_decision_total"
    ]
    assert promql.unknown_references("sum by (stage) (fraud_decisions_total)") == [
        "unknown label stage"
    ]
    # A label of another metric in the same expression is fine; target labels always are.
    assert (
        promql.unknown_references(
            "sum by (instance, decision) (fraud_decisions_total) and on() fraud_consumer_paused"
        )
        == []
    )
