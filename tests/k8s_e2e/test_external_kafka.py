"""The run's external Kafka starts from nothing: an earlier run's data (formatted with that
run's SCRAM credentials) would refuse this run's passwords; a restart within the run keeps it."""

from __future__ import annotations

from pathlib import Path

from fraud_k8se2e.broker import ExternalKafka


class _Broker:
    """Stands in for the broker process: records what its data folder held at each start."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.found: list[bool] = []

    def start(self, timeout_s: float) -> None:
        self.found.append((self.data / "meta.properties").exists())
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "meta.properties").write_text("formatted with this run's users\n")


def test_the_first_start_drops_an_earlier_runs_data_and_a_restart_keeps_its_own(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "kafka" / "data" / "meta.properties"
    stale.parent.mkdir(parents=True)
    stale.write_text("formatted with the previous run's users\n")
    kafka = ExternalKafka(tmp_path / "kafka")
    broker = _Broker(stale.parent)
    kafka.broker = broker  # type: ignore[assignment]
    kafka.start()
    kafka.start()  # as after the "Kafka stopped" case
    assert broker.found == [False, True]
    assert stale.read_text() == "formatted with this run's users\n"
