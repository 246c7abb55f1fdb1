"""Following the serving versions on a real PostgreSQL: a change is heard through its
notification within a second, a change made while the listener was cut off is found by the
poll, and a change the service could not take up is offered again."""

import queue
import time

import pytest

from fraudcore.decision_log import connect
from fraudcore.model_registry import RegistryError, Status, promote, register, rollback
from fraudcore.model_registry.watch import Serving, ServingWatcher, serving_key

pytestmark = pytest.mark.integration
WHO = {"actor": "alice", "reason": "test"}


def _watch(settings, poll_s: float, fail_first: int = 0):
    heard: queue.Queue[tuple[str | None, str | None]] = queue.Queue()
    failures = [fail_first]

    def changed(versions: Serving) -> None:
        if failures[0] > 0:
            failures[0] -= 1
            raise RegistryError("model files not readable yet")
        heard.put(serving_key(versions))

    watcher = ServingWatcher(settings, changed, poll_s=poll_s, application="test-watch")
    watcher.start()
    return watcher, heard


def _registered(conn, store, variant) -> None:
    for version in ("m-1", "m-2"):
        register(conn, store, variant(version), **WHO)
    promote(conn, "m-1", Status.CHAMPION, **WHO)


@pytest.mark.alone
def test_a_promotion_is_heard_within_a_second(registry_settings, registry_db, store, variant):
    _registered(registry_db, store, variant)
    watcher, heard = _watch(registry_settings, poll_s=600)  # the poll never comes in this test
    try:
        assert heard.get(timeout=10) == ("m-1", None)  # read when it starts
        began = time.monotonic()
        promote(registry_db, "m-2", Status.CHALLENGER, **WHO)
        assert heard.get(timeout=5) == ("m-1", "m-2")
        assert time.monotonic() - began < 1.0
        promote(registry_db, "m-2", Status.CHAMPION, **WHO)
        assert heard.get(timeout=5) == ("m-2", None)
        rollback(registry_db, **WHO)
        assert heard.get(timeout=5) == ("m-1", None)
    finally:
        watcher.close()


def test_a_change_missed_while_cut_off_is_found_again(
    registry_settings, registry_db, store, variant
) -> None:
    _registered(registry_db, store, variant)
    watcher, heard = _watch(registry_settings, poll_s=2)
    try:
        assert heard.get(timeout=10) == ("m-1", None)
        with connect(registry_settings) as admin:
            # The listener's session ends; the change is committed before it can listen again.
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'test-watch'")  # fmt: skip
            promote(admin, "m-2", Status.CHALLENGER, **WHO)
        assert heard.get(timeout=10) == ("m-1", "m-2")
    finally:
        watcher.close()


def test_a_change_not_taken_up_is_offered_again(registry_settings, registry_db, store, variant):
    _registered(registry_db, store, variant)
    watcher, heard = _watch(registry_settings, poll_s=1, fail_first=2)
    try:
        assert heard.get(timeout=10) == ("m-1", None)  # after two refusals, at the polls
    finally:
        watcher.close()


def test_read_now_reads_on_the_callers_thread(registry_settings, registry_db, store, variant):
    _registered(registry_db, store, variant)
    heard: list[tuple[str | None, str | None]] = []
    watcher = ServingWatcher(
        registry_settings,
        lambda v: heard.append(serving_key(v)),
        poll_s=600,
        application="test-watch",
    )  # never started: no thread
    watcher.read_now()
    promote(registry_db, "m-2", Status.CHALLENGER, **WHO)
    watcher.read_now()
    watcher.read_now()  # nothing new: not offered again
    assert heard == [("m-1", None), ("m-1", "m-2")]
