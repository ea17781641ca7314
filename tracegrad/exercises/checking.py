"""The machinery every exercise sheet shares: a `Verdict`, an `Exercise` that turns a judge
into a checker the student calls, a `Sheet` of one notebook's exercises, and the comparisons
judges are written with.

A judge receives the student's answer and returns ``None`` when it is right, or a hint: one
or two sentences that point at the mistake (a sign, a missing factor, a local gradient
confused with a value) without giving the expected answer away. Whatever the student hands
in, the checker answers with a `Verdict` and never a traceback: an answer of the wrong kind,
or a student's function that raises, is itself a hint.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

RIGHT = "✓"
NOT_YET = "✗"


@dataclass(frozen=True)
class Verdict:
    """What a checker says about one answer: ``ok`` and a message (a hint when not ok).

    True in an ``if``; shown as one line (``✓ Exercise 1.2: right. …`` or
    ``✗ Exercise 1.2: not yet. …``) in a notebook and by ``print``."""

    exercise: str
    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        mark, word = (RIGHT, "right") if self.ok else (NOT_YET, "not yet")
        return f"{mark} Exercise {self.exercise}: {word}. {self.message}".rstrip()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.ok else "#b71c1c"
        return (
            f'<div style="border-left:4px solid {colour};padding:2px 8px;color:{colour}">'
            f"{html.escape(str(self))}</div>"
        )


Judge = Callable[..., "str | None"]


class Exercise:
    """One exercise's checker: call it with the answer, get a `Verdict`.

    ``key`` is "notebook.number" (e.g. "1.2"); ``praise`` is said when the answer is
    right (what the result means, never needed to get it right)."""

    def __init__(self, key: str, judge: Judge, *, praise: str = "") -> None:
        self.key = key
        self.judge = judge
        self.praise = praise
        self.signature = inspect.signature(judge).replace(return_annotation=inspect.Signature.empty)
        self.__doc__ = judge.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Verdict:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as error:
            return Verdict(self.key, False, f"call it as {self.usage()} ({error}).")
        try:
            hint = self.judge(*bound.args, **bound.kwargs)
        except StudentError as error:
            hint = str(error)
        return Verdict(self.key, hint is None, self.praise if hint is None else hint)

    def usage(self) -> str:
        """How to call this checker, e.g. ``exercise1(f, dfdx, dfdy, dfdz)``."""
        number = self.key.split(".")[-1]
        return f"exercise{number}({', '.join(self.signature.parameters)})"

    def __repr__(self) -> str:
        summary = " ".join((self.__doc__ or "").strip().split("\n\n")[0].split())
        return f"{self.usage()}: {summary}" if summary else self.usage()


class Sheet:
    """One notebook's checkers, reached as ``sheet.exercise1`` …; shown as their list."""

    def __init__(self, notebook: str, exercises: Sequence[Exercise]) -> None:
        self.notebook = notebook
        self.exercises = {int(e.key.split(".")[-1]): e for e in exercises}

    def __getattr__(self, name: str) -> Exercise:
        number = name.removeprefix("exercise")
        if name.startswith("exercise") and number.isdigit() and int(number) in self.exercises:
            return self.exercises[int(number)]
        raise AttributeError(
            f"notebook {self.notebook} has no {name!r}; its checkers are "
            + ", ".join(f"exercise{n}" for n in self.exercises)
        )

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __repr__(self) -> str:
        lines = [f"Checkers for notebook {self.notebook}:"]
        lines += [f"  check.{e!r}" for e in self]
        return "\n".join(lines)


def exercise(key: str, *, praise: str = "") -> Callable[[Judge], Exercise]:
    """Decorator: the judge below becomes the checker of exercise ``key``."""
    return lambda judge: Exercise(key, judge, praise=praise)


class StudentError(Exception):
    """Raised inside a judge when the answer cannot be judged; its message is the hint."""


def number(value: Any, what: str) -> float:
    """``value`` (a number, a 0-d array or a one-element Tensor) as a float, or a hint."""
    if isinstance(value, Tensor):
        value = value.data
    array = np.asarray(value) if not isinstance(value, str) else None
    if array is None or array.size != 1 or not np.issubdtype(array.dtype, np.number):
        raise StudentError(f"{what} should be one number; got {type(value).__name__} {value!r}.")
    return float(array.reshape(()))


def array(value: Any, what: str, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` (a list, array or Tensor) as a float64 array of ``shape``, or a hint."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        result = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentError(f"{what} should be numbers of shape {shape}; got {value!r}.") from None
    if result.shape != shape:
        raise StudentError(f"{what} should have shape {shape}; yours has shape {result.shape}.")
    return result


def close(got: Any, expected: Any, *, rtol: float = 1e-2, atol: float = 1e-3) -> bool:
    """True when ``got`` matches ``expected`` to about two significant digits."""
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def wrong_number(got: float, expected: float, what: str) -> str | None:
    """A generic hint for a number that is off: its sign, a factor of two, or just off."""
    if close(got, expected):
        return None
    if expected != 0 and close(-got, expected):
        return f"{what} has the wrong sign."
    if expected != 0 and (close(2 * got, expected) or close(got, 2 * expected)):
        return f"{what} is off by a factor of two."
    return f"{what} is not right yet."


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from the default generator (``autograd.generator()``, which ``nn.init`` and
    dropout use) as if seeded with ``seed``, then put its state back: a checker that builds
    its own model leaves the student's random numbers, and the generator object, alone."""
    bits = autograd.generator().bit_generator
    saved = bits.state
    bits.state = np.random.default_rng(seed).bit_generator.state
    try:
        yield
    finally:
        bits.state = saved


def call(function: Callable[..., Any], *args: Any, what: str = "your function") -> Any:
    """``function(*args)``, with an exception from the student's code turned into a hint."""
    if not callable(function):
        raise StudentError(f"{what} should be a function; got {type(function).__name__}.")
    try:
        return function(*args)
    except Exception as error:  # the student's code: report it, whatever it is
        raise StudentError(f"{what} raised {type(error).__name__}: {error}") from None
