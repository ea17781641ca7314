"""The checkers' machinery: verdicts, calls with the wrong arguments, answers of the wrong
kind and student code that raises all become hints, never tracebacks."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor
from tracegrad import exercises
from tracegrad.exercises.checking import Sheet, StudentError, call, exercise, number, seeded


@exercise("99.1", praise="well done.")
def _double(f):
    """A function that doubles its argument."""
    got = call(f, 3.0, what="double")
    return None if number(got, "double(3)") == 6.0 else "double(3) is not 6."


SHEET = Sheet("99", [_double])


def test_a_right_answer_is_true_and_says_so():
    verdict = SHEET.exercise1(lambda v: 2 * v)
    assert verdict
    assert verdict.ok
    assert str(verdict) == "✓ Exercise 99.1: right. well done."
    assert "#1b5e20" in verdict._repr_html_()


def test_a_wrong_answer_is_false_with_its_hint():
    verdict = SHEET.exercise1(lambda v: v)
    assert not verdict
    assert str(verdict) == "✗ Exercise 99.1: not yet. double(3) is not 6."
    assert "&lt;" not in verdict._repr_html_()
    assert "#b71c1c" in verdict._repr_html_()


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda v: 1 / 0, "double raised ZeroDivisionError: division by zero"),
        (5, "double should be a function; got int."),
        (lambda v: "six", "double(3) should be one number; got str 'six'."),
        (lambda v: [6.0, 6.0], "double(3) should be one number"),
    ],
)
def test_answers_that_cannot_be_judged_become_hints(answer, hint):
    verdict = SHEET.exercise1(answer)
    assert not verdict.ok
    assert hint in verdict.message


def test_a_call_with_the_wrong_arguments_says_how_to_call():
    verdict = SHEET.exercise1()
    assert not verdict.ok
    assert verdict.message.startswith("call it as exercise1(f)")


def test_numbers_come_from_tensors_and_arrays():
    assert number(Tensor(2.5), "x") == 2.5
    assert number(np.array([[1.5]]), "x") == 1.5
    with pytest.raises(StudentError, match="x should be one number"):
        number(Tensor([1.0, 2.0]), "x")


def test_the_sheet_lists_its_checkers_and_refuses_unknown_ones():
    assert repr(SHEET) == (
        "Checkers for notebook 99:\n  check.exercise1(f): A function that doubles its argument."
    )
    with pytest.raises(AttributeError, match="no 'exercise2'; its checkers are exercise1"):
        SHEET.exercise2  # noqa: B018


def test_sheets_are_found_by_notebook():
    assert exercises.sheet(1) is exercises.notebook01
    with pytest.raises(KeyError, match="no exercise sheet for notebook 12"):
        exercises.sheet(12)
    with pytest.raises(AttributeError):
        exercises.notebook12  # noqa: B018


def test_a_checker_draws_its_own_random_numbers_and_leaves_the_students_alone():
    autograd.manual_seed(5)
    student = autograd.generator()
    expected_next = np.random.default_rng(5).standard_normal(3)
    with seeded(1):
        first = autograd.generator().standard_normal(2)
    with seeded(1):
        again = autograd.generator().standard_normal(2)
    np.testing.assert_array_equal(first, again)
    assert autograd.generator() is student
    np.testing.assert_array_equal(student.standard_normal(3), expected_next)
