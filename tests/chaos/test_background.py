"""The chaos cases' background stream: a stream that lost messages fails its case."""

import pytest

from fraud_producer.stream_plan import StreamReport


@pytest.mark.parametrize(
    "lost", [{"undelivered": 1}, {"delivery_errors": 1}, {"undelivered": 2, "delivery_errors": 3}]
)
def test_a_stream_that_did_not_deliver_everything_fails_the_case(background, lost) -> None:
    report = StreamReport(run_id="r", transactions=10, **lost)
    with pytest.raises(AssertionError, match="could not deliver everything"):
        background(lambda: report).join()


def test_a_stream_that_delivered_everything_hands_its_report_over(background) -> None:
    report = StreamReport(run_id="r", transactions=10)
    thread = background(lambda: report)
    thread.join()
    assert thread.result is report
