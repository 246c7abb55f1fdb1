from pathlib import Path

from fraud_monitoring import alerts, cli, dashboard, generate

ROOT = Path(__file__).resolve().parents[2]


def test_committed_files_equal_a_fresh_generation() -> None:
    # If this fails: run `make monitoring` and commit the regenerated files.
    assert generate.stale(ROOT) == []


def test_generation_is_deterministic() -> None:
    assert generate.render_all() == generate.render_all()


def test_write_then_check_round_trip(tmp_path: Path) -> None:
    assert cli.main(["generate", "--root", str(tmp_path), "--check"]) == 1
    assert cli.main(["generate", "--root", str(tmp_path)]) == 0
    assert cli.main(["generate", "--root", str(tmp_path), "--check"]) == 0
    assert generate.write_all(tmp_path) == []  # nothing left to change
    (tmp_path / generate.RULES_FILE).write_text("groups: []\n")
    assert generate.stale(tmp_path) == [generate.RULES_FILE]


def test_generated_files_stay_inside_the_fixed_top_level_layout() -> None:
    allowed = {"services", "charts", "k8s"}
    assert {path.parts[0] for path in generate.render_all()} <= allowed


def test_readme_documents_every_panel_and_alert() -> None:
    readme = (ROOT / "README.md").read_text()
    built = dashboard.load(dashboard.to_json(dashboard.build()))
    titles = {query.title for query in dashboard.panel_queries(built)}
    missing = [t for t in sorted(titles) if t not in readme]
    missing += [a.name for a in alerts.alerts() if a.name not in readme or a.runbook not in readme]
    assert missing == []
