"""The Graphviz child process: a render that takes too long stops with a clear error, and
the child never outlives the Python process that started it (killed test runner,
restarted Jupyter kernel, Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import viz
from viz.circuits import add_mul_circuit
from viz.render import render

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _wait_until(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def slow_renderer(tmp_path):
    """A fake Graphviz that writes its pid, then sleeps (as Graphviz does on a huge graph)."""
    pidfile = tmp_path / "renderer.pid"
    script = tmp_path / "slow-graphviz"
    script.write_text(
        f"#!/bin/sh\necho $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}\nexec sleep 120\n"
    )
    script.chmod(0o755)
    yield script, pidfile
    if pidfile.exists():  # never leave a sleeper behind, whatever the test did
        pid = int(pidfile.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@linux_only
def test_render_that_times_out_names_the_graph_and_stops_the_child(slow_renderer):
    script, pidfile = slow_renderer
    f = add_mul_circuit()["f"]
    g = viz.draw_graph(f, renderer=str(script), timeout=0.5)
    with pytest.raises(RuntimeError, match=r"did not finish") as info:
        g.svg()
    message = str(info.value)
    assert "scalar graph of 5 nodes" in message
    assert "DOT" in message
    assert "timeout=" in message
    assert "depth=" in message
    pid = int(pidfile.read_text())
    assert not _alive(pid)  # killed and reaped before the error was raised


def test_render_rejects_a_bad_timeout():
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds or None"):
        render("digraph { a }", timeout=0)


def _start_render(script: Path, extra: str = "") -> subprocess.Popen:
    code = textwrap.dedent(
        f"""
        import sys
        import viz
        from viz.circuits import add_mul_circuit
        f = add_mul_circuit()["f"]
        g = viz.draw_graph(f, renderer=sys.argv[1], timeout=None)
        {extra or "g.svg()"}
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@linux_only
def test_renderer_dies_when_its_python_process_is_killed(slow_renderer):
    script, pidfile = slow_renderer
    proc = _start_render(script)
    try:
        assert _wait_until(pidfile.exists, 60), proc.stderr.read() if proc.poll() else ""
        pid = int(pidfile.read_text())
        assert _alive(pid)
        os.kill(proc.pid, signal.SIGKILL)  # a test runner's timeout, a restarted kernel
        proc.wait()
        assert _wait_until(lambda: not _alive(pid), 5), "the renderer outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@linux_only
def test_ctrl_c_during_a_render_stops_the_renderer_first(slow_renderer):
    script, pidfile = slow_renderer
    check = textwrap.dedent(
        f"""
        import os, pathlib
        try:
            g.svg()
        except KeyboardInterrupt:
            pid = int(pathlib.Path({str(pidfile)!r}).read_text())
            stat = pathlib.Path(f"/proc/{{pid}}/stat")
            state = stat.read_text().rsplit(")", 1)[1].split()[0] if stat.exists() else "gone"
            print("renderer", state)
        """
    )
    proc = _start_render(script, extra=check.replace("\n", "\n        "))
    try:
        assert _wait_until(pidfile.exists, 60), proc.stderr.read() if proc.poll() else ""
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert "renderer gone" in out, (out, err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
