"""The feature code's fingerprint: whatever was computed from features (a training matrix, a warm
start's state) is cached under it and recomputed when the code changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

FEATURE_CODE = Path(__file__).parent


def code_digest() -> str:
    """SHA-256 over every module of this package, name and bytes, in sorted path order."""
    digest = hashlib.sha256()
    for path in sorted(FEATURE_CODE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
