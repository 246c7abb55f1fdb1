"""Rule sets: definitions compiled once, evaluated per batch, combined with the model's decision.

Combining (levels: approve 0, review 1, block 2): the decision is the highest of the model's and
every fired active block or review rule's; an allow rule that fired approves instead, when its
priority is above every block or review rule that fired with it (equal priority: the stricter
wins). Shadow rules are evaluated beside them and change nothing ("would have fired").

The set is evaluated as a whole (``fraudcore.rules.program``: its cost nearly flat in the number
of rules), or for a small batch payment by payment (``fraudcore.rules.scalar``: under
SCALAR_WORK rules x payments, where the program's fixed cost of numpy calls dominates); should
that raise for a batch, each rule is evaluated on its own for it, and a rule that raises (it
should not: operations are total) is reported in ``Decided.errors`` and treated as not fired,
so a payment is always decided.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.rules.batch import Batch, Floats, Mask
from fraudcore.rules.compiler import Tree
from fraudcore.rules.definition import Action, RuleDefinition, Status
from fraudcore.rules.errors import RuleError
from fraudcore.rules.program import Program
from fraudcore.rules.scalar import Row, Test
from fraudcore.rules.scalar import fires_all as scalar_fires
from fraudcore.rules.vocabulary import SERVED, Vocabulary

Levels = npt.NDArray[np.int8]
LEVEL = {Action.REVIEW: 1, Action.BLOCK: 2}
# Rules x payments under which a batch is decided payment by payment: the crossover with the
# program, measured alternating both at batches 1 to 32 with 5, 10, 30 and 100 rules (between 40
# and 80 with 5 rules, 120 and 240 with 30, about 200 with 100).
SCALAR_WORK = 128


class RuleSetError(ValueError):
    """A rule set that cannot run: a rule that does not compile, or clashing versions."""


@dataclass(frozen=True)
class CompiledRule:
    definition: RuleDefinition
    evaluate: Callable[[Batch], Mask]  # call inside np.errstate(all="ignore"): never raises
    tree: Tree | None = None  # what the rule set compiles as a whole (None: evaluate alone)

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
    tree = Tree.of(definition.expression, vocabulary)
    return CompiledRule(definition, tree.mask(), tree)


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
        # Per active rule, for combining them all at once: its rank, odd for an allow (1 +
        # twice its priority, and above an allow of the same priority for a block or review),
        # and the level it raises to (an allow: none).
        actions = [r.definition.action for r in self.active]
        ranks = [1 + 2 * r.definition.priority + (a is not Action.ALLOW) for r, a in zip(
            self.active, actions, strict=True)]  # fmt: skip
        self._ranks = np.array(ranks, dtype=np.int16)[:, None]
        self._raises = np.array([LEVEL.get(a, 0) for a in actions], dtype=np.int8)[:, None]
        self._program = Program([*self.active, *self.shadow])
        trees = [r.tree for r in (*self.active, *self.shadow)]
        self._tests: tuple[Test, ...] | None = (
            scalar_fires([tree for tree in trees if tree is not None])
            if all(tree is not None for tree in trees)
            else None  # a rule given as a function only: the program calls it per batch
        )
        self._ids = tuple(np.array([r.id for r in rules], dtype=object) for rules in (
            self.active, self.shadow))  # fmt: skip

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
            active, shadow = self._masks(batch, errors)
        levels = np.asarray(model, dtype=np.int8)
        levels = self._combine(levels, active) if active.any() else levels.copy()
        return Decided(levels, _ids(self._ids[0], active), _ids(self._ids[1], shadow), errors)

    def _masks(self, batch: Batch, errors: list[tuple[str, str]]) -> tuple[Mask, Mask]:
        """Active rules x payments and shadow rules x payments: where each surely fires."""
        tests, split = self._tests, len(self.active)
        matrix = batch.matrix()
        if tests is not None and matrix is not None and batch.size * len(tests) <= SCALAR_WORK:
            with contextlib.suppress(Exception):  # then the program, then each rule, decide
                rows = [Row(batch, index, matrix[:, index]) for index in range(batch.size)]
                fired = [test(row) for test in tests for row in rows]
                both = np.array(fired, dtype=np.bool_).reshape(len(tests), batch.size)
                return both[:split], both[split:]
        try:
            both = self._program.run(batch)
            return both[:split], both[split:]
        except Exception:  # which rule raised, and the others' masks: one at a time
            return _evaluate(self.active, batch, errors), _evaluate(self.shadow, batch, errors)

    def _combine(self, model: Levels, hits: Mask) -> Levels:
        """``hits`` is active rules x payments. The highest-ranked rule that fired decides
        whether an allow wins (its priority above every block or review that fired); if not,
        the highest of the model's level and the fired rules' levels."""
        top = (hits * self._ranks).max(axis=0)  # 0 where none fired
        escalation = (hits * self._raises).max(axis=0)
        return np.where(top & 1, 0, np.maximum(model, escalation)).astype(np.int8)


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


def _ids(ids: npt.NDArray[np.object_], matrix: Mask) -> list[list[str]]:
    """Per payment (columns of ``matrix``), the ids (``ids``: of its rows) that fired there."""
    fired: list[list[str]] = [[] for _ in range(matrix.shape[1])]
    if len(ids) == 0 or not matrix.any():
        return fired
    payments, rules = np.nonzero(matrix.T)  # by payment, then in the rules' order
    for payment, rule_id in zip(payments.tolist(), ids[rules].tolist(), strict=True):
        fired[payment].append(rule_id)
    return fired
