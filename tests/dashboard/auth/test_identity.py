"""Which paths take state changes, and the CSRF double-submit check."""

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from fraud_dashboard.auth.identity import check_csrf, writable
from fraud_dashboard.auth.sessions import Session
from fraud_dashboard.auth.users import Role
from fraud_dashboard.auth.who import Identity, Proof

SESSION = Session("ana", Role.ANALYST, "the-token", 0.0)


def _request(method: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw})


def test_only_sign_in_verdicts_and_rules_take_state_changes() -> None:
    assert writable("/api/session")
    assert writable("/api/decisions/tx-1/verdicts")
    assert not writable("/api/decisions/tx-1")
    assert not writable("/api/decisions/tx-1/verdicts/2")
    assert not writable("/api/queue")
    for path in ("validate", "backtest", "R10-X/versions", "R10-X/versions/2/status"):
        assert writable(f"/api/rules/{path}")
    for path in ("", "/R10-X", "/R10-X/versions/2", "/R10-X/versions/two/status", "/a/b/versions"):
        assert not writable(f"/api/rules{path}")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "CSRF token missing"),
        ({"X-CSRF-Token": "another"}, "CSRF token does not match this session"),
    ],
)
def test_a_session_state_change_needs_its_token(headers, message) -> None:
    who = Identity("ana", Role.ANALYST, Proof.SESSION, SESSION, "id")
    with pytest.raises(HTTPException) as raised:
        check_csrf(_request("POST", headers), who)
    assert raised.value.status_code == 403
    assert str(raised.value.detail).startswith(message)
    check_csrf(_request("POST", {"X-CSRF-Token": "the-token"}), who)
    check_csrf(_request("GET", {}), who)  # reads need none


def test_a_bearer_token_needs_no_csrf_token() -> None:
    check_csrf(_request("POST", {}), Identity("bot", Role.ANALYST, Proof.TOKEN))
