"""``tracegrad graph EXPR name=value ... [--out f.svg|f.png|f.dot|f.html]``: draw any scalar
expression and its gradients (parsed from an AST whitelist, never evaluated as Python)."""

from __future__ import annotations

import argparse
import ast

from tracegrad.args import Parser, file_problem
from viz.expr import ExpressionError, parse_assignments, parse_expression
from viz.graph import draw_graph
from viz.steps import backprop_steps
from viz.text import edge_table


def run_graph(parser: Parser, args: argparse.Namespace) -> int:
    """Parse ``args.expr`` at ``args.values``, then write the annotated graph (or, for
    .html, the step-through player) to ``args.out`` and print the edge table. Bad input
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
    out, fmt = args.out, args.fmt
    if out.suffix.lower() == ".html":
        backprop_steps(f, fmt=fmt, title=args.expr).save_html(out)
    else:
        f.backward()
        draw_graph(f, fmt=fmt, show=args.show).save(out)
        print(edge_table(f, fmt))
    print(f"wrote {out}")
    return 0
