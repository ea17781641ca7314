"""Date normalisation pairs for seq2seq: ("25th of November 2026", "2026-11-25").

    from nn.data import date_pairs, split_dates, DATE_FORMATS
    pairs = date_pairs(10_000, seed=0)              # [(human, iso), ...]
    train, test = split_dates(20_000, 1_000, seed=0)  # no test DATE occurs in train

Dates are drawn uniformly from every calendar day between 1 January `start_year` and
31 December `end_year` (the `datetime` calendar, so 29 February only in leap years),
and each is written in one format drawn uniformly from `DATE_FORMATS`:

    name            example (2026-11-25, a Wednesday; 2026-01-05 for the unpadded ones)
    iso             2026-11-25
    ymd_slash       2026/11/25
    ymd_compact     20261125
    dmy_dot         25.11.2026
    dmy_dot_short   5.1.2026             (no zero padding)
    dmy_dash        25-11-2026
    mdy_slash_yy    11/25/26             (US order, two-digit year; see below)
    month_d_y       November 25, 2026
    month_d_y_plain November 25 2026
    month_dth_y     November 25th, 2026
    mon_d_y         Nov 25, 2026
    d_month_y       25 November 2026
    d_mon_y_lower   25 nov 2026
    d_mon_y_upper   25-NOV-2026
    dth_of_month_y  25th of November 2026
    weekday_long    Wednesday, November 25, 2026
    weekday_short   Wed 25 Nov 2026

Each format reads back to exactly one date, and no string written by two formats names
two different dates: numeric day-first formats use "." or "-" with the year last,
year-first formats use "/" or nothing with a 4-digit year first, and the only
month-first numeric format ("/", year last) has a 2-digit year. That 2-digit format is
offered only when the year range spans at most 100 years (1950..2049 by default), so
the two digits name one year; outside such a range `date_pairs` leaves it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(day: int) -> str:
    """1 -> 1st, 2 -> 2nd, 3 -> 3rd, 11..13 -> th, 21 -> 21st, ..."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _month(d: dt.date) -> str:
    return _MONTHS[d.month - 1]


def _mon(d: dt.date) -> str:
    return _MONTHS[d.month - 1][:3]


_FORMATTERS: dict[str, Callable[[dt.date], str]] = {
    "iso": lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    "ymd_slash": lambda d: f"{d.year:04d}/{d.month:02d}/{d.day:02d}",
    "ymd_compact": lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
    "dmy_dot": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}",
    "dmy_dot_short": lambda d: f"{d.day}.{d.month}.{d.year:04d}",
    "dmy_dash": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year:04d}",
    "mdy_slash_yy": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    "month_d_y": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "month_d_y_plain": lambda d: f"{_month(d)} {d.day} {d.year}",
    "month_dth_y": lambda d: f"{_month(d)} {_ordinal(d.day)}, {d.year}",
    "mon_d_y": lambda d: f"{_mon(d)} {d.day}, {d.year}",
    "d_month_y": lambda d: f"{d.day} {_month(d)} {d.year}",
    "d_mon_y_lower": lambda d: f"{d.day} {_mon(d).lower()} {d.year}",
    "d_mon_y_upper": lambda d: f"{d.day:02d}-{_mon(d).upper()}-{d.year}",
    "dth_of_month_y": lambda d: f"{_ordinal(d.day)} of {_month(d)} {d.year}",
    "weekday_long": lambda d: f"{_WEEKDAYS[d.weekday()]}, {_month(d)} {d.day}, {d.year}",
    "weekday_short": lambda d: f"{_WEEKDAYS[d.weekday()][:3]} {d.day} {_mon(d)} {d.year}",
}

DATE_FORMATS: list[str] = list(_FORMATTERS)


def format_date(date: dt.date, fmt: str) -> str:
    """`date` written in the format named `fmt` (one of `DATE_FORMATS`)."""
    try:
        return _FORMATTERS[fmt](date)
    except KeyError:
        raise ValueError(f"unknown date format {fmt!r}; known: {', '.join(DATE_FORMATS)}") from None


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _day_range(start_year: int, end_year: int) -> tuple[int, int]:
    if not 1 <= start_year <= end_year <= 9999:
        raise ValueError(f"need 1 <= start_year <= end_year <= 9999, got {start_year}..{end_year}")
    return dt.date(start_year, 1, 1).toordinal(), dt.date(end_year, 12, 31).toordinal()


def _formats(start_year: int, end_year: int, formats: Sequence[str] | None) -> list[str]:
    two_digit_ok = end_year - start_year < 100
    if formats is None:
        return [f for f in DATE_FORMATS if two_digit_ok or f != "mdy_slash_yy"]
    formats = list(formats)
    for f in formats:
        if f not in _FORMATTERS:
            raise ValueError(f"unknown date format {f!r}; known: {', '.join(DATE_FORMATS)}")
    if "mdy_slash_yy" in formats and not two_digit_ok:
        raise ValueError("mdy_slash_yy (2-digit year) needs a year range of at most 100 years")
    if not formats:
        raise ValueError("formats is empty")
    return formats


def _write(
    ordinals: np.ndarray, rng: np.random.Generator, formats: list[str]
) -> list[tuple[str, str]]:
    picks = rng.integers(0, len(formats), size=len(ordinals))
    out = []
    for o, k in zip(ordinals.tolist(), picks.tolist(), strict=True):
        d = dt.date.fromordinal(o)
        out.append((_FORMATTERS[formats[k]](d), d.isoformat()))
    return out


def date_pairs(
    n: int,
    *,
    seed: int | np.random.Generator = 0,
    start_year: int = 1950,
    end_year: int = 2049,
    formats: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """`n` pairs (human-written date, ISO "YYYY-MM-DD"), random days and formats.

    The same `seed` gives the same list. `formats`: names from `DATE_FORMATS` (default all
    that are unambiguous for the year range, see the module docstring).
    """
    lo, hi = _day_range(start_year, end_year)
    fmts = _formats(start_year, end_year, formats)
    rng = _rng(seed)
    return _write(rng.integers(lo, hi + 1, size=n), rng, fmts)


def split_dates(
    n_train: int,
    n_test: int,
    seed: int | np.random.Generator = 0,
    *,
    start_year: int = 1950,
    end_year: int = 2049,
    formats: Sequence[str] | None = None,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Train and test pairs whose DATES are disjoint: `n_test` distinct held-out days (one
    pair each), and `n_train` pairs drawn (with repetition) from all the other days.

    A model that scores well on the test pairs has to generalise to calendar days it never
    saw, not just to new spellings of seen ones.
    """
    lo, hi = _day_range(start_year, end_year)
    fmts = _formats(start_year, end_year, formats)
    n_days = hi - lo + 1
    if not 0 <= n_test < n_days:
        raise ValueError(f"n_test={n_test} must be below the {n_days} days in the range")
    rng = _rng(seed)
    perm = rng.permutation(n_days)
    test_days = lo + perm[:n_test]
    train_pool = lo + perm[n_test:]
    train_days = train_pool[rng.integers(0, len(train_pool), size=n_train)]
    return _write(train_days, rng, fmts), _write(test_days, rng, fmts)
