"""The retrain receiver on a real loopback HTTP server: only a bearer token's firing drift
alert starts a retrain, one at a time and spaced out; bad requests get a precise 4xx."""

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from fraud_monitoring.alerts import drift_alerts
from fraud_training.gate import webhook

TOKEN = "t" * 24
DRIFT = {"alertname": "FraudFeatureDrift", "feature": "amount"}
FIRING = {"alerts": [{"status": "firing", "labels": DRIFT}]}


class Receiver:
    def __init__(self, min_interval_s: float) -> None:
        self.release = threading.Event()
        self.reasons: list[str] = []
        self.trigger = webhook.Trigger(self._retrain, min_interval_s)
        self.server = webhook.serve(0, TOKEN, self.trigger, host="127.0.0.1")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _retrain(self, reason: str) -> None:
        self.reasons.append(reason)
        self.release.wait(10)

    def post(
        self, body: bytes, token: str = TOKEN, path: str = "/alerts", length: int | None = None
    ) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {token}"}
        if length is not None:  # what a client announces; the receiver must not read on
            headers["Content-Length"] = str(length)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.server.server_address[1]}{path}", body, method="POST",
            headers=headers,
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(min_interval_s=3600)
    yield running
    running.release.set()
    running.server.shutdown()
    running.server.server_close()


def test_the_receiver_knows_the_drift_alerts_by_their_rule_names() -> None:
    assert set(webhook.DRIFT_ALERTS) == {alert.name for alert in drift_alerts()}


def test_a_firing_drift_alert_starts_one_retrain(receiver: Receiver) -> None:
    assert receiver.post(json.dumps(FIRING).encode()) == (
        202,
        {"retrain": "retrain started", "alerts": ["FraudFeatureDrift{amount}"]},
    )
    status, body = receiver.post(json.dumps(FIRING).encode())
    assert (status, body["retrain"]) == (202, "a retrain is running")
    receiver.release.set()
    receiver.trigger.wait(5)
    status, body = receiver.post(json.dumps(FIRING).encode())
    assert body["retrain"].startswith("the last retrain began")  # Alertmanager's repeats
    assert receiver.reasons == ["alert FraudFeatureDrift{amount}"]


def test_anything_else_starts_nothing(receiver: Receiver) -> None:
    resolved = {"alerts": [{**FIRING["alerts"][0], "status": "resolved"}]}
    other = {"alerts": [{"status": "firing", "labels": {"alertname": "FraudConsumerDown"}}]}
    for payload in (resolved, other):
        assert receiver.post(json.dumps(payload).encode()) == (
            200,
            {"retrain": "no drift alert firing"},
        )
    assert receiver.post(json.dumps(FIRING).encode(), token="wrong")[0] == 401
    assert receiver.post(b"{not json")[0] == 400
    assert receiver.post(b'{"status": "firing"}') == (
        400,
        {"error": "not an Alertmanager webhook payload: no alerts list"},
    )
    assert receiver.post(b"{}", length=webhook.MAX_BODY + 1)[0] == 413
    assert receiver.post(b"{}", path="/other")[0] == 404
    assert receiver.reasons == []


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        webhook.serve(0, "short", webhook.Trigger(lambda _: None, 0))
