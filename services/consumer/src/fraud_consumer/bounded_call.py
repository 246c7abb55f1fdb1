"""A Kafka client call that may hang, run in a thread of its own and given up after a while."""

from __future__ import annotations

import threading
from collections.abc import Callable

from confluent_kafka import KafkaError, KafkaException

CALL_TIMEOUT_S = 10.0  # one transactional call; retriable failures are tried again


def bounded(call: Callable[[], None], timeout_s: float = CALL_TIMEOUT_S + 5) -> None:
    """``call`` in a thread of its own, given up after ``timeout_s``: librdkafka's
    send_offsets_to_transaction can ignore its timeout when the group coordinator went away
    (librdkafka issue 5456; seen here when the broker was killed mid-commit). A call given up
    counts as a fatal error: a new producer with the same id fences this one."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    worker = threading.Thread(target=run, name="txn-call", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        reason = f"transactional call still waiting after {timeout_s:.0f} s"
        raise KafkaException(KafkaError(KafkaError._TIMED_OUT, reason, fatal=True))
    if failure:
        raise failure[0]
