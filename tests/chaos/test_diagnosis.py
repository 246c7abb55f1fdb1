from tests.chaos.diagnosis import last_lines


def test_a_run_of_one_message_is_shown_once_with_its_count() -> None:
    log = "\n".join(
        [
            "2026-12-06 02:32:50,001 INFO consumer started",
            *(f"2026-12-06 02:32:56,{i:03d} WARNING broker down" for i in range(20)),
            "2026-12-06 02:32:57,000 WARNING replacing it",
        ]
    )
    assert last_lines(log) == [
        "2026-12-06 02:32:50,001 INFO consumer started",
        "2026-12-06 02:32:56,000 WARNING broker down  (x20)",
        "2026-12-06 02:32:57,000 WARNING replacing it",
    ]
    assert last_lines(log, count=1) == ["2026-12-06 02:32:57,000 WARNING replacing it"]
