"""Model hot reload: atomic swap, refusal of a mismatching model, file watching."""

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from fraudcore.model_card import CARD_FILE
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
EXAMPLE = Transaction.model_json_schema()["examples"][0]


@pytest.fixture
def live_model_dir(tmp_path: Path, model_dir: Path) -> Path:
    target = tmp_path / "live"
    shutil.copytree(model_dir, target)
    return target


def set_version(directory: Path, version: str, **changes: object) -> None:
    card = json.loads((directory / CARD_FILE).read_text())
    card.update(model_version=version, **changes)
    (directory / CARD_FILE).write_text(json.dumps(card))


def test_reload_swaps_and_a_mismatching_model_is_refused(
    scorer_factory, live_model_dir: Path
) -> None:
    client = scorer_factory(model_dir=live_model_dir)
    set_version(live_model_dir, "test-model-2")
    assert client.post("/v1/model/reload").json()["model_version"] == "test-model-2"
    card = json.loads((live_model_dir / CARD_FILE).read_text())
    set_version(live_model_dir, "test-model-3", feature_names=card["feature_names"][::-1])
    refused = client.post("/v1/model/reload")
    assert refused.status_code == 409
    assert "same names in another order" in refused.json()["detail"]
    assert client.get("/v1/model").json()["model_version"] == "test-model-2"
    assert client.post("/v1/score", json=EXAMPLE).json()["model_version"] == "test-model-2"


def test_requests_in_flight_during_reloads_all_succeed(
    scorer_factory, live_model_dir: Path
) -> None:
    client = scorer_factory(model_dir=live_model_dir)
    seen: list[str] = []
    errors: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            response = client.post("/v1/score/batch", json={"transactions": [EXAMPLE] * 20})
            if response.status_code != 200:
                errors.append(response.status_code)
            else:
                seen.append(response.json()["model_version"])

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for worker in workers:
        worker.start()
    for i in range(6):
        set_version(live_model_dir, f"v{i}")
        assert client.post("/v1/model/reload").status_code == 200
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(set(seen)) >= 2


def test_file_watcher_picks_up_a_new_model(scorer_factory, live_model_dir: Path) -> None:
    client = scorer_factory(model_dir=live_model_dir, model_watch=True)
    time.sleep(0.1)
    set_version(live_model_dir, "watched-2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.get("/v1/model").json()["model_version"] == "watched-2":
            break
        time.sleep(0.2)
    assert client.get("/v1/model").json()["model_version"] == "watched-2"
