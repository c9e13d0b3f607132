"""Features and labelling rules typed as formulas, parsed safely: the user's text is never run as Python.

The text is read by :func:`ast.parse` into a tree, and only a whitelist of node types is evaluated,
by this module's own small interpreter over NumPy arrays: numbers, the names x1, x2 (and x, y for
the same two inputs), + - * / ** and unary minus, comparisons and ``and``/``or``/``not`` for
labelling rules, and calls of a fixed table of functions. Anything else (attributes, subscripts,
strings, lambdas, comprehensions, ``__import__``) is refused with a DatasetError before anything
is evaluated. The input features TensorFlow Playground offers (x1, x2, x1², x2², x1·x2, sin x1,
sin x2) are themselves formulas of this table, so there is one home for what a feature computes.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

import numpy as np

from core.errors import DatasetError

MAX_CHARS = 200  # longer text is refused before parsing
MAX_NODES = 200  # a formula of more parts is refused (nesting cannot grow the interpreter's stack past this)
MAX_EXPONENT = 64.0  # |constant exponent| above this is refused: 9**9**9 gets a message, not a hang or inf
NAMES = ("x1", "x2", "x", "y")  # x is x1 and y is x2, as a plotted plane reads them
FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "min": np.minimum,
    "max": np.maximum,
}
ARITY = {"min": 2, "max": 2}  # every other function takes one argument
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
# The Playground's extra input features, TensorFlow Playground's set: display name -> formula.
FEATURES = {
    "x1": "x1",
    "x2": "x2",
    "x1²": "x1**2",
    "x2²": "x2**2",
    "x1·x2": "x1*x2",
    "sin x1": "sin(x1)",
    "sin x2": "sin(x2)",
}
SYMBOLS = {"+": "Add", "-": "Sub", "*": "Mult", "/": "Div", "**": "Pow"}


@dataclass(frozen=True)
class Formula:
    text: str  # what the user typed, stripped
    tree: ast.Expression  # checked: holds only whitelisted nodes


def _refuse(text: str, why: str) -> DatasetError:
    return DatasetError(
        f"The formula {text[:60]!r} {why} Use numbers, x1 and x2 (or x and y), + - * / **, "
        f"comparisons such as y > sin(3*x), and the functions {', '.join(FUNCTIONS)}."
    )


def _check(node: ast.AST, text: str) -> None:
    """Raise DatasetError unless every node of the tree is on the whitelist."""
    if isinstance(node, ast.Expression):
        return _check(node.body, text)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _refuse(text, "holds text or a value that is not a number.")
        return None
    if isinstance(node, ast.Name):
        if node.id not in NAMES and node.id not in FUNCTIONS:
            raise _refuse(text, f"uses the unknown name {node.id[:30]!r}.")
        if node.id in FUNCTIONS:
            raise _refuse(text, f"names the function {node.id!r} without calling it.")
        return None
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        if isinstance(node.op, ast.Pow):
            exponent = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
            if (
                isinstance(exponent, ast.Constant)
                and isinstance(exponent.value, (int, float))
                and not isinstance(exponent.value, bool)
                and abs(exponent.value) > MAX_EXPONENT
            ):
                raise _refuse(text, f"raises to a power above {MAX_EXPONENT:g}.")
        _check(node.left, text)
        return _check(node.right, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        return _check(node.operand, text)
    if isinstance(node, ast.Compare) and all(type(op) in COMPARE for op in node.ops):
        for part in (node.left, *node.comparators):
            _check(part, text)
        return None
    if isinstance(node, ast.BoolOp):
        for part in node.values:
            _check(part, text)
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _refuse(text, "calls something that is not one of the allowed functions.")
        if node.keywords or len(node.args) != ARITY.get(node.func.id, 1):
            raise _refuse(
                text,
                f"calls {node.func.id} with the wrong arguments ({ARITY.get(node.func.id, 1)} expected, no names).",
            )
        for a in node.args:
            _check(a, text)
        return None
    raise _refuse(text, f"uses {type(node).__name__}, which a formula here cannot hold.")


def parse(text: str) -> Formula:
    """The checked formula, or DatasetError saying what is wrong. Nothing of the text is executed."""
    if not isinstance(text, str):
        raise DatasetError(f"A formula is text, like x1*x2; got {type(text).__name__}.")
    text = text.strip()
    if not text:
        raise DatasetError("The formula is empty: type one, like x1*x2 or y > sin(3*x).")
    if len(text) > MAX_CHARS:
        raise DatasetError(f"A formula has at most {MAX_CHARS} characters; this one has {len(text)}.")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise _refuse(text, "does not parse as a formula.") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise DatasetError(f"A formula has at most {MAX_NODES} parts; simplify this one.")
    _check(tree, text)
    return Formula(text, tree)


def _eval(node: ast.AST, env: dict, text: str):
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env, text), _eval(node.right, env, text)
        if isinstance(node.op, ast.Div) and np.any(np.asarray(right) == 0):
            raise DatasetError(
                f"The formula {text[:60]!r} divides by zero somewhere on the plane; "
                "add a small number to the divisor, like x1 / (x2**2 + 0.1)."
            )
        return BINARY[type(node.op)](np.asarray(left, float), np.asarray(right, float))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env, text)
        if isinstance(node.op, ast.Not):
            return np.logical_not(v)
        return -np.asarray(v, float) if isinstance(node.op, ast.USub) else np.asarray(v, float)
    if isinstance(node, ast.Compare):
        out, left = True, _eval(node.left, env, text)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, env, text)
            out = np.logical_and(out, COMPARE[type(op)](left, right))
            left = right
        return out
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env, text) for v in node.values]
        join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = values[0]
        for v in values[1:]:
            out = join(out, v)
        return out
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(np.asarray(_eval(a, env, text), float) for a in node.args))
    raise _refuse(text, f"uses {type(node).__name__}.")  # unreachable after _check; kept as a guard


def evaluate(formula: Formula | str, X: np.ndarray) -> np.ndarray:
    """The formula at every row of X (N, 2) as a float64 array (N,); comparisons give 0.0 or 1.0.

    Raises DatasetError for a value that is not finite (log of a negative number, overflow)."""
    f = parse(formula) if isinstance(formula, str) else formula
    X = np.asarray(X, float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DatasetError(f"Formulas are evaluated on points (x1, x2): got an array of shape {X.shape}.")
    env = {"x1": X[:, 0], "x2": X[:, 1], "x": X[:, 0], "y": X[:, 1]}
    with np.errstate(all="ignore"):
        out = np.broadcast_to(np.asarray(_eval(f.tree.body, env, f.text), float), (len(X),)).copy()
    if not np.isfinite(out).all():
        raise DatasetError(
            f"The formula {f.text[:60]!r} gives a value that is not finite (overflow, log or sqrt "
            "of a negative number) somewhere on the plane; change it so every value is a number."
        )
    return out


def features(X: np.ndarray, names) -> np.ndarray:
    """(N, k) float32: the named features (keys of FEATURES, or typed formulas) of the points X (N, 2)."""
    names = list(names)
    if not names:
        raise DatasetError("Pick at least one input feature, such as x1.")
    cols = [evaluate(FEATURES.get(n, n), X) for n in names]
    out = np.stack(cols, 1)
    if np.abs(out).max() > 1e6:
        raise DatasetError(
            "A feature reaches values beyond a million on the plane; scale it down (for example "
            "divide by a constant) so the network can learn from it."
        )
    return out.astype(np.float32)


def labels(rule: Formula | str, X: np.ndarray) -> np.ndarray:
    """Class 1 where the labelling rule holds (is non-zero), else class 0; DatasetError if only one class appears."""
    y = (evaluate(rule, X) != 0).astype(np.int64)
    if y.min() == y.max():
        raise DatasetError(
            "The labelling rule gives every point the same class; pick a rule that splits the "
            "plane, like y > sin(3*x) or x1*x2 > 0."
        )
    return y


PLANE = 3.0  # the input plane is [-3, 3] x [-3, 3], in standardized units
SOURCES = ("moons", "circles", "spirals", "xor", "rule", "drawn")


def plane_points(
    source: str, seed: int, n: int = 200, noise: float = 0.15, rule: str = "", drawn=()
) -> tuple[np.ndarray, np.ndarray]:
    """(X (N, 2), y (N,)) on the plane: a toy set (core.data, standardized), uniform points labelled by a
    typed rule, or the points the user drew as (x1, x2, class) triples."""
    from core import data

    if source not in SOURCES:
        raise DatasetError(f"Unknown data source {source!r}; choose one of {', '.join(SOURCES)}.")
    if source == "rule":
        X = np.random.default_rng(seed).uniform(-PLANE, PLANE, size=(int(n), 2))
        return X, labels(rule, X)
    if source == "drawn":
        pts = np.asarray(list(drawn), float).reshape(-1, 3)
        if len(pts) < 20 or len(np.unique(pts[:, 2])) < 2:
            raise DatasetError(
                f"Draw at least 20 points, some of each class, by clicking on the plane ({len(pts)} so far)."
            )
        return pts[:, :2], pts[:, 2].astype(np.int64)
    ds = data.load(source, seed, n_samples=int(n), noise=float(noise))
    return np.concatenate([ds.X_train, ds.X_val]).astype(float), np.concatenate([ds.y_train, ds.y_val])


def plane_dataset(X: np.ndarray, y: np.ndarray, feature_names, seed: int, name: str = "plane"):
    """A core.data.Dataset whose inputs are the chosen features of the plane's points (not re-standardized,
    so a neuron's thumbnail and the plane share one coordinate system)."""
    from core import data

    F = features(X, feature_names)
    return data.from_arrays(F, y, name=name, seed=seed, feature_names=list(feature_names), standardize=False)
