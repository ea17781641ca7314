"""Printed arithmetic that adds up: ``[local] × [upstream] = sent`` and fan-in sums.

A student checks a picture by hand: ``x0: [2.00] × [0.20] = 0.39`` reads as a mistake
(2 × 0.20 is 0.40; the upstream was 0.1966). :func:`product_text` and :func:`sum_text` start
from the user's number format and raise its digits, for all the numbers of one line
together, until the shown factors multiply (the shown terms add) to the shown result at the
result's precision: ``[2.00] × [0.197] = 0.39`` (0.394); the result may keep fewer digits than
the factors, never fewer than ``fmt`` gives. Digits stop
at :data:`MAX_DIGITS` significant (a fixed format's at :data:`FLOAT_DIGITS`, as its decimals
can make a large result long); a line that still does not add up there says ``≈``.

A negative term of a sum is written as a subtraction: ``grad 0.3 − 0.02 = 0.28``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation

from viz.style import check_fmt, number

__all__ = ["MAX_DIGITS", "adds_up", "multiplies_out", "product_text", "sum_text"]

MAX_DIGITS = 6  # significant digits a line may be raised to
FLOAT_DIGITS = 15  # significant digits a float64 holds exactly, the most a fixed format gets
MINUS = "−"  # U+2212, the minus of a subtraction in a sum

_SPEC = re.compile(
    r"(?P<head>[-+ ]?#?0?[0-9]*[,_]?)(?:\.(?P<precision>[0-9]+))?(?P<type>[eEfFgG%]?)"
)


def _decimal(text: str) -> Decimal | None:
    """The exact decimal a shown number stands for (None: not checkable, e.g. nan, 12%)."""
    try:
        d = Decimal(text.replace(",", "").replace("_", "").strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _close(exact: Decimal, shown: Decimal) -> bool:
    """True when ``exact`` rounds to ``shown`` at ``shown``'s precision. An exact tie does
    not count (0.5 × 0.197 = 0.0985 is 0.098 or 0.099 by whose rule?): more digits instead."""
    exponent = shown.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    return abs(exact - shown) < Decimal(5).scaleb(exponent - 1)


def multiplies_out(local: str, upstream: str, sent: str) -> bool:
    """True when the shown factors multiply to the shown result at its precision (lines of
    numbers that cannot be checked, such as ``nan`` or percentages, count as adding up)."""
    a, b, c = _decimal(local), _decimal(upstream), _decimal(sent)
    if a is None or b is None or c is None:
        return True
    return _close(a * b, c)


def adds_up(terms: Sequence[str], total: str) -> bool:
    """True when the shown terms add to the shown total at its precision."""
    values = [_decimal(t) for t in terms]
    t = _decimal(total)
    if t is None or any(v is None for v in values):
        return True
    return _close(sum((v for v in values if v is not None), Decimal(0)), t)


Show = Callable[[object], str]


def _levels(fmt: str) -> Iterator[Show]:
    """The ways of printing a line, fewest digits first: the user's ``fmt``, then more
    significant digits up to :data:`MAX_DIGITS` (each a callable value -> text). A number the
    user's ``fmt`` already shows exactly (the 2 of ``[2.00] × [0.197]``) keeps that text."""
    yield lambda v: number(v, fmt)
    for more in _more_digits(fmt):
        yield _exact_first(fmt, more)


def _exact_first(fmt: str, more: Show) -> Show:
    def show(v: object) -> str:
        plain = number(v, fmt)
        d = _decimal(plain)
        return plain if d is not None and d == Decimal(float(v)) else more(v)  # type: ignore[arg-type]

    return show


def _more_digits(fmt: str) -> Iterator[Show]:
    m = _SPEC.fullmatch(fmt)
    if m is None or m.group("type") == "%":
        return
    head, kind = m.group("head"), m.group("type")
    precision = int(m.group("precision")) if m.group("precision") is not None else None
    if kind in ("f", "F"):
        p = 6 if precision is None else precision
        # fixed decimals can make a large result long (123456.78): its factors may then need
        # more than MAX_DIGITS digits, up to what a float holds
        for digits in range(1, FLOAT_DIGITS + 1):
            yield _fixed(head, kind, p, digits)
    elif precision is not None:  # g, G, e, E or no type: precision counts digits
        first = precision + 1 if kind in ("e", "E") else max(precision, 1)
        last = MAX_DIGITS - 1 if kind in ("e", "E") else MAX_DIGITS
        for p in range(first, last + 1):
            yield _spec(f"{head}.{p}{kind}")


def _spec(fmt: str) -> Show:
    return lambda v: number(v, fmt)


def _fixed(head: str, kind: str, precision: int, digits: int) -> Show:
    """Fixed-point with at least ``precision`` decimals and ``digits`` significant digits,
    without trailing zeros past ``precision`` (-34.29183, not -34.291830)."""

    def show(v: object) -> str:
        x = float(v)  # type: ignore[arg-type]
        decimals = precision
        if math.isfinite(x) and x != 0:
            decimals = max(precision, digits - 1 - math.floor(math.log10(abs(x))))
        text = number(x, f"{head}.{min(decimals, 40)}{kind}")
        while decimals > precision and "." in text and text.endswith("0"):
            text, decimals = text[:-1], decimals - 1
        return text

    return show


def product_text(local: object, upstream: object, sent: object, fmt: str = ".4g") -> str:
    """``[local] × [upstream] = sent`` with digits enough that it multiplies out."""
    check_fmt(fmt)
    levels = list(_levels(fmt))
    a = b = c = ""
    for k, show in enumerate(levels):
        a, b = show(local), show(upstream)
        for result in reversed(levels[: k + 1]):  # as many digits as the factors, or fewer
            c = result(sent)
            if multiplies_out(a, b, c):
                return f"[{a}] × [{b}] = {c}"
    return f"[{a}] × [{b}] ≈ {levels[-1](sent)}"


def _join(terms: Sequence[str]) -> str:
    """``a + b − c``: a negative term after the first is subtracted."""
    out = terms[0]
    for t in terms[1:]:
        stripped = t.lstrip()
        if stripped.startswith("-"):
            out += f" {MINUS} {stripped[1:]}"
        else:
            out += f" + {stripped.lstrip('+')}"
    return out


def sum_text(terms: Sequence[object], total: object, fmt: str = ".4g") -> str:
    """``a + b − c = total`` with digits enough that it adds up."""
    check_fmt(fmt)
    levels = list(_levels(fmt))
    shown: list[str] = []
    for k, show in enumerate(levels):
        shown = [show(t) for t in terms]
        for result in reversed(levels[: k + 1]):  # as many digits as the terms, or fewer
            if adds_up(shown, text := result(total)):
                return f"{_join(shown)} = {text}"
    return f"{_join(shown)} ≈ {levels[-1](total)}"
