"""A read-only install: no writable directory for Numba's cache anywhere, and still
``import autograd, nn`` works, compiles nothing, warns exactly once, and conv2d, max_pool2d and
lstm give the oracles' numbers and gradients.

Each case copies the packages into a temporary "site" directory and runs a fresh Python on it.
Root ignores file permissions, so two lock-outs are used: `permissions` (everything read-only,
HOME read-only; as root the child runs as ``nobody``) and `uncreatable` (the cache locations
sit under a regular file, which not even root can create directories in). The child checks for
itself that the cache directories really are unwritable before it trusts anything else.
"""

from __future__ import annotations

import compileall
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd", "nn")
WARNING = "KernelCacheWarning"

CHILD = Path(__file__).with_name("readonly_child.py")  # run by path, as a fresh program


def _set_writable(root: Path, writable: bool) -> None:
    """chmod a tree: read-only (r-x for dirs, r-- for files, for everyone) or owner-writable."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if writable:
            path.chmod(mode | stat.S_IWUSR)
        else:
            path.chmod((mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH) & ~0o222)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary directory that another user (``nobody``) can read and enter."""
    root = Path(tempfile.mkdtemp(prefix="tracegrad-readonly-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        _set_writable(root, True)
        shutil.rmtree(root, ignore_errors=True)


def _install(workdir: Path) -> Path:
    """Copy the packages into ``workdir/site`` with their bytecode, as pip would leave them."""
    site = workdir / "site"
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    assert compileall.compile_dir(site, quiet=1)
    assert (site / "autograd" / "kernels" / "__pycache__").is_dir()
    shutil.copy(CHILD, workdir / CHILD.name)
    return site


def _child(workdir: Path, site: Path, *unwritable: Path) -> list[str]:
    """The command that runs the child script on ``site``, warnings shown once per place."""
    script = workdir / CHILD.name
    return [sys.executable, "-W", "default", str(script), str(site), *map(str, unwritable)]


def _env(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "PYTHON"))}
    env.pop("XDG_CACHE_HOME", None)
    return {**env, "PYTHONPATH": str(site), **extra}


def _as_nobody() -> list[str] | None:
    """Command prefix that runs as ``nobody`` (needed as root), or None if that cannot work."""
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        return None
    ids = (str(user.pw_uid), str(user.pw_gid))
    candidates = [
        ["setpriv", f"--reuid={ids[0]}", f"--regid={ids[1]}", "--clear-groups"],
        ["runuser", "-u", "nobody", "--"],
    ]
    for prefix in candidates:
        if shutil.which(prefix[0]) is None:
            continue
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", "import numba, numpy"],
            capture_output=True,
            cwd="/",
            timeout=120,
        )
        if probe.returncode == 0:
            return prefix
    return None


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def _check(result: subprocess.CompletedProcess[str], *named: str) -> dict:
    """The child succeeded, warned exactly once naming ``named``, and compiled nothing at
    import; returns its report."""
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert result.stderr.count(WARNING) == 1, result.stderr[-4000:]
    for text in (*named, "NUMBA_CACHE_DIR"):
        assert text in result.stderr, (text, result.stderr[-2000:])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["at_import"]) >= 10, report  # the kernels were found at all
    assert not any(report["at_import"].values()), report
    compiled = {name for name, n in report["after"].items() if n}
    for kernel in ("conv._im2col", "pool._max_pool_2x2_forward", "lstm.lstm_step_backward"):
        assert f"autograd.kernels.{kernel}" in compiled, compiled
    # only what the program called: GRU and word2vec were never compiled
    assert not any(".gru." in name or ".word2vec." in name for name in compiled), compiled
    return report


def test_readonly_install_permissions_fall_back_to_memory(workdir):
    site = _install(workdir)
    home = workdir / "home"
    home.mkdir()
    _set_writable(workdir, False)
    prefix: list[str] = []
    if os.geteuid() == 0:
        found = _as_nobody()
        if found is None:
            pytest.skip("root without setpriv/runuser to become nobody (uncreatable case runs)")
        prefix = found
    pycache = site / "autograd" / "kernels" / "__pycache__"
    user_cache = home / ".cache" / "numba"
    cmd = [*prefix, *_child(workdir, site, pycache, user_cache)]
    result = _run(cmd, _env(site, HOME=str(home)), workdir)
    _check(result, str(pycache), str(user_cache))


def test_readonly_install_uncreatable_cache_dirs_fall_back_to_memory(workdir):
    site = _install(workdir)
    pycache = site / "autograd" / "kernels" / "__pycache__"
    shutil.rmtree(pycache)
    pycache.write_text("a file where Numba's cache directory would go\n")
    blocked = workdir / "not-a-directory"
    blocked.write_text("")
    numba_dir, xdg = blocked / "numba", blocked / "cache"
    env = _env(site, HOME=str(blocked / "home"), XDG_CACHE_HOME=str(xdg))
    env["NUMBA_CACHE_DIR"] = str(numba_dir)
    result = _run(_child(workdir, site, pycache, numba_dir, xdg / "numba"), env, workdir)
    _check(result, str(numba_dir), str(pycache), str(xdg / "numba"))


def test_readonly_install_without_jit_runs_the_python_loops_silently(workdir):
    site = _install(workdir)
    pycache = site / "autograd" / "kernels" / "__pycache__"
    shutil.rmtree(pycache)
    pycache.write_text("")
    env = _env(site, HOME=str(workdir / "x" / "home"), NUMBA_DISABLE_JIT="1")
    (workdir / "x").write_text("")
    result = _run(_child(workdir, site), env, workdir)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert WARNING not in result.stderr, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"at_import": {}, "after": {}}  # plain functions, no dispatchers


def test_writable_cache_dir_import_compiles_nothing_and_first_call_caches(workdir):
    cache = workdir / "numba-cache"
    code = (
        "import sys, numpy as np, autograd, nn, autograd.functional as F\n"
        "from numba.core.dispatcher import Dispatcher\n"
        "found = [v for n, m in list(sys.modules.items()) if n.startswith('autograd.kernels')\n"
        "         for v in vars(m).values() if isinstance(v, Dispatcher)]\n"
        "assert len(found) >= 10, found\n"
        "assert not [d for d in found if d.signatures], [d for d in found if d.signatures]\n"
        "F.max_pool2d(autograd.Tensor(np.ones((1, 1, 2, 2))), 2)\n"
    )
    env = {**_env(REPO), "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    result = _run([sys.executable, "-W", "default", "-c", code], env, REPO)
    assert result.returncode == 0, result.stderr[-4000:]
    assert WARNING not in result.stderr, result.stderr[-2000:]
    # still numba.njit(cache=True) when a directory is writable: the compile went to disk
    assert [p.name for p in cache.rglob("pool._max_pool_2x2_forward-*.nbi")], list(cache.rglob("*"))
