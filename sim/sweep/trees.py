"""The second view of scenario discovery: a classification tree (CART) of where a
condition holds, and feature scores of how much each parameter tells about it.

CART (Breiman et al. 1984) splits the space one parameter threshold at a time; each leaf
is a box with its own density and coverage, so the tree shows alternative descriptions
of the region PRIM peels (Lempert et al. 2008 compare the two). Feature scores are the
mean impurity decrease of an extra-trees ensemble (Geurts et al. 2006), as in EMA
Workbench's feature scoring. Both are scikit-learn's, seeded.

References
----------
Breiman, L., Friedman, J., Olshen, R. & Stone, C. (1984). Classification and Regression
Trees. Wadsworth.
Geurts, P., Ernst, D. & Wehenkel, L. (2006). Extremely randomized trees. Machine
Learning 63, 3-42.
Lempert, R. J., Bryant, B. P. & Bankes, S. C. (2008). Comparing algorithms for scenario
discovery. RAND WR-557-NSF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Trees in the extra-trees ensemble behind the feature scores.
N_TREES = 300


@dataclass
class TreeView:
    """A fitted classification tree: its rules as text, and one row per leaf (``rule``,
    cases ``n``, cases of interest ``k``, ``density``, ``coverage``, ``predicts``)."""

    rules: str
    leaves: pd.DataFrame
    depth: int
    accuracy: float


def encoded(x: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as they are, categorical ones one-hot (``name=value``)."""
    categorical = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    if not categorical:
        return x.astype(float)
    return pd.get_dummies(x, columns=categorical, prefix_sep="=", dtype=float)


def classification_tree(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3,
                        min_leaf_share: float = 0.05, seed: int = 0) -> TreeView:
    """Fit a CART tree of ``y`` on ``x``; leaves hold at least ``min_leaf_share`` of the
    cases (at least 5)."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    y = np.asarray(y, dtype=bool)
    xe = encoded(x)
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed,
                                  min_samples_leaf=max(5, int(min_leaf_share * len(y))))
    tree.fit(xe.to_numpy(), y)
    names = list(xe.columns)
    rules = export_text(tree, feature_names=names, show_weights=True, decimals=3)
    t = tree.tree_
    leaf_of = tree.apply(xe.to_numpy())
    total = max(int(y.sum()), 1)
    rows = []

    def walk(node: int, path: list[str]) -> None:
        if t.children_left[node] == -1:
            members = leaf_of == node
            k, n = int(y[members].sum()), int(members.sum())
            rows.append({"rule": " and ".join(path) or "(all cases)", "n": n, "k": k,
                         "density": k / n if n else np.nan, "coverage": k / total,
                         "predicts": bool(k / n >= 0.5) if n else False})
            return
        name, threshold = names[t.feature[node]], t.threshold[node]
        walk(t.children_left[node], [*path, f"{name} <= {threshold:.4g}"])
        walk(t.children_right[node], [*path, f"{name} > {threshold:.4g}"])

    walk(0, [])
    leaves = pd.DataFrame(rows).sort_values(["predicts", "density"], ascending=False,
                                            kind="stable").reset_index(drop=True)
    return TreeView(rules, leaves, int(tree.get_depth()), float(tree.score(xe.to_numpy(), y)))


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.Series:
    """Each parameter's share of the extra-trees impurity decrease (sums to 1; one-hot
    columns of a categorical parameter are summed back into it), largest first."""
    from sklearn.ensemble import ExtraTreesClassifier

    xe = encoded(x)
    forest = ExtraTreesClassifier(n_estimators=N_TREES, random_state=seed, n_jobs=1,
                                  max_features="sqrt", min_samples_leaf=2)
    forest.fit(xe.to_numpy(), np.asarray(y, dtype=bool))
    scores = pd.Series(forest.feature_importances_, index=xe.columns)
    owner = {c: next((p for p in x.columns if c == p or c.startswith(f"{p}=")), c)
             for c in xe.columns}
    scores = scores.groupby(owner).sum()
    return (scores / scores.sum()).sort_values(ascending=False)
