"""``tracegrad graph EXPR name=value ... [--out f.svg|f.png|f.dot|f.html] [--order N [--wrt
NAME]]``: draw any scalar expression and its gradients (parsed from an AST whitelist, never
evaluated as Python), or the recorded computation of one of its derivatives.

``--order 1`` (the default) draws the expression, every edge annotated with
``[local] × [upstream] = sent``. ``--order N`` (N ≥ 2) draws the graph of the (N-1)-th
derivative with respect to one variable (``--wrt NAME``, needed when the expression has
several), recorded by ``create_graph=True`` — the backward pass as ops, each labelled with
the forward op it is the backward of — then backpropagated, so its edges carry the N-th
derivative: ``tracegrad graph "x**3" x=2 --order 2`` draws d/dx x³ = 3x² = 12 and its
gradient d²/dx² x³ = 6x = 12 at x. Both values are printed.
"""

from __future__ import annotations

import argparse
import ast

import autograd
from autograd import Tensor, topological_order
from tracegrad.args import Parser, file_problem
from viz.expr import ExpressionError, parse_assignments, parse_expression
from viz.graph import MAX_NODES as GRAPH_MAX_NODES
from viz.graph import draw_graph
from viz.steps import MAX_NODES as STEPS_MAX_NODES
from viz.steps import backprop_steps
from viz.style import number
from viz.text import edge_table

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def derivative_name(k: int, x: str) -> str:
    """The name of the k-th derivative: f (k=0), df/dx (k=1), d²f/dx² (k=2), …"""
    if k == 0:
        return "f"
    if k == 1:
        return f"df/d{x}"
    power = str(k).translate(_SUPERSCRIPT)
    return f"d{power}f/d{x}{power}"


def run_graph(parser: Parser, args: argparse.Namespace) -> int:
    """Parse ``args.expr`` at ``args.values``, then write the annotated graph (or, for
    .html, the step-through player) to ``args.out`` and print the edge table; with
    ``args.order`` ≥ 2, the same for the (N-1)-th derivative (`run_derivative`). Bad input
    exits through ``parser`` (one line, status 2); returns 0."""
    try:
        values = parse_assignments(args.values)
    except ExpressionError as err:
        parser.fail("name=value", str(err))
    try:
        f = parse_expression(args.expr, values)
    except ExpressionError as err:
        parser.fail("expr", str(err))
    if not f.requires_grad:
        parser.fail("expr", f"{args.expr!r} uses no variable: there is no gradient to draw")
    tree = ast.parse(args.expr.strip(), mode="eval")  # parse_expression accepted it
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if unused := [name for name in values if name not in used]:
        parser.fail("name=value", f"{unused[0]} is not used in {args.expr!r}")
    if problem := file_problem(args.out):
        parser.fail("--out", problem)
    order, wrt = getattr(args, "order", 1), getattr(args, "wrt", None)
    if order > 1:
        return run_derivative(parser, args, f, order, wrt)
    if wrt is not None:
        parser.fail(
            "--wrt",
            "only with --order 2 or more; order 1 draws the gradient with respect to every "
            "variable",
        )
    out, fmt = args.out, args.fmt
    if out.suffix.lower() == ".html":
        backprop_steps(f, fmt=fmt, title=args.expr).save_html(out)
    else:
        f.backward()
        draw_graph(f, fmt=fmt, show=args.show).save(out)
        print(edge_table(f, fmt))
    print(f"wrote {out}")
    return 0


def _variable(parser: Parser, expr: str, f: Tensor, order: int, wrt: str | None) -> Tensor:
    """The leaf to differentiate by: ``wrt``, or the expression's only variable."""
    variables = _leaves(f)
    names = ", ".join(variables)
    if wrt is None:
        if len(variables) > 1:
            parser.fail(
                "--wrt",
                f"required with --order {order}: {expr!r} has several variables ({names}); "
                f"name the one to differentiate by, e.g. --wrt {next(iter(variables))}",
            )
        return next(iter(variables.values()))
    if wrt not in variables:
        parser.fail("--wrt", f"{wrt!r} is not a variable of {expr!r} (its variables: {names})")
    return variables[wrt]


def run_derivative(
    parser: Parser, args: argparse.Namespace, f: Tensor, order: int, wrt: str | None
) -> int:
    """``--order N``: draw the recorded graph of d^(N-1)f/dx^(N-1), backpropagated so its
    edges carry the N-th derivative (x's gradient on the picture); print both values."""
    x = _variable(parser, args.expr, f, order, wrt)
    name, fmt, out = x.name, args.fmt, args.out
    at = ", ".join(f"{v}={number(t.data, '.6g')}" for v, t in _leaves(f).items())
    g = f
    for k in range(1, order):
        depends = g.requires_grad and any(t is x for t in topological_order(g))
        (g,) = autograd.grad(g, x, create_graph=True) if depends else (None,)
        if g is None:
            parser.fail(
                "--order",
                f"{derivative_name(k, name)} of {args.expr!r} is 0 everywhere "
                f"({derivative_name(k - 1, name)} does not depend on {name}), so there is no "
                f"graph at --order {order}; the highest order with one is --order {k}",
            )
    g.name = derivative_name(order - 1, name)
    html = out.suffix.lower() == ".html"
    size, limit = len(topological_order(g)), STEPS_MAX_NODES if html else GRAPH_MAX_NODES
    if size > limit:
        what = "step through" if html else "draw"
        parser.fail(
            "--order",
            f"the graph of {g.name} has {size:,} nodes, more than the {limit:,} tracegrad "
            f"will {what}; use a lower --order",
        )
    depends = g.requires_grad and any(t is x for t in topological_order(g))
    nth = autograd.grad(g, x)[0] if depends else 0.0
    if html:
        title = f"{g.name} of {args.expr}, and its gradient {derivative_name(order, name)}"
        backprop_steps(g, fmt=fmt, title=title).save_html(out)
    else:
        if g.requires_grad:
            g.backward()
        draw_graph(g, fmt=fmt, show=args.show if g.requires_grad else "forward").save(out)
        if g.requires_grad:
            print(edge_table(g, fmt))
    print(f"f = {args.expr} = {number(f.data, fmt)} at {at}")
    print(f"{g.name} = {number(g.data, fmt)}  (the graph drawn: its recorded computation)")
    why = f"its gradient: {name}'s grad on the picture" if depends else f"no {name} in it"
    print(f"{derivative_name(order, name)} = {number(nth, fmt)}  ({why})")
    print(f"wrote {out}")
    return 0


def _leaves(f: Tensor) -> dict[str, Tensor]:
    """The expression's variables (its named leaves), by name."""
    return {t.name: t for t in topological_order(f) if not t.op and t.requires_grad}
