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
        hits = [(rule, mask) for rule, mask in active if mask.any()]
        if hits:
            levels = _combine(levels, hits)
        return Decided(levels, _ids(hits, batch.size), _ids(shadow, batch.size), errors)


def _evaluate(
    rules: tuple[CompiledRule, ...], batch: Batch, errors: list[tuple[str, str]]
) -> list[tuple[CompiledRule, Mask]]:
    evaluated = []
    for rule in rules:
        try:
            mask = rule.evaluate(batch)
            if mask.shape != (batch.size,) or mask.dtype != np.bool_:
                raise TypeError(f"a mask of shape {mask.shape} and type {mask.dtype}")
        except Exception as error:  # the hot path decides whatever a rule does
            errors.append((rule.id, f"{type(error).__name__}: {error}"))
            continue
        evaluated.append((rule, mask))
    return evaluated


def _combine(model: Levels, hits: list[tuple[CompiledRule, Mask]]) -> Levels:
    escalation = np.zeros_like(model)
    strictest = np.full(len(model), -1, dtype=np.int32)  # top priority of a fired block/review
    allowing = np.full(len(model), -1, dtype=np.int32)  # top priority of a fired allow
    for rule, mask in hits:
        priority = rule.definition.priority
        if rule.definition.action is Action.ALLOW:
            allowing = np.where(mask, np.maximum(allowing, priority), allowing)
            continue
        level = LEVEL[rule.definition.action]
        escalation = np.where(mask, np.maximum(escalation, level), escalation)
        strictest = np.where(mask, np.maximum(strictest, priority), strictest)
    decided = np.maximum(model, escalation)
    return np.where(allowing > strictest, 0, decided).astype(np.int8)


def _ids(hits: list[tuple[CompiledRule, Mask]], size: int) -> list[list[str]]:
    fired: list[list[str]] = [[] for _ in range(size)]
    hits = [(rule, mask) for rule, mask in hits if mask.any()]
    if not hits:
        return fired
    matrix = np.stack([mask for _, mask in hits])
    for i in np.flatnonzero(matrix.any(axis=0)).tolist():
        fired[i] = [hits[j][0].id for j in np.flatnonzero(matrix[:, i]).tolist()]
    return fired
