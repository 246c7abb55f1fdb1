"""XGBoost's approximate per-feature contributions (``pred_contribs=True, approx_contribs=True``:
each split on a row's path credits its feature with the change in the node's mean value), the
same float32 figures, computed here from the booster's own trees without a DMatrix: a batch of
a few rows cost 350 us through XGBoost, most of it the call's fixed cost, and reason codes are
computed on the consumer's hot path.

Every leaf's path credits the same features by the same amounts whichever row reaches it, so
those credits are summed per tree once, at load, in XGBoost's order and precision; a row then
only has to find its leaf in each tree (the trees walked together, one level per step) and add
its leaves' credits tree after tree, as XGBoost does."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xgboost as xgb

Rows = npt.NDArray[np.float32]


class UnsupportedTreesError(ValueError):
    """Trees this module does not walk (categorical splits, several outputs, not gbtree)."""


@dataclass(frozen=True)
class PathAttributions:
    """The trees as flat arrays over all their nodes, and each leaf's credits.

    A node's children sit at ``children[2 * node]`` (left) and ``children[2 * node + 1]``
    (right); a leaf's are the leaf itself, so that every row takes ``depth`` steps. A row is
    looked up with its missing values as +inf and as -inf side by side (``2 * features``
    values): each node reads the copy that sends a missing value its default way."""

    children: npt.NDArray[np.int32]  # [2 * nodes]
    lookup: npt.NDArray[np.int32]  # [nodes]: the feature, plus n_features where missing goes left
    threshold: npt.NDArray[np.float32]  # [nodes]: a value at or above goes right
    roots: npt.NDArray[np.int32]  # each tree's first node
    depth: int
    # A leaf's credits, one per feature on its path: [nodes, depth] each (padding: +0.0 to
    # feature 0, as XGBoost adds a tree's 0 for every feature not on the path).
    credit_features: npt.NDArray[np.int32]
    credit_amounts: npt.NDArray[np.float32]
    n_features: int

    @classmethod
    def of(cls, booster: xgb.Booster) -> PathAttributions:
        model = json.loads(booster.save_raw("json"))
        learner = model["learner"]
        booster_model = learner["gradient_booster"]
        if booster_model.get("name") != "gbtree":
            raise UnsupportedTreesError(f"{booster_model.get('name')}: not a gbtree booster")
        params = learner["learner_model_param"]
        if int(params.get("num_target", "1")) > 1 or int(params.get("num_class", "0")) > 1:
            raise UnsupportedTreesError("several outputs: one contribution set per output")
        trees = booster_model["model"]["trees"]
        if any(any(t.get("split_type", [])) for t in trees):
            raise UnsupportedTreesError("categorical splits")
        return cls._build(trees, int(params["num_feature"]))

    @classmethod
    def _build(cls, trees: list[dict[str, Any]], n_features: int) -> PathAttributions:
        sizes = [len(t["left_children"]) for t in trees]
        roots = np.cumsum([0, *sizes[:-1]]).astype(np.int32)
        total = sum(sizes)
        children = np.empty(2 * total, np.int32)
        lookup = np.zeros(total, np.int32)
        threshold = np.zeros(total, np.float32)
        credits: list[tuple[int, list[tuple[int, np.float32]]]] = []
        depth = 0
        for base, tree in zip(roots.tolist(), trees, strict=True):
            lc, rc = tree["left_children"], tree["right_children"]
            for node, (lo, hi) in enumerate(zip(lc, rc, strict=True)):
                at = base + node
                if lo == -1:
                    children[2 * at : 2 * at + 2] = at
                    continue
                children[2 * at], children[2 * at + 1] = base + lo, base + hi
                missing_left = bool(tree["default_left"][node])
                lookup[at] = tree["split_indices"][node] + (n_features if missing_left else 0)
                threshold[at] = tree["split_conditions"][node]
            means = _mean_values(tree)
            for leaf, path in _paths(tree):
                depth = max(depth, len(path) - 1)
                credits.append((base + leaf, _credits(path, means, tree)))
        credit_features = np.zeros((total, max(depth, 1)), np.int32)
        credit_amounts = np.zeros((total, max(depth, 1)), np.float32)
        for leaf, pairs in credits:
            for k, (f, amount) in enumerate(pairs):
                credit_features[leaf, k], credit_amounts[leaf, k] = f, amount
        return cls(
            children, lookup, threshold, roots, depth, credit_features, credit_amounts, n_features
        )

    def leaves(self, rows: Rows) -> npt.NDArray[np.int32]:
        """Per row and tree, the flat index of the leaf the row reaches ([rows, trees])."""
        rows = np.asarray(rows, np.float32)
        if rows.shape[-1] != self.n_features:
            raise ValueError(f"rows of {rows.shape[-1]} values for trees over {self.n_features}")
        rows = rows.reshape(-1, self.n_features)
        missing = np.isnan(rows)
        # XGBoost: below the split goes left, a missing value its node's default way.
        both = np.concatenate(
            [np.where(missing, np.inf, rows), np.where(missing, -np.inf, rows)], axis=1
        ).reshape(-1)
        row_base = (np.arange(len(rows), dtype=np.int32) * (2 * self.n_features))[:, None]
        node = np.broadcast_to(self.roots, (len(rows), len(self.roots)))
        for _ in range(self.depth):
            right = both[row_base + self.lookup[node]] >= self.threshold[node]
            node = self.children[2 * node + right]
        return node

    def contributions(self, rows: Rows) -> npt.NDArray[np.float32]:
        """Per row, each feature's contribution ([rows, features], float32), without the bias
        column XGBoost appends."""
        leaves = self.leaves(rows)
        n = len(leaves)
        out = np.zeros(n * self.n_features, np.float32)
        at = np.arange(n, dtype=np.int32)[:, None, None] * self.n_features
        # Unbuffered, in index order (row, tree, credit): each feature's credits add up tree
        # after tree in float32, as XGBoost adds each tree's contribution to the row's.
        np.add.at(out, (at + self.credit_features[leaves]).reshape(-1),
                  self.credit_amounts[leaves].reshape(-1))  # fmt: skip
        return out.reshape(n, self.n_features)


def _mean_values(tree: dict[str, Any]) -> list[np.float32]:
    """Each node's mean value: its leaves' values weighted by their hessian sums, in float32,
    children before parents, as XGBoost fills them for contributions."""
    lc, rc = tree["left_children"], tree["right_children"]
    values, hess = tree["split_conditions"], tree["sum_hessian"]
    means: list[np.float32] = [np.float32(0)] * len(lc)
    order: list[int] = []
    stack = [0]
    while stack:  # parents before children; filled in reverse
        node = stack.pop()
        order.append(node)
        if lc[node] != -1:
            stack += [lc[node], rc[node]]
    for node in reversed(order):
        if lc[node] == -1:
            means[node] = np.float32(values[node])
            continue
        result = means[lc[node]] * np.float32(hess[lc[node]])
        result = result + means[rc[node]] * np.float32(hess[rc[node]])
        means[node] = np.float32(result / np.float32(hess[node]))
    return means


def _paths(tree: dict[str, Any]) -> list[tuple[int, list[int]]]:
    """Each leaf with the nodes on its path from the root (the leaf last)."""
    lc, rc = tree["left_children"], tree["right_children"]
    found: list[tuple[int, list[int]]] = []
    stack: list[list[int]] = [[0]]
    while stack:
        path = stack.pop()
        node = path[-1]
        if lc[node] == -1:
            found.append((node, path))
        else:
            stack += [[*path, lc[node]], [*path, rc[node]]]
    return found


def _credits(
    path: list[int], means: list[np.float32], tree: dict[str, Any]
) -> list[tuple[int, np.float32]]:
    """A leaf's credits per feature: every split on its path credits its feature with the
    child's mean minus the node's (and the leaf, its value minus its mean: 0), summed in path
    order in float32."""
    credits: dict[int, np.float32] = {}
    for parent, child in itertools.pairwise(path):
        f = int(tree["split_indices"][parent])
        step = np.float32(means[child] - means[parent])
        credits[f] = np.float32(credits.get(f, np.float32(0)) + step)
    return list(credits.items())
