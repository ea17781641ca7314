"""Build a tracegrad graph from a small arithmetic expression typed by a user.

``parse_expression("(x+y)*z", {"x": -2, "y": 5, "z": -4})`` returns the root Tensor of the
graph. The text is parsed with `ast.parse` and the tree is walked against a whitelist:
numbers, variables, ``+ - * / **``, unary ``-``/``+`` and calls of ``exp log tanh sigmoid
relu`` with one argument. Nothing the user types is ever executed as Python. Every
rejection raises `ExpressionError` with a one-line message naming what was refused and
where.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Mapping

import numpy as np

from autograd import Tensor

__all__ = ["FUNCTIONS", "ExpressionError", "node_name", "parse_assignments", "parse_expression"]

MAX_LENGTH = 500
MAX_DEPTH = 100
MAX_NODES = 2000
MAX_EXPONENT = 64.0
MAX_NAME = 12  # longest sub-expression text used as an intermediate node's name

FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "exp": Tensor.exp,
    "log": Tensor.log,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "relu": Tensor.relu,
}

_BINARY: dict[type[ast.operator], Callable[[Tensor, Tensor], Tensor]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY: dict[type[ast.unaryop], Callable[[Tensor], Tensor]] = {
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: a,
}
_OPERATOR_TEXT = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
# friendly names for the node kinds people are most likely to type by accident (or on purpose)
_KIND = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators (and/or)",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "strings",
    ast.FormattedValue: "strings",
    ast.Tuple: "tuples",
    ast.List: "lists",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}
_ALLOWED_TEXT = "numbers, variables, + - * / **, unary -, and " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """A user-facing, one-line reason why an expression or assignment was refused."""


def parse_expression(
    text: str,
    values: Mapping[str, float],
    *,
    max_length: int = MAX_LENGTH,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Tensor:
    """Build the graph of ``text`` out of Tensors and return its (unnamed) root.

    Each variable used becomes one float64 leaf ``Tensor(v, requires_grad=True, name=name)``,
    shared by all its occurrences, so ``x*x`` has one leaf with two edges and backward sums
    its gradient. Numbers become float64 constants. Intermediate nodes are named after the
    sub-expression they compute (``x+y``, ``w0·x0``, ``exp(-s)``: see `node_name`), unless
    that text is longer than `MAX_NAME` characters; the root stays unnamed.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > max_length:
        raise ExpressionError(
            f"expression is too long: {len(text)} characters (at most {max_length})"
        )
    text = text.strip()  # " x + y" is fine; Python's parser would call it an indent
    if not text:
        raise ExpressionError("expression is empty")
    tree = _parse(text)
    _check(tree, text, values, max_depth=max_depth, max_nodes=max_nodes)
    builder = _Builder(text, values)
    with np.errstate(all="ignore"):
        root = builder.build(tree.body)
    if root.op and root.name in builder.named:
        root.name = None  # the root is the expression itself: its wire is drawn as "out"
    return root


def node_name(node: ast.expr) -> str | None:
    """A short, readable name for the node computing ``node``: its text without spaces,
    ``*`` as ``·`` and ``**`` as ``^`` (``(x+y)·z``, ``x^2``, ``exp(-s)``); None when that
    is longer than `MAX_NAME` characters (the picture then shows the op's symbol)."""
    text = "".join(ast.unparse(node).split()).replace("**", "^").replace("*", "·")
    return text if len(text) <= MAX_NAME else None


def parse_assignments(items: list[str]) -> dict[str, float]:
    """Turn CLI arguments like ``["x=-2", "y=5"]`` into ``{"x": -2.0, "y": 5.0}``.

    Each item is ``name=value`` with an identifier name (not a Python keyword) and a finite
    number; a name may appear once.
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep:
            raise ExpressionError(f"bad assignment {item!r}: expected name=value, e.g. x=-2")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"bad assignment {item!r}: {name!r} is not a valid name")
        try:
            value = float(raw)
        except ValueError:
            raise ExpressionError(f"bad assignment {item!r}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"bad assignment {item!r}: the value must be finite")
        if name in out:
            raise ExpressionError(f"bad assignment {item!r}: {name} is given twice")
        out[name] = value
    return out


# --- parsing and the whitelist ------------------------------------------------------------


def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"syntax error{where}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is nested too deeply to parse") from None
    except ValueError as e:  # e.g. null bytes in the source
        raise ExpressionError(f"cannot parse expression: {e}") from None


def _where(node: ast.AST) -> str:
    line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
    return f"at column {col}" if line == 1 else f"at line {line}, column {col}"


def _snippet(text: str, node: ast.AST) -> str:
    seg = ast.get_source_segment(text, node) or type(node).__name__
    seg = " ".join(seg.split())
    return seg if len(seg) <= 40 else seg[:37] + "..."


def _literal(node: ast.expr) -> float | None:
    """The value of a signed numeric literal (``3``, ``-2.5``), else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return sign * float(value)
        except OverflowError:
            return math.inf
    return None


def _has_names(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) for n in ast.walk(node))


def _check(
    tree: ast.Expression,
    text: str,
    values: Mapping[str, float],
    *,
    max_depth: int,
    max_nodes: int,
) -> None:
    """Reject anything outside the whitelist before a single Tensor is built.

    Walks with an explicit stack, so depth is measured rather than hit as RecursionError.
    """
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > max_nodes:
            raise ExpressionError(f"expression is too large: more than {max_nodes} nodes")
        if depth > max_depth:
            raise ExpressionError(
                f"expression is nested too deeply {_where(node)}: depth over {max_depth}"
            )
        children = _check_node(node, text, values)
        stack.extend((c, depth + 1) for c in children)


def _check_node(node: ast.AST, text: str, values: Mapping[str, float]) -> list[ast.expr]:
    """Validate one node and return the child expressions still to check."""
    where = _where(node)
    if isinstance(node, ast.Constant):
        _check_constant(node, text)
        return []
    if isinstance(node, ast.Name):
        _check_name(node, values)
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            op = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {op} {where} is not supported; use + - * / or **")
        if isinstance(node.op, ast.Pow):
            exponent = _literal(node.right)
            if exponent is not None and abs(exponent) > MAX_EXPONENT:
                raise ExpressionError(
                    f"exponent {_snippet(text, node.right)} {_where(node.right)} is too large "
                    f"(|exponent| must be at most {MAX_EXPONENT:g})"
                )
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            op = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"unary operator {op} {where} is not supported; use - or +")
        return [node.operand]
    if isinstance(node, ast.Call):
        return [_check_call(node, text)]
    kind = _KIND.get(type(node), type(node).__name__)
    raise ExpressionError(
        f"{kind} not allowed: {_snippet(text, node)} {where}; allowed: {_ALLOWED_TEXT}"
    )


def _check_constant(node: ast.Constant, text: str) -> None:
    value, where = node.value, _where(node)
    if isinstance(value, bool):
        raise ExpressionError(f"booleans are not allowed: {value} {where}")
    if isinstance(value, (str, bytes)):
        raise ExpressionError(f"strings are not allowed: {_snippet(text, node)} {where}")
    if isinstance(value, complex):
        raise ExpressionError(f"complex numbers are not allowed: {_snippet(text, node)} {where}")
    if not isinstance(value, (int, float)):
        raise ExpressionError(f"constant {_snippet(text, node)} {where} is not allowed")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ExpressionError(
            f"number {_snippet(text, node)} {where} is too large (not a finite float)"
        )


def _check_name(node: ast.Name, values: Mapping[str, float]) -> None:
    if node.id in values:
        return
    known = ", ".join(sorted(values)) or "none given"
    if node.id in FUNCTIONS:
        raise ExpressionError(
            f"{node.id} {_where(node)} is a function: call it with one argument, "
            f"e.g. {node.id}(x); known variables: {known}"
        )
    raise ExpressionError(f"unknown variable {node.id} {_where(node)}; known variables: {known}")


def _check_call(node: ast.Call, text: str) -> ast.expr:
    where, allowed = _where(node), ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(
            f"call of {_snippet(text, node.func)} {where} is not allowed; "
            f"only {allowed} can be called, by name"
        )
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {name} {where}; allowed functions: {allowed}")
    if node.keywords:
        raise ExpressionError(f"keyword arguments are not allowed in {name}(...) {where}")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError(f"starred arguments are not allowed in {name}(...) {where}")
    if len(node.args) != 1:
        raise ExpressionError(f"{name} {where} takes exactly one argument, got {len(node.args)}")
    return node.args[0]


# --- building the graph -------------------------------------------------------------------


def _const(value: float) -> Tensor:
    return Tensor(np.array(value, dtype=np.float64))


class _Builder:
    """Turns a checked tree into Tensors; depth is already bounded, so recursion is safe."""

    def __init__(self, text: str, values: Mapping[str, float]) -> None:
        self.text = text
        self.values = values
        self.leaves: dict[str, Tensor] = {}
        self.named: set[str] = set()  # the names given to intermediate nodes

    def build(self, node: ast.expr) -> Tensor:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)  # _check_constant let only numbers in
            return _const(float(node.value))
        if isinstance(node, ast.Name):
            return self.leaf(node.id)
        if isinstance(node, ast.UnaryOp):
            return self.finite(_UNARY[type(node.op)](self.build(node.operand)), node)
        if isinstance(node, ast.Call):
            return self.finite(FUNCTIONS[node.func.id](self.build(node.args[0])), node)  # type: ignore[attr-defined]
        if isinstance(node, ast.BinOp):
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow) and not _has_names(node.right):
                # a constant exponent computed from a sub-expression, e.g. the 9**9 in 9**9**9
                e = float(right.data)
                if abs(e) > MAX_EXPONENT:
                    raise ExpressionError(
                        f"exponent {_snippet(self.text, node.right)} {_where(node.right)} "
                        f"evaluates to {e:g}, too large (|exponent| must be at most "
                        f"{MAX_EXPONENT:g})"
                    )
            return self.finite(_BINARY[type(node.op)](left, right), node)
        raise AssertionError(f"unchecked node {type(node).__name__}")  # _check rejects these

    def leaf(self, name: str) -> Tensor:
        if name not in self.leaves:
            raw = self.values[name]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ExpressionError(f"value of {name} must be a number, got {raw!r}") from None
            if not math.isfinite(value):
                raise ExpressionError(f"value of {name} must be finite, got {value}")
            self.leaves[name] = Tensor(
                np.array(value, dtype=np.float64), requires_grad=True, name=name
            )
        return self.leaves[name]

    def finite(self, out: Tensor, node: ast.expr) -> Tensor:
        """Refuse results that overflow or are undefined (x/0, log of a negative, 10**64**...);
        name a new intermediate node after its sub-expression (`node_name`)."""
        if not np.all(np.isfinite(out.data)):
            raise ExpressionError(
                f"{_snippet(self.text, node)} {_where(node)} evaluates to {float(out.data)}, "
                f"not a finite number"
            )
        if out.op and out.name is None and out not in self.leaves.values():
            name = node_name(node)
            if name is not None:
                out.name = name
                self.named.add(name)
        return out
