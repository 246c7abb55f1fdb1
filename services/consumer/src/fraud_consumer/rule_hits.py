"""What the decision log keeps beside a decision's fired rule ids (``Verdict.rules``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleHits:
    versions: list[int] = field(default_factory=list)  # of Verdict.rules, in its order
    shadow: list[str] = field(default_factory=list)  # shadow rules that would have fired
    shadow_versions: list[int] = field(default_factory=list)
