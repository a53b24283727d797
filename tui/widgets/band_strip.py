"""A band chart (engine.bands) as text rows: the conflicts screen's picture of a finding over a numeric fact.

One line per lane of each source: a claim's interval is a run of `━` in its answer's colour
with `[`/`(` and `]`/`)` ends (included / excluded), `◂`/`▸` where it goes on past the drawn
axis, `┄` across the whole axis for a claim that does not read the fact; a dim run where it
applies only for some values of its other facts. The disagreeing region has a highlighted
background on every row and a `▒` row of its own; below, the axis with a tick at every
threshold, its labels, and the legend. Adapts to the width Rich gives it (the detail pane's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text

from engine.bands import BandChart, Interval, number_text
from engine.textsafe import escape_controls

REGION_BG = "on #4d4419"
MIN_PLOT = 12
MAX_LABEL = 18

# what a column shows, by priority: an included end is never hidden by an excluded one or a bar
_BAR, _OPEN, _CLOSED = 1, 2, 3


class BandStrip:
    """A Rich renderable drawing one BandChart in the width it is given."""

    def __init__(self, chart: BandChart) -> None:
        self.chart = chart

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(MIN_PLOT + 8, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        yield from self.lines(options.max_width)

    def lines(self, width: int) -> list[Text]:
        chart = self.chart
        names = [escape_controls(r.source) for r in chart.rows]
        label = min(max([len(n) for n in names] + [8]), MAX_LABEL, max(width // 4, 6))
        plot = max(width - label - 1, MIN_PLOT)
        lo, hi = chart.axis
        span = hi - lo or 1.0

        def col(v: float) -> int:
            return round((min(max(v, lo), hi) - lo) / span * (plot - 1))

        region = [False] * plot
        for low, _li, high, _hi in chart.regions:
            if high < lo or low > hi:
                continue
            for c in range(col(low), col(high) + 1):
                region[c] = True

        out = [Text(_cut(escape_controls(chart.title), width), style="bold")]
        for row, name in zip(chart.rows, names):
            lanes = max(row.lanes, 1)
            for lane in range(lanes):
                line = Text(no_wrap=True, overflow="crop")
                line.append(_cut(name, label).ljust(label) if lane == 0 else " " * label, style="cyan")
                line.append(" ")
                if not row.intervals:
                    note = escape_controls(row.note)[:plot]
                    cells = [(ch, "dim italic", 0) for ch in note.ljust(plot)]
                else:
                    cells = [(" ", "", 0)] * plot
                    for iv in row.intervals:
                        if iv.lane == lane:
                            _draw(cells, iv, chart, col, lo, hi)
                for c, (ch, style, _p) in enumerate(cells):
                    line.append(ch, style=f"{style} {REGION_BG}".strip() if region[c] else style)
                out.append(line)
            if row.hidden:  # the claims past the lane limit, counted as the SVG counts them
                more = Text(" " * (label + 1), no_wrap=True, overflow="crop")
                more.append(_cut(row.hidden_text, plot), style="dim italic")
                out.append(more)
        if any(region):
            mark = Text(no_wrap=True, overflow="crop")
            mark.append("disagree"[:label].ljust(label) + " ", style="dim")
            for c in range(plot):
                mark.append("▒" if region[c] else " ", style="yellow" if region[c] else "")
            out.append(mark)
        out.extend(_axis(chart, label, plot, col, width))
        out.extend(_legend(chart, width))
        return out


def _draw(
    cells: list[tuple[str, str, int]], iv: Interval, chart: BandChart, col: Callable[[float], int], lo: float, hi: float
) -> None:
    """Put one interval into a lane's cells (char, style, priority), keeping higher-priority marks."""
    colour = chart.colour(iv.key)
    style = f"{colour} dim" if iv.conditional else f"{colour} bold" if iv.named else colour

    def put(c: int, ch: str, priority: int) -> None:
        if 0 <= c < len(cells) and priority >= cells[c][2]:
            cells[c] = (ch, style, priority)

    if iv.unbounded:
        for c in range(len(cells)):
            put(c, "┄", _BAR)
        return
    if iv.high < lo:
        put(0, "◂", _CLOSED)
        return
    if iv.low > hi:
        put(len(cells) - 1, "▸", _CLOSED)
        return
    a, b = col(iv.low), col(iv.high)
    for c in range(a, b + 1):
        put(c, "━", _BAR)
    if iv.low == iv.high:
        put(a, "•", _CLOSED if iv.low_inclusive else _OPEN)
        return
    if iv.low < lo:
        put(a, "◂", _BAR + 1)
    else:
        put(a, "[" if iv.low_inclusive else "(", _CLOSED if iv.low_inclusive else _OPEN)
    if iv.high > hi:
        put(b, "▸", _BAR + 1)
    elif b != a or iv.high_inclusive:
        put(b, "]" if iv.high_inclusive else ")", _CLOSED if iv.high_inclusive else _OPEN)


def _axis(chart: BandChart, label: int, plot: int, col: Callable[[float], int], width: int) -> list[Text]:
    ticks = [(col(t), number_text(t)) for t in chart.ticks()]
    rule = ["─"] * plot
    for c, _ in ticks:
        rule[c] = "┬"
    numbers = [" "] * plot
    free = 0  # the first column a label may start at
    for c, text in ticks:
        start = min(max(c - len(text) // 2, 0), plot - len(text))
        if start < free:
            continue
        numbers[start : start + len(text)] = list(text)
        free = start + len(text) + 1
    pad = " " * (label + 1)
    caption = chart.label + (f" ({chart.unit})" if chart.unit else "")
    if chart.axis != chart.range:
        caption += f", shown {number_text(chart.axis[0])}–{number_text(chart.axis[1])}"
        caption += f" of {number_text(chart.range[0])}–{number_text(chart.range[1])}"
    return [
        Text(pad + "".join(rule), style="dim", no_wrap=True, overflow="crop"),
        Text(pad + "".join(numbers), style="dim", no_wrap=True, overflow="crop"),
        Text(_cut(pad + escape_controls(caption), width), style="dim italic", no_wrap=True, overflow="crop"),
    ]


def _legend(chart: BandChart, width: int) -> list[Text]:
    lines: list[Text] = []
    line = Text(no_wrap=True, overflow="crop")
    for swatch in chart.values:
        text = escape_controls(swatch.text)
        item = len(text) + 4
        if line.cell_len and line.cell_len + item > width:
            lines.append(line)
            line = Text(no_wrap=True, overflow="crop")
        line.append("━ ", style=swatch.colour)
        line.append(_cut(text, width - 2))
        line.append("  ")
    if line.cell_len:
        lines.append(line)
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
