"""What counts as a change of serving models: the champion's and the challenger's names."""

import datetime as dt

from fraudcore.model_registry import ModelVersion, Status
from fraudcore.model_registry.watch import serving_key

T = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _version(name: str, status: Status) -> ModelVersion:
    return ModelVersion(name, status, {}, {}, "d" * 64, T, T)


def test_the_key_names_the_champion_and_the_challenger() -> None:
    champion, challenger = _version("a", Status.CHAMPION), _version("b", Status.CHALLENGER)
    assert serving_key({}) == (None, None)
    assert serving_key({Status.CHAMPION: champion}) == ("a", None)
    both = {Status.CHAMPION: champion, Status.CHALLENGER: challenger}
    assert serving_key(both) == ("a", "b")
