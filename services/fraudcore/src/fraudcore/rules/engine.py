"""Rule sets: definitions compiled once, evaluated per batch, combined with the model's decision.

Combining (levels: approve 0, review 1, block 2): the decision is the highest of the model's and
every fired active block or review rule's; an allow rule that fired approves instead, when its
priority is above every block or review rule that fired with it (equal priority: the stricter
wins). Shadow rules are evaluated beside them and change nothing ("would have fired").

A rule that raises while it runs (it should not: operations are total) is reported in
``Decided.errors`` and treated as not fired, so a payment is always decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.rules.batch import Batch, Floats, Mask
from fraudcore.rules.compiler import compile_condition
from fraudcore.rules.definition import Action, RuleDefinition, Status
from fraudcore.rules.errors import RuleError
from fraudcore.rules.vocabulary import SERVED, Vocabulary

Levels = npt.NDArray[np.int8]
LEVEL = {Action.REVIEW: 1, Action.BLOCK: 2}


class RuleSetError(ValueError):
    """A rule set that cannot run: a rule that does not compile, or clashing versions."""


@dataclass(frozen=True)
class CompiledRule:
    definition: RuleDefinition
    evaluate: Callable[[Batch], Mask]  # call inside np.errstate(all="ignore"): never raises

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def description(self) -> str:
        return self.definition.reason

    def fires(self, column: Callable[[str], Floats]) -> Mask:
        """Where the rule fires, given only feature columns (payment fields read as missing)."""
        with np.errstate(all="ignore"):
            return self.evaluate(Batch(len(column(FEATURE_NAMES[0])), column))


def compile_rule(definition: RuleDefinition, vocabulary: Vocabulary = SERVED) -> CompiledRule:
    return CompiledRule(definition, compile_condition(definition.expression, vocabulary))


@dataclass(frozen=True)
class Decided:
    levels: Levels  # per payment: 0 approve, 1 review, 2 block
    fired: list[list[str]]  # per payment: ids of the active rules that fired, in set order
    shadow: list[list[str]]  # per payment: ids of the shadow rules that would have fired
    errors: list[tuple[str, str]] = field(default_factory=list)  # (rule id, error): not fired


class RuleSet:
    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        ordered = sorted(rules, key=lambda rule: (-rule.definition.priority, rule.id))
        self.active = tuple(r for r in ordered if r.definition.status is Status.ACTIVE)
        self.shadow = tuple(r for r in ordered if r.definition.status is Status.SHADOW)
        # One version per id and status: what a fired id stands for in the decision log.
        self.active_versions = {r.id: r.definition.version for r in self.active}
        self.shadow_versions = {r.id: r.definition.version for r in self.shadow}
        # Per active rule, for combining them all at once: allow?, priority, level it raises to.
        actions = [r.definition.action for r in self.active]
        self._allows = np.array([a is Action.ALLOW for a in actions], dtype=np.bool_)
        self._priorities = np.array([r.definition.priority for r in self.active], np.int32)
        self._levels = np.array([LEVEL.get(a, 0) for a in actions], dtype=np.int8)

    @classmethod
    def compile(
        cls, definitions: Iterable[RuleDefinition], vocabulary: Vocabulary = SERVED
    ) -> RuleSet:
        """Every definition compiled (drafts too: a broken draft is refused as early); one
        version per id may be active and one in shadow."""
        seen: dict[tuple[str, str], int] = {}
        versions: set[tuple[str, int]] = set()
        compiled = []
        for rule in definitions:
            if (rule.id, rule.version) in versions:
                raise RuleSetError(f"{rule.id} version {rule.version} is defined twice")
            versions.add((rule.id, rule.version))
            if rule.status in (Status.ACTIVE, Status.SHADOW):
                other = seen.setdefault((rule.id, rule.status), rule.version)
                if other != rule.version:
                    both = f"versions {other} and {rule.version} are both {rule.status}"
                    raise RuleSetError(f"{rule.id}: {both}")
            try:
                compiled.append(compile_rule(rule, vocabulary))
            except RuleError as error:
                raise RuleSetError(f"{rule.id} version {rule.version}: {error}") from error
        return cls(compiled)

    def decide(self, model: Levels, batch: Batch) -> Decided:
        """The model's levels with the active rules applied, and which rules fired where."""
        errors: list[tuple[str, str]] = []
        with np.errstate(all="ignore"):
            active = _evaluate(self.active, batch, errors)
            shadow = _evaluate(self.shadow, batch, errors)
        levels = np.asarray(model, dtype=np.int8).copy()
        hit, shadowed = _fired(active), _fired(shadow)
        if hit.any():
            levels = _combine(
                levels, active[hit], self._allows[hit], self._priorities[hit], self._levels[hit]
            )
        return Decided(
            levels, _ids(self.active, active, hit), _ids(self.shadow, shadow, shadowed), errors
        )


def _evaluate(rules: tuple[CompiledRule, ...], batch: Batch, errors: list[tuple[str, str]]) -> Mask:
    """Rules x payments: where each rule fires (nowhere, for one that failed)."""
    nowhere = np.zeros(batch.size, dtype=np.bool_)
    masks = []
    for rule in rules:
        try:
            mask = rule.evaluate(batch)
            if mask.shape != nowhere.shape:
                raise TypeError(f"a mask of shape {mask.shape} for {batch.size} payments")
        except Exception as error:  # the hot path decides whatever a rule does
            errors.append((rule.id, f"{type(error).__name__}: {error}"))
            mask = nowhere
        masks.append(mask)
    if not masks:
        return np.zeros((0, batch.size), dtype=np.bool_)
    return np.stack(masks).astype(np.bool_, copy=False)


def _combine(
    model: Levels,
    hits: Mask,
    allows: Mask,
    priorities: npt.NDArray[np.int32],
    raises: Levels,
) -> Levels:
    """``hits`` is rules x payments; the other arrays are per rule, in the same order."""
    escalating = hits & ~allows[:, None]
    escalation = np.where(escalating, raises[:, None], 0).max(axis=0)
    strictest = np.where(escalating, priorities[:, None], -1).max(axis=0)  # of a block/review
    allowing = np.where(hits & allows[:, None], priorities[:, None], -1).max(axis=0)
    decided = np.maximum(model, escalation)
    return np.where(allowing > strictest, 0, decided).astype(np.int8)


def _fired(matrix: Mask) -> Mask:
    """Which rules (rows) fired anywhere in the batch."""
    return np.asarray(matrix.any(axis=1), dtype=np.bool_)


def _ids(rules: tuple[CompiledRule, ...], matrix: Mask, hit: Mask) -> list[list[str]]:
    """Per payment (columns of ``matrix``), the ids of the rules (its rows) that fired there."""
    fired: list[list[str]] = [[] for _ in range(matrix.shape[1])]
    if not hit.any():
        return fired
    ids = [rule.id for rule, h in zip(rules, hit.tolist(), strict=True) if h]
    rows = matrix[hit]
    for i in np.flatnonzero(rows.any(axis=0)).tolist():
        fired[i] = [ids[j] for j in np.flatnonzero(rows[:, i]).tolist()]
    return fired
