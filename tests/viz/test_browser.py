"""The step-through player and the pictures in a real browser: Debian's headless Chromium,
driven by Playwright's Python package (never ``playwright install``: no browser download).

Every page is loaded from a file with every request routed: anything but the page's own
``file://`` URL (or a ``data:`` URL) is refused and fails the test, and so does a console
error or an uncaught exception. ``make test`` installs Chromium (``apt-get install
chromium``) when it is missing. Without the browser or Playwright these tests skip, with the
reason; under CI (``CI`` set) they fail instead, so CI never passes without running them.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import viz
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.style import number

CHROMIUM = Path(os.environ.get("TRACEGRAD_CHROMIUM", "/usr/bin/chromium"))
# what this machine needs: no sandbox as root, no GPU, and none of Chromium's own background
# connections (refused by the closed network, and no business of a test); Playwright gives
# each launch a fresh temporary profile (--user-data-dir) and adds --headless
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 800


def _unavailable(reason: str) -> None:
    """Skip with ``reason``; under CI fail: there the browser tests must run."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason}; CI must run the browser tests (`make test` installs Chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or `make test`)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Loaded:
    """A page in the browser, with what it asked the network for and what it complained of."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check_clean(self) -> None:
        assert self.refused == [], f"the page asked the network for {self.refused}"
        assert all(r == self.url or r.startswith("data:") for r in self.requests), self.requests
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def load(browser: Any) -> Iterator[Callable[..., Loaded]]:
    """``load(path)``: the file opened in a fresh 1280×800 context, every request routed."""
    opened: list[tuple[Any, Loaded]] = []

    def _load(path: Path, *, javascript: bool = True) -> Loaded:
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=javascript
        )
        context.set_default_timeout(5000)  # a page of a few frames answers at once
        url = path.resolve().as_uri()
        loaded = Loaded(context.new_page(), url)

        def route(r: Any) -> None:
            if r.request.url == url or r.request.url.startswith("data:"):
                r.continue_()
            else:
                loaded.refused.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        loaded.page.on("request", lambda r: loaded.requests.append(r.url))
        loaded.page.on("pageerror", lambda e: loaded.errors.append(f"uncaught: {e}"))
        loaded.page.on(
            "console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None
        )
        loaded.page.goto(url, wait_until="load")
        opened.append((context, loaded))
        return loaded

    yield _load
    for context, loaded in opened:
        context.close()
        loaded.check_clean()


@pytest.fixture(scope="module")
def add_mul(tmp_path_factory: pytest.TempPathFactory) -> tuple[viz.Steps, Path]:
    steps = viz.backprop_steps(add_mul_circuit()["f"], title="f = (x + y)·z")
    return steps, steps.save_html(tmp_path_factory.mktemp("player") / "add_mul.html")


@pytest.fixture(scope="module")
def neuron(tmp_path_factory: pytest.TempPathFactory) -> tuple[viz.Steps, Path]:
    steps = viz.backprop_steps(sigmoid_neuron()["f"], title="the sigmoid neuron")
    return steps, steps.save_html(tmp_path_factory.mktemp("player") / "neuron.html")


def _state(page: Any, player: str = ".tg-player") -> tuple[int, str, str]:
    """(index of the one visible frame, the counter, the caption) of one player."""
    root = page.locator(player)
    visible = root.locator(".tg-frame").evaluate_all(
        "fs => fs.map((f, i) => getComputedStyle(f).display !== 'none' ? i : -1)"
        ".filter(i => i >= 0)"
    )
    assert len(visible) == 1, f"visible frames: {visible}"
    return (
        visible[0],
        root.locator(".tg-count").inner_text(),
        root.locator(".tg-caption").inner_text(),
    )


def _at(steps: viz.Steps, k: int) -> tuple[int, str, str]:
    return k, f"{k + 1} / {len(steps)}", steps.captions[k]


def _node_texts(page: Any, player: str = ".tg-player") -> dict[str, list[str]]:
    """The visible frame's graph nodes: the name a node shows first -> all its texts."""
    groups = page.locator(f"{player} .tg-frame.tg-on svg g.node").evaluate_all(
        "gs => gs.map(g => Array.from(g.querySelectorAll('text'), t => t.textContent.trim()))"
    )
    return {texts[0]: texts for texts in groups if texts}


def _pixels(png: bytes) -> np.ndarray:
    import matplotlib.image

    return np.asarray(matplotlib.image.imread(io.BytesIO(png), format="png"))[..., :3]


def test_the_player_page_loads_offline_without_errors(load, add_mul):
    steps, path = add_mul
    loaded = load(path)
    assert loaded.requests == [loaded.url]  # the file itself and nothing else
    assert loaded.page.locator(".tg-frame").count() == len(steps) == 6
    assert _state(loaded.page) == _at(steps, 0)
    assert loaded.page.title() == "f = (x + y)·z"


def test_buttons_slider_and_keys_move_between_frames(load, add_mul):
    steps, path = add_mul
    page = load(path).page
    next_, prev = (
        page.get_by_role("button", name="next"),
        page.get_by_role("button", name="previous"),
    )
    prev.click(force=True)  # already at the first frame (aria-disabled): stays
    assert _state(page) == _at(steps, 0)
    next_.click()
    next_.click()
    assert _state(page) == _at(steps, 2)
    prev.click()
    assert _state(page) == _at(steps, 1)
    page.get_by_role("slider", name="step").fill("4")
    assert _state(page) == _at(steps, 4)
    next_.click()
    assert next_.get_attribute("aria-disabled") == "true"
    next_.click(force=True)  # past the end: stays at the last frame
    assert _state(page) == _at(steps, 5)
    # keys on the page (nothing focused: the page holds one player)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Home")
    assert _state(page) == _at(steps, 0)
    page.keyboard.press("ArrowRight")
    assert _state(page) == _at(steps, 1)
    page.keyboard.press("End")
    assert _state(page) == _at(steps, 5)
    page.keyboard.press("ArrowLeft")
    assert _state(page) == _at(steps, 4)
    # keys on the focused slider move one frame, not two (its own step and the player's)
    page.get_by_role("slider", name="step").focus()
    page.keyboard.press("ArrowLeft")
    assert _state(page) == _at(steps, 3)
    page.keyboard.press("ArrowRight")
    assert _state(page) == _at(steps, 4)


@pytest.mark.parametrize("circuit", ["add_mul", "neuron"])
def test_the_last_frame_shows_every_gradient_the_first_none(load, request, circuit):
    steps, path = request.getfixturevalue(circuit)
    tensors = add_mul_circuit() if circuit == "add_mul" else sigmoid_neuron()
    tensors["f"].backward()
    inputs = {name: t for name, t in tensors.items() if t.is_leaf}
    page = load(path).page
    first = _node_texts(page)
    page.keyboard.press("End")
    assert _state(page) == _at(steps, len(steps) - 1)
    last = _node_texts(page)
    for name, t in inputs.items():
        assert t.grad is not None
        grad = f"grad {number(t.grad.item(), '.4g')}"  # as the graph labels show it
        assert grad in last[name], (name, last[name])
        assert "grad ?" in first[name], (name, first[name])  # not known yet
    if circuit == "add_mul":  # x = -2, y = 5, z = -4
        assert [last[v][-1] for v in "xyz"] == ["grad -4", "grad -4", "grad 3"]


def test_screenshots_of_the_first_and_last_frame_differ(load, add_mul):
    page = load(add_mul[1]).page
    frames = page.locator(".tg-frames")
    first = _pixels(frames.screenshot())
    page.keyboard.press("End")
    last = _pixels(frames.screenshot())
    for shot in (first, last):
        ink = (shot.min(axis=2) < 0.6).mean()  # share of dark pixels: text and outlines
        assert 0.005 < ink < 0.5, ink
    assert first.shape == last.shape  # one layout: nothing moves between frames
    changed = np.abs(first - last).max(axis=2) > 0.1
    assert changed.mean() > 0.002  # the gradients and the highlight appeared


def test_the_player_is_usable_with_the_keyboard_alone(load, add_mul):
    steps, path = add_mul
    page = load(path).page
    player = page.locator(".tg-player")
    assert player.get_attribute("role") == "group"
    assert page.get_by_role("group", name="f = (x + y)·z").count() == 1
    for name in ("previous", "next"):
        button = page.get_by_role("button", name=name, exact=True)
        assert button.evaluate("b => b.tagName + ' ' + b.type") == "BUTTON button"
        assert button.get_attribute("aria-keyshortcuts")
    caption = page.locator(".tg-caption")
    assert caption.get_attribute("aria-live") == "polite"
    slider = page.get_by_role("slider", name="step")
    assert slider.get_attribute("aria-valuetext") == f"step 1 of {len(steps)}"
    # Tab walks the controls in order, each drawn with a visible focus ring
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        order.append(focused.evaluate("e => e.className || e.tagName"))
        style = focused.evaluate(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style[0] != "none", (order, style)
        assert float(style[1].removesuffix("px")) >= 2, (order, style)
    assert order == ["tg-player", "tg-prev", "tg-slider", "tg-next", "tg-zoom"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # on "next"
    page.keyboard.press(" ")
    assert _state(page) == _at(steps, 2)
    assert slider.get_attribute("aria-valuetext") == f"step 3 of {len(steps)}"
    page.keyboard.press("Shift+Tab")  # the slider, then the player's keys
    page.keyboard.press("End")
    assert _state(page) == _at(steps, len(steps) - 1)
    assert page.get_by_role("button", name="next").get_attribute("aria-disabled") == "true"
    page.keyboard.press("Home")
    assert _state(page) == _at(steps, 0)
    assert page.get_by_role("button", name="previous").get_attribute("aria-disabled") == "true"


def test_without_javascript_the_first_frame_and_its_caption_show(load, add_mul):
    steps, path = add_mul
    page = load(path, javascript=False).page  # an untrusted notebook runs no script
    assert _state(page) == _at(steps, 0)


@pytest.mark.parametrize("circuit", ["add_mul", "neuron"])
def test_the_course_circuits_fit_a_1280_pixel_screen(load, request, circuit):
    steps, path = request.getfixturevalue(circuit)
    page = load(path).page
    for k in (0, len(steps) - 1):
        page.keyboard.press("Home" if k == 0 else "End")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= WIDTH, f"frame {k}: the page is {width} px wide"
        box = page.locator(".tg-frame.tg-on svg").bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["x"] + box["width"] <= WIDTH
        assert box["height"] > 50  # scaled down, not squashed to nothing
    # "full size" draws the graph at its own size, scrolling inside the player, not the page
    natural = page.locator(".tg-frame.tg-on svg").evaluate("s => s.width.baseVal.value")
    page.get_by_role("button", name="full size").click()
    assert page.get_by_role("button", name="full size").get_attribute("aria-pressed") == "true"
    box = page.locator(".tg-frame.tg-on svg").bounding_box()
    assert box is not None
    assert box["width"] == pytest.approx(natural, abs=1)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH


def test_a_graph_svg_renders_with_its_gradients(load, tmp_path):
    c = add_mul_circuit()
    c["f"].backward()
    path = viz.draw_graph(c["f"]).save(tmp_path / "f.svg")
    page = load(path).page
    shown = page.locator("svg text").all_text_contents()
    for label in ("x: [1] × [-4] = -4", "z: [3] × [1] = 3", "grad -4", "grad 3"):
        assert label in (t.strip() for t in shown)
    assert (_pixels(page.screenshot()).min(axis=2) < 0.6).mean() > 0.002


def _notebook_page(tmp_path: Path, outputs: list[dict[str, str]]) -> Path:
    """A notebook with one code cell per output, exported as nbconvert's HTML (the lab
    template, its CDN scripts replaced by empty data: URLs: nothing leaves the machine)."""
    try:
        import nbconvert
        import nbformat
    except ImportError:
        _unavailable("nbconvert is not installed (pip install -e '.[dev]')")

    nb = nbformat.v4.new_notebook()
    for k, data in enumerate(outputs):
        cell = nbformat.v4.new_code_cell(f"out{k}", execution_count=k + 1)
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        nb.cells.append(cell)
    empty = "data:text/javascript,"
    exporter = nbconvert.HTMLExporter(
        template_name="lab",
        **{
            u: empty
            for u in (
                "require_js_url",
                "mathjax_url",
                "jquery_url",
                "mermaid_js_url",
                "mermaid_layout_elk_js_url",
                "widget_renderer_url",
                "jupyter_widgets_base_url",
            )
        },
    )
    body, _ = exporter.from_notebook_node(nb)
    assert not re.search(r'(?:src|href)="https?:', body)
    path = tmp_path / "notebook.html"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("inline_svg", [False, True], ids=["svg as img", "svg inline"])
def test_players_and_graphs_in_one_notebook_page_stay_independent(
    load, add_mul, neuron, tmp_path, inline_svg
):
    (am, _), (ne, _) = add_mul, neuron
    c = add_mul_circuit()
    c["f"].backward()
    graph = viz.draw_graph(c["f"])

    def shown(obj: Any) -> dict[str, str]:  # what IPython's display formatter would send
        data = {"text/plain": repr(obj)}
        for mime, method in (("text/html", "_repr_html_"), ("image/svg+xml", "_repr_svg_")):
            if hasattr(obj, method):
                data[mime] = getattr(obj, method)()
        if inline_svg and "image/svg+xml" in data:
            # JupyterLab and nbconvert show SVG as an <img>; the classic Notebook puts it
            # inline in the page (nbconvert's skip_svg_encoding would, but escapes it)
            data["text/html"] = data.pop("image/svg+xml")
        return data

    # the same Steps shown twice (two cells), another player, the same graph twice
    cells = [shown(am), shown(graph), shown(ne), shown(am), shown(graph)]
    path = _notebook_page(tmp_path, cells)
    page = load(path).page
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)")
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    players = page.locator(".tg-player").evaluate_all("ps => ps.map(p => '#' + p.id)")
    assert len(players) == 3
    all_steps = [am, ne, am]

    def states() -> list[tuple[int, str, str]]:
        return [_state(page, p) for p in players]

    assert states() == [_at(s, 0) for s in all_steps]
    page.locator(players[1]).get_by_role("button", name="next").click()
    page.locator(players[1]).get_by_role("button", name="next").click()
    assert states() == [_at(am, 0), _at(ne, 2), _at(am, 0)]
    page.locator(players[2]).get_by_role("slider").fill("3")
    assert states() == [_at(am, 0), _at(ne, 2), _at(am, 3)]
    page.locator(players[0]).focus()
    page.keyboard.press("End")
    assert states() == [_at(am, 5), _at(ne, 2), _at(am, 3)]
    # the keys of a page with several players move none of them while none has the focus
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowLeft")
    assert states() == [_at(am, 5), _at(ne, 2), _at(am, 3)]
    # the graphs show in the notebook too
    if inline_svg:
        graphs = page.locator("svg").evaluate_all(
            "ss => ss.filter(s => !s.closest('.tg-player'))"
            ".map(s => Array.from(s.querySelectorAll('text'), t => t.textContent.trim()))"
        )
        assert len(graphs) == 2
        assert all("grad -4" in texts for texts in graphs)
    else:
        widths = page.locator(".jp-RenderedSVG img").evaluate_all(
            "imgs => imgs.map(i => i.naturalWidth)"
        )
        assert len(widths) == 2
        assert min(widths) > 300
