"""A self-contained HTML player for a list of SVG frames: slider, buttons, keyboard.

Plain JavaScript, inline SVG, nothing fetched from the network, so the file works offline
and inside a notebook. Several players on one page do not interfere: each has its own
random id, every id inside it (the frames' SVG ids too) starts with that id, its script
finds its own elements only, and the arrow keys move the player that has the focus (the
page-wide keys of a standalone page act only when the page holds one player).

Accessible: the controls are a ``<button>`` pair and a labelled range input, reachable with
Tab and drawn with a visible focus ring; ←/→ step, Home/End jump to the first/last frame;
the caption is an ``aria-live="polite"`` region, so a screen reader reads each step. Wide
graphs scale down to the width of the page; the "full size" toggle draws them at their own
size instead, scrolling sideways inside the player. Without JavaScript (an untrusted
notebook) the first frame and its caption still show.
"""

from __future__ import annotations

import html
import re
import secrets

from viz.style import ACCENT, FONT, INK, MUTED, printable

_CSS = """
.tg-player {{ font-family: {font}, Arial, sans-serif; color: {ink}; max-width: 100%;
  overflow-wrap: anywhere; }}
.tg-player .tg-bar {{ display: flex; align-items: center; gap: 8px; margin: 6px 0; }}
.tg-player button {{ font: inherit; font-size: 14px; padding: 3px 10px;
  border: 1px solid {muted}; border-radius: 4px; background: #fff; color: {ink};
  cursor: pointer; }}
.tg-player button:hover {{ border-color: {accent}; color: {accent}; }}
.tg-player button[aria-disabled=true] {{ color: {muted}; border-color: #cfd8dc;
  cursor: default; }}
.tg-player button[aria-pressed=true] {{ background: #e3ecf7; border-color: {accent}; }}
.tg-player input[type=range] {{ flex: 1; min-width: 60px; accent-color: {accent}; }}
.tg-player:focus-visible, .tg-player button:focus-visible,
.tg-player input[type=range]:focus-visible {{ outline: 3px solid {accent};
  outline-offset: 2px; }}
.tg-player .tg-count {{ font-size: 13px; color: {ink}; min-width: 70px; text-align: right; }}
.tg-player .tg-caption {{ font-size: 15px; min-height: 1.5em; margin: 4px 0 8px; }}
.tg-player .tg-keys {{ font-size: 12px; color: {ink}; opacity: 0.75; margin: 0 0 4px; }}
.tg-player .tg-frame {{ display: none; }}
.tg-player .tg-frame.tg-on {{ display: block; }}
.tg-player .tg-frame svg {{ display: block; max-width: 100%; height: auto; }}
.tg-player .tg-frames.tg-full {{ overflow-x: auto; }}
.tg-player .tg-frames.tg-full svg {{ max-width: none; }}
"""

_JS = """
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-tg-ready")) { return; }
  root.setAttribute("data-tg-ready", "1");
  var frames = root.querySelectorAll(".tg-frame");
  var slider = root.querySelector(".tg-slider");
  var caption = root.querySelector(".tg-caption");
  var count = root.querySelector(".tg-count");
  var prev = root.querySelector(".tg-prev");
  var next = root.querySelector(".tg-next");
  var zoom = root.querySelector(".tg-zoom");
  var box = root.querySelector(".tg-frames");
  var last = frames.length - 1;
  var current = 0;
  function show(k) {
    k = Math.max(0, Math.min(last, k));
    current = k;
    for (var i = 0; i < frames.length; i++) {
      frames[i].classList.toggle("tg-on", i === current);
    }
    slider.value = String(current);
    var where = "step " + (current + 1) + " of " + frames.length;
    slider.setAttribute("aria-valuetext", where);
    caption.textContent = frames[current].getAttribute("data-caption");
    count.textContent = (current + 1) + " / " + frames.length;
    prev.setAttribute("aria-disabled", current === 0 ? "true" : "false");
    next.setAttribute("aria-disabled", current === last ? "true" : "false");
  }
  function key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return false; }
    if (e.key === "ArrowLeft") { show(current - 1); }
    else if (e.key === "ArrowRight") { show(current + 1); }
    else if (e.key === "Home") { show(0); }
    else if (e.key === "End") { show(last); }
    else { return false; }
    e.preventDefault();
    return true;
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  zoom.addEventListener("click", function () {
    var full = zoom.getAttribute("aria-pressed") !== "true";
    zoom.setAttribute("aria-pressed", full ? "true" : "false");
    box.classList.toggle("tg-full", full);
  });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (e) {
    if (key(e)) { e.stopPropagation(); }
  });
  document.addEventListener("keydown", function (e) {
    var focus = document.activeElement;
    if (focus && focus !== document.body && focus !== document.documentElement) { return; }
    if (document.querySelectorAll(".tg-player").length !== 1) { return; }
    key(e);
  });
  show(0);
})();
"""

# an id="..." attribute inside a tag (a tag's attribute values cannot hold a raw quote)
_TAG = re.compile(r"<[^<>]*>")
_ID = re.compile(r'(\sid=")')


def prefix_ids(svg: str, prefix: str) -> str:
    """``svg`` (or any markup) with every element id starting with ``prefix``, so two
    pictures on one page (a notebook) never share an id."""
    return _TAG.sub(lambda tag: _ID.sub(rf"\g<1>{prefix}", tag.group()), svg)


def player_html(
    frames: list[str], captions: list[str], *, title: str = "", pid: str | None = None
) -> str:
    """The player as an HTML fragment (a ``<div>`` with its style and script).

    ``pid`` is the player's element id; by default a random one, so players shown on one
    page (a notebook, even across kernel restarts) never share an id.
    """
    if len(frames) != len(captions) or not frames:
        raise ValueError("viz player: need one caption per frame and at least one frame")
    if pid is None:
        pid = f"tg-player-{secrets.token_hex(6)}"
    css = _CSS.format(font=FONT, ink=INK, muted=MUTED, accent=ACCENT)
    n = len(frames)
    if title:
        label = f'aria-labelledby="{pid}-title"'
        heading = f'<h3 id="{pid}-title">{html.escape(printable(title))}</h3>'
    else:
        label, heading = 'aria-label="backprop, step by step"', ""
    parts = [
        f'<div class="tg-player" id="{pid}" tabindex="0" role="group" '
        f'aria-roledescription="step-through player" {label}><style>{css}</style>{heading}'
    ]
    first = html.escape(printable(captions[0], None))
    parts.append(
        '<div class="tg-bar">'
        f'<button type="button" class="tg-prev" aria-controls="{pid}-frames" '
        'aria-keyshortcuts="ArrowLeft" aria-disabled="true" title="previous step (←)">'
        '<span aria-hidden="true">◀ </span>previous</button>'
        f'<input type="range" class="tg-slider" min="0" max="{n - 1}" value="0" step="1" '
        f'aria-label="step" aria-valuetext="step 1 of {n}" aria-controls="{pid}-frames">'
        f'<button type="button" class="tg-next" aria-controls="{pid}-frames" '
        f'aria-keyshortcuts="ArrowRight" aria-disabled="{"true" if n == 1 else "false"}" '
        'title="next step (→)">next<span aria-hidden="true"> ▶</span></button>'
        f'<span class="tg-count" aria-hidden="true">1 / {n}</span>'
        f'<button type="button" class="tg-zoom" aria-pressed="false" aria-controls="{pid}-frames" '
        'title="draw the graph at its full size, scrolling sideways, instead of fitting it to '
        'the width">full size</button></div>'
        f'<div class="tg-caption" aria-live="polite" aria-atomic="true">{first}</div>'
        f'<div class="tg-frames" id="{pid}-frames">'
    )
    for k, (svg, caption) in enumerate(zip(frames, captions)):
        cap = html.escape(printable(caption, None), quote=True)
        on = " tg-on" if k == 0 else ""
        svg = prefix_ids(svg, f"{pid}-")
        parts.append(f'<div class="tg-frame{on}" data-caption="{cap}">{svg}</div>')
    parts.append(
        '</div><p class="tg-keys">keys: ← → one step, Home / End the first / last '
        "(on the player, or on the page when it holds one player)</p>"
    )
    parts.append(f"<script>{_JS % {'id': pid}}</script></div>")
    return "".join(parts)


def page_html(frames: list[str], captions: list[str], *, title: str) -> str:
    """A whole standalone HTML page holding the player (with a fixed id: the same steps
    write the same file)."""
    body = player_html(frames, captions, title=title, pid="tg-player")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(printable(title))}</title></head>"
        f'<body style="margin: 16px; background: #fff">{body}</body></html>\n'
    )
