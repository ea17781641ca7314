"""A self-contained HTML player for a list of SVG frames: slider, buttons, arrow keys.

Plain JavaScript, inline SVG, nothing fetched from the network, so the file works offline
and inside a notebook (several players on one page do not interfere).
"""

from __future__ import annotations

import html
import itertools

from viz.style import ACCENT, FONT, INK, MUTED, printable

_COUNTER = itertools.count()

_CSS = """
.tg-player {{ font-family: {font}, Arial, sans-serif; color: {ink}; max-width: 100%; }}
.tg-player .tg-bar {{ display: flex; align-items: center; gap: 8px; margin: 6px 0; }}
.tg-player button {{ font-size: 14px; padding: 3px 10px; border: 1px solid {muted};
  border-radius: 4px; background: #fff; color: {ink}; cursor: pointer; }}
.tg-player button:hover {{ border-color: {accent}; color: {accent}; }}
.tg-player input[type=range] {{ flex: 1; accent-color: {accent}; }}
.tg-player .tg-count {{ font-size: 13px; color: {muted}; min-width: 70px; text-align: right; }}
.tg-player .tg-caption {{ font-size: 15px; min-height: 1.5em; margin: 4px 0 8px; }}
.tg-player .tg-frame {{ display: none; overflow-x: auto; }}
.tg-player .tg-frame.tg-on {{ display: block; }}
.tg-player .tg-frame svg {{ max-width: 100%; height: auto; }}
"""

_JS = """
(function () {
  var root = document.getElementById("%(id)s");
  var frames = root.querySelectorAll(".tg-frame");
  var slider = root.querySelector("input[type=range]");
  var caption = root.querySelector(".tg-caption");
  var count = root.querySelector(".tg-count");
  var current = 0;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].classList.toggle("tg-on", i === current);
    }
    slider.value = current;
    caption.textContent = frames[current].getAttribute("data-caption");
    count.textContent = (current + 1) + " / " + frames.length;
  }
  root.querySelector(".tg-prev").addEventListener("click", function () { show(current - 1); });
  root.querySelector(".tg-next").addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
  });
  document.addEventListener("keydown", function (e) {
    if (document.activeElement && document.activeElement !== document.body) { return; }
    if (e.key === "ArrowLeft") { show(current - 1); }
    if (e.key === "ArrowRight") { show(current + 1); }
  });
  show(0);
})();
"""


def player_html(frames: list[str], captions: list[str], *, title: str = "") -> str:
    """The player as an HTML fragment (a ``<div>`` with its style and script)."""
    if len(frames) != len(captions) or not frames:
        raise ValueError("viz player: need one caption per frame and at least one frame")
    pid = f"tg-player-{next(_COUNTER)}"
    css = _CSS.format(font=FONT, ink=INK, muted=MUTED, accent=ACCENT)
    parts = [f'<div class="tg-player" id="{pid}" tabindex="0"><style>{css}</style>']
    if title:
        parts.append(f"<h3>{html.escape(printable(title))}</h3>")
    parts.append(
        '<div class="tg-bar"><button class="tg-prev" title="previous (←)">◀ prev</button>'
        f'<input type="range" min="0" max="{len(frames) - 1}" value="0" step="1" '
        'aria-label="frame"><button class="tg-next" title="next (→)">next ▶</button>'
        '<span class="tg-count"></span></div><div class="tg-caption"></div>'
    )
    for svg, caption in zip(frames, captions):
        cap = html.escape(printable(caption, None), quote=True)
        parts.append(f'<div class="tg-frame" data-caption="{cap}">{svg}</div>')
    parts.append(f"<script>{_JS % {'id': pid}}</script></div>")
    return "".join(parts)


def page_html(frames: list[str], captions: list[str], *, title: str) -> str:
    """A whole standalone HTML page holding the player."""
    body = player_html(frames, captions, title=title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(printable(title))}</title></head>"
        f'<body style="margin: 16px; background: #fff">{body}</body></html>\n'
    )
