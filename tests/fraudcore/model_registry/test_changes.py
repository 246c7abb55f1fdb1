"""The registry on a real PostgreSQL: register, promote, retire, roll back, with the history."""

import threading

import pytest

from fraudcore.decision_log import connect
from fraudcore.model_registry import (
    ArtifactError,
    RegistryError,
    Status,
    TransitionError,
    UnknownVersionError,
    get_version,
    history,
    list_versions,
    promote,
    register,
    retire,
    rollback,
    serving,
)
from fraudcore.model_registry.store import artifact_digests

pytestmark = pytest.mark.integration
WHO = {"actor": "alice", "reason": "weekly retrain"}


def _statuses(conn) -> dict[str, str]:
    return {v.model_version: v.status.value for v in list_versions(conn)}


def _registered(conn, store, variant, *versions: str) -> None:
    for version in versions:
        register(conn, store, variant(version), **WHO)


def test_register_stores_the_files_and_records_a_candidate(registry_db, store, variant) -> None:
    source = variant("m-1")
    (event,) = register(registry_db, store, source, **WHO)
    assert (event.model_version, event.from_status) == ("m-1", None)
    assert event.to_status is Status.CANDIDATE
    assert (event.actor, event.reason, event.action.value) == (
        "alice",
        "weekly retrain",
        "register",
    )
    version = get_version(registry_db, "m-1")
    assert version.status is Status.CANDIDATE
    assert version.data_digest == "d" * 64  # the variant card's data.sha256
    assert version.card["model_version"] == "m-1"
    assert version.artifacts == artifact_digests(source)
    assert store.verified("m-1", version.artifacts) == store.path("m-1")
    assert register(registry_db, store, source, **WHO) == []  # the same files: nothing new
    assert len(history(registry_db, "m-1")) == 1


def test_other_files_under_a_known_version_are_refused(registry_db, store, variant, tmp_path):
    register(registry_db, store, variant("m-1"), **WHO)
    other = variant("m-1-copy")
    card = (other / "model_card.json").read_text().replace('"m-1-copy"', '"m-1"')
    (other / "model_card.json").write_text(card + "\n")
    with pytest.raises(ArtifactError, match="written once"):
        register(registry_db, store, other, **WHO)
    assert get_version(registry_db, "m-1").artifacts == artifact_digests(store.path("m-1"))


def test_a_card_without_training_data_digest_needs_one(registry_db, store, model_dir) -> None:
    with pytest.raises(RegistryError, match="training data digest"):
        register(registry_db, store, model_dir, **WHO)
    with pytest.raises(RegistryError, match="not a sha256"):
        register(registry_db, store, model_dir, data_digest="E" * 64, **WHO)
    assert list_versions(registry_db) == []
    assert not store.root.exists()  # refused before anything was copied
    register(registry_db, store, model_dir, data_digest="e" * 64, **WHO)
    assert get_version(registry_db, "test-model-1").data_digest == "e" * 64


def test_a_change_needs_who_and_why(registry_db, store, variant) -> None:
    with pytest.raises(RegistryError, match="why"):
        register(registry_db, store, variant("m-1"), actor="alice", reason=" ")
    register(registry_db, store, variant("m-2"), **WHO)
    with pytest.raises(RegistryError, match="who"):
        promote(registry_db, "m-2", Status.CHAMPION, "", "first")


def test_promotions_replace_the_champion_and_the_challenger(registry_db, store, variant) -> None:
    _registered(registry_db, store, variant, "m-1", "m-2", "m-3")
    promote(registry_db, "m-1", Status.CHAMPION, "alice", "first model")
    promote(registry_db, "m-2", Status.CHALLENGER, "bob", "shadow the retrain")
    assert _statuses(registry_db) == {"m-1": "champion", "m-2": "challenger", "m-3": "candidate"}
    events = promote(registry_db, "m-2", Status.CHAMPION, "bob", "better AP in shadow")
    assert [(e.model_version, e.from_status, e.to_status) for e in events] == [
        ("m-1", Status.CHAMPION, Status.RETIRED),
        ("m-2", Status.CHALLENGER, Status.CHAMPION),
    ]
    assert len({e.change_id for e in events}) == 1
    assert _statuses(registry_db) == {"m-1": "retired", "m-2": "champion", "m-3": "candidate"}
    replaced = promote(registry_db, "m-3", Status.CHALLENGER, "bob", "next try")
    assert [e.to_status for e in replaced] == [Status.CHALLENGER]  # no challenger to retire
    assert set(serving(registry_db)) == {Status.CHAMPION, Status.CHALLENGER}


def test_rollback_restores_the_previous_champion(registry_db, store, variant) -> None:
    _registered(registry_db, store, variant, "m-1", "m-2", "m-3")
    promote(registry_db, "m-1", Status.CHAMPION, "alice", "first model")
    with pytest.raises(TransitionError, match="only champion"):
        rollback(registry_db, "alice", "oops")
    promote(registry_db, "m-2", Status.CHAMPION, "alice", "retrained")
    events = rollback(registry_db, "carol", "alert rate doubled after the switch")
    assert [(e.model_version, e.to_status, e.action.value) for e in events] == [
        ("m-2", Status.RETIRED, "rollback"),
        ("m-1", Status.CHAMPION, "rollback"),
    ]
    assert events[0].reason == "alert rate doubled after the switch"
    assert _statuses(registry_db)["m-1"] == "champion"
    rollback(registry_db, "carol", "undo the rollback")
    assert _statuses(registry_db)["m-2"] == "champion"
    rollback(registry_db, "carol", "straight to the third", to="m-3")
    assert _statuses(registry_db) == {"m-1": "retired", "m-2": "retired", "m-3": "champion"}
    with pytest.raises(TransitionError, match="champion already"):
        rollback(registry_db, "carol", "again", to="m-3")


def test_forbidden_changes_are_refused_and_change_nothing(registry_db, store, variant) -> None:
    _registered(registry_db, store, variant, "m-1", "m-2")
    with pytest.raises(TransitionError, match="no champion"):
        rollback(registry_db, "alice", "nothing yet")
    promote(registry_db, "m-1", Status.CHAMPION, "alice", "first model")
    before = (_statuses(registry_db), len(history(registry_db)))
    with pytest.raises(TransitionError, match="cannot become the challenger"):
        promote(registry_db, "m-1", Status.CHALLENGER, "alice", "demote")
    with pytest.raises(TransitionError, match="already the champion"):
        promote(registry_db, "m-1", Status.CHAMPION, "alice", "again")
    with pytest.raises(TransitionError, match="is the champion"):
        retire(registry_db, "m-1", "alice", "enough")
    with pytest.raises(TransitionError, match="not a candidate"):
        promote(registry_db, "m-2", Status.CANDIDATE, "alice", "back")
    with pytest.raises(UnknownVersionError):
        promote(registry_db, "m-9", Status.CHAMPION, "alice", "who?")
    retire(registry_db, "m-2", "alice", "not needed")
    with pytest.raises(TransitionError, match="already retired"):
        retire(registry_db, "m-2", "alice", "twice")
    assert (_statuses(registry_db)["m-1"], len(history(registry_db))) == (
        before[0]["m-1"], before[1] + 1)  # fmt: skip


def test_concurrent_promotions_leave_one_champion_and_a_consistent_history(
    registry_db, registry_settings, store, variant
) -> None:
    versions = [f"m-{i}" for i in range(6)]
    _registered(registry_db, store, variant, *versions)
    errors: list[BaseException] = []

    def run(version: str) -> None:
        try:  # one connection per promoter, as separate processes would have
            with connect(registry_settings) as conn:
                promote(conn, version, Status.CHAMPION, "bot", f"race {version}")
        except BaseException as error:  # recorded: asserted below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(v,)) for v in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    statuses = _statuses(registry_db)
    assert sorted(statuses.values()) == ["champion"] + ["retired"] * 5
    # Each promotion retired exactly the one before it: the champions form one chain.
    crowned = [e.model_version for e in history(registry_db) if e.to_status is Status.CHAMPION]
    dethroned = [e.model_version for e in history(registry_db)
                 if e.from_status is Status.CHAMPION]  # fmt: skip
    assert crowned[:-1] == dethroned
    assert crowned[-1] == next(v for v, s in statuses.items() if s == "champion")
