"""The dashboard's pages: static HTML whose scripts read the JSON API (no data in the markup)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from fraud_dashboard.routes.live import TransactionId

STATIC = Path(str(resources.files("fraud_dashboard").joinpath("static")))
router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html")


@router.get("/")
async def index() -> FileResponse:
    """The live map, figures and alert feed."""
    return _page("index.html")


@router.get("/queue")
async def queue() -> FileResponse:
    """The review queue: decisions waiting for an analyst."""
    return _page("queue.html")


@router.get("/rules")
async def rules() -> FileResponse:
    """The rules: versions, editing with validation, backtests, shadow, activate, retire."""
    return _page("rules.html")


@router.get("/models")
async def models() -> FileResponse:
    """The models: versions, champion against challenger over a window, promotion history."""
    return _page("models.html")


@router.get("/sign-in")
async def sign_in() -> FileResponse:
    """Signing in with a name and password from the users file (the form posts JSON)."""
    return _page("sign-in.html")


@router.get("/decisions/{transaction_id}")
async def decision(transaction_id: TransactionId) -> FileResponse:  # the page reads the id
    """One decision: the payment, the card's recent history, score, rules and reasons."""
    return _page("decision.html")
