"""Mutation test: break the engine, the ops and the optimizers on purpose, see if a test fails.

Each mutant in `scripts/mutant_table.py` replaces one exact snippet of one file (a flipped sign
in a gradient, a dropped accumulation, a removed version check...). The tool copies the repo
to a scratch directory once, then for each mutant writes the changed file there, runs the
test subset mapped to that file (``pytest -x``, with a timeout) and puts the file back. A
mutant is *killed* when a test fails (or the run times out), *survived* when all pass.

    python scripts/mutants.py                 # every mutant, on the working tree
    python scripts/mutants.py --rev HEAD      # on a commit instead (git archive)
    python scripts/mutants.py -k engine -k sgd   # only mutants whose id contains a word
    python scripts/mutants.py --list          # the table, without running anything
    python scripts/mutants.py --equivalent    # also run the mutants argued equivalent

Exit status 0 when every non-equivalent mutant is killed, 1 when some survive, 2 when the
table no longer matches the sources or the unmutated tests fail. Slow (tens of minutes on
two cores): ``make mutants``, never part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mutant_table import MUTANTS, Mutant, tests_for

ROOT = Path(__file__).resolve().parent.parent
# a fixed hypothesis seed: the same examples for the baseline and every mutant
PYTEST_FLAGS = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-rfE", "--hypothesis-seed=0"]


@dataclass
class Result:
    mutant: Mutant
    status: str  # killed, timeout, survived, error
    seconds: float
    detail: str = ""


def copy_repo(rev: str | None, dest: Path) -> None:
    """The repo's files at ``rev`` (git archive), or the working tree (tracked and untracked,
    not ignored) when ``rev`` is None, copied into ``dest``."""
    if rev is not None:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "-c", "-o", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def stale(mutants: list[Mutant], copy: Path) -> list[str]:
    """Mutants whose snippet is not found exactly once, or whose result does not compile."""
    problems = []
    for m in mutants:
        path = copy / m.file
        text = path.read_text() if path.exists() else ""
        count = text.count(m.find)
        if count != 1:
            problems.append(f"{m.id}: snippet found {count} times in {m.file}")
            continue
        try:
            compile(text.replace(m.find, m.replace), m.file, "exec")
        except SyntaxError as e:
            problems.append(f"{m.id}: the mutated {m.file} does not compile ({e})")
    return problems


def run_tests(
    python: str, copy: Path, tests: tuple[str, ...], timeout: float | None
) -> tuple[str, float, str]:
    """Run pytest on ``tests`` in ``copy``: (passed | failed | timeout | error, seconds, detail)."""
    shutil.rmtree(copy / ".hypothesis", ignore_errors=True)  # no examples kept across mutants
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [python, "-m", "pytest", *PYTEST_FLAGS, *expand(copy, tests)]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the pytest we started, and its children
        proc.communicate()
        return "timeout", time.monotonic() - start, f"no result after {timeout:.0f} s"
    seconds = time.monotonic() - start
    if proc.returncode == 0:
        return "passed", seconds, ""
    failed = [line[len("FAILED ") :] for line in out.splitlines() if line.startswith("FAILED ")]
    errors = [line for line in out.splitlines() if line.startswith("ERROR ")]
    if proc.returncode in (1, 2) and (failed or errors):
        return "failed", seconds, (failed or errors)[0][:160]
    return "error", seconds, f"pytest exit {proc.returncode}: {out.strip()[-400:]}"


def expand(copy: Path, args: tuple[str, ...]) -> list[str]:
    """Directories replaced by their test files, so that files named before a directory run
    first (pytest collects a directory in its own order, whatever came before it)."""
    out: list[str] = []
    for arg in args:
        if (copy / arg).is_dir():
            out += [str(p.relative_to(copy)) for p in sorted((copy / arg).rglob("test_*.py"))]
        else:
            out.append(arg)
    return list(dict.fromkeys(out))


def check_imports(python: str, copy: Path) -> None:
    """The tests must import the scratch copy's packages, not an editable install."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    code = "import autograd, nn; print(autograd.__file__); print(nn.__file__)"
    out = subprocess.run(
        [python, "-c", code], cwd=copy, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    wrong = [p for p in out if not Path(p).resolve().is_relative_to(copy.resolve())]
    if wrong:
        sys.exit(f"mutants: the tests would import {wrong}, not the scratch copy {copy}")


def mutate(m: Mutant, copy: Path, python: str, timeout: float) -> Result:
    path = copy / m.file
    original = path.read_text()
    path.write_text(original.replace(m.find, m.replace))
    try:
        outcome, seconds, detail = run_tests(python, copy, tests_for(m), timeout)
    finally:
        path.write_text(original)
    status = {"passed": "survived", "failed": "killed"}.get(outcome, outcome)
    return Result(m, status, seconds, detail)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rev", help="test this commit (git archive) instead of the working tree")
    ap.add_argument("-k", dest="select", action="append", default=[], help="id substring")
    ap.add_argument("--list", action="store_true", help="print the table and exit")
    ap.add_argument("--equivalent", action="store_true", help="also run equivalent mutants")
    ap.add_argument("--timeout", type=float, help="seconds per mutant (default 3x baseline)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--json", type=Path, help="write the results to this file")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs pytest")
    args = ap.parse_args(argv)

    chosen = [m for m in MUTANTS if not args.select or any(s in m.id for s in args.select)]
    if args.list:
        for m in chosen:
            mark = "  [equivalent]" if m.equivalent else ""
            print(f"{m.id:34} {m.file:28} {m.why}{mark}")
        print(f"{len(chosen)} mutants, {sum(bool(m.equivalent) for m in chosen)} equivalent")
        return 0
    to_run = [m for m in chosen if args.equivalent or not m.equivalent]

    copy = Path(tempfile.mkdtemp(prefix="tracegrad-mutants-"))
    try:
        copy_repo(args.rev, copy)
        problems = stale(chosen, copy)
        if problems:
            print("the mutant table no longer matches the sources:", *problems, sep="\n  ")
            return 2
        check_imports(args.python, copy)
        timeouts: dict[tuple[str, ...], float] = {}
        for tests in dict.fromkeys(tests_for(m) for m in to_run):
            outcome, seconds, detail = run_tests(args.python, copy, tests, None)
            print(f"baseline {outcome:8} {seconds:6.1f}s  {' '.join(tests)}", flush=True)
            if outcome != "passed":
                print(f"  the unmutated tests must pass first: {detail}")
                return 2
            timeouts[tests] = args.timeout or max(60.0, 3 * seconds)

        results = []
        for i, m in enumerate(to_run, 1):
            r = mutate(m, copy, args.python, timeouts[tests_for(m)])
            results.append(r)
            note = f"  {r.detail}" if r.status != "survived" else f"  <- {m.why}"
            print(f"[{i:3}/{len(to_run)}] {r.status:8} {r.seconds:6.1f}s  {m.id}{note}", flush=True)
    finally:
        if args.keep:
            print(f"scratch copy kept at {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)
    return report(results, [m for m in chosen if m.equivalent and not args.equivalent], args.json)


def report(results: list[Result], skipped: list[Mutant], json_path: Path | None) -> int:
    counts = {s: sum(r.status == s for r in results) for s in ("killed", "timeout", "survived")}
    errors = [r for r in results if r.status == "error"]
    scored = [r for r in results if not r.mutant.equivalent]
    detected = sum(r.status in ("killed", "timeout") for r in scored)
    print(f"\n{counts} errors={len(errors)} equivalent (not run)={len(skipped)}")
    if scored:
        print(f"score: {detected}/{len(scored)} = {detected / len(scored):.1%} killed")
    for r in results:
        if r.status in ("survived", "error") and not r.mutant.equivalent:
            m = r.mutant
            print(f"\n{r.status.upper()} {m.id} ({m.file}): {m.why}")
            print(f"  - {m.find!r}\n  + {m.replace!r}")
            if r.detail:
                print(f"  {r.detail}")
    for r in results:
        if r.mutant.equivalent and r.status != "survived":
            print(f"\nnote: {r.mutant.id} is marked equivalent but was {r.status}: {r.detail}")
    if json_path is not None:
        rows = [
            {"id": r.mutant.id, "file": r.mutant.file, "status": r.status,
             "seconds": round(r.seconds, 1), "detail": r.detail,
             "equivalent": bool(r.mutant.equivalent)}
            for r in results
        ]  # fmt: skip
        json_path.write_text(json.dumps(rows, indent=1) + "\n")
    survived = [r for r in scored if r.status in ("survived", "error")]
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
