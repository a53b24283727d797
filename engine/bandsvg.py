"""A band chart (engine.bands) as a small self-contained SVG: for report.md (linked as an image) and report.html.

One row per source, the fact's axis below with a tick at every threshold, each claim's interval
a bar in its answer's colour, an end included drawn as a filled dot and an end excluded as a
hollow one, a bar that goes on past the drawn part of the axis ending in an arrow, a claim
that does not read the fact dashed across the whole axis, and the disagreeing region(s)
shaded over every row. No fonts, stylesheets, scripts or ids (several charts can sit inline in
one page), and every text (source ids, values: untrusted) escaped. Byte-stable: coordinates
are written with one decimal, and nothing depends on time or the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.sax.saxutils import escape

from engine.bands import BandChart, Interval, number_text

WIDTH = 640
LEFT = 150  # source names
X0, X1 = 160.0, 620.0  # the plot
LANE = 16
ROW_PAD = 8
TOP = 50
CHAR = 6.2  # a character of 11 px sans-serif, roughly: for wrapping the legend and cutting names
LABEL_CHARS = 22
VALUE_CHARS = 40
REGION_FILL = "#F2C14E"
REGION_EDGE = "#B8860B"

End = tuple[bool, int, float, float, str]  # included, side (0 low, 1 high), x, y, colour

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# Written as character references too, so no untrusted text reads like markup to a filter that scans the
# SVG's source (an ` onload=`, `javascript:`, `url(` or `@import` inside a value); the drawing is the same.
_REFS = {'"': "&quot;", "'": "&apos;", "=": "&#61;", ":": "&#58;", "(": "&#40;", "@": "&#64;"}


def esc(text: str) -> str:
    """Text safe inside an element or a double-quoted attribute; characters XML cannot hold become U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", str(text)), _REFS)


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def to_svg(chart: BandChart) -> str:
    """The chart as an SVG document (UTF-8 text, no XML declaration needed), about 640 px wide."""
    lo, hi = chart.axis
    span = hi - lo or 1.0

    def x(v: float) -> float:
        return X0 + (min(max(v, lo), hi) - lo) / span * (X1 - X0)

    out: list[str] = []
    rows_top = TOP
    heights = [(max(r.lanes, 1) + (1 if r.hidden else 0)) * LANE + ROW_PAD for r in chart.rows]  # + the summary
    rows_bottom = rows_top + sum(heights)
    axis_y = rows_bottom + 6

    # background, title, key
    out.append(f'<rect x="0" y="0" width="{WIDTH}" height="HEIGHT" fill="#FFFFFF"/>')
    out.append(f'<text x="8" y="18" font-size="13" font-weight="bold" fill="#222222">{esc(chart.title)}</text>')
    key = f"shaded: they disagree · ● end included · ○ excluded · dashed: any {chart.label}"
    key += " · pale: depends on other facts"
    out.append(f'<text x="8" y="36" font-size="10" fill="#555555">{esc(key)}</text>')
    named = [iv.named for row in chart.rows for iv in row.intervals]
    emphasis = any(named) and not all(named)  # outline the finding's claims when others are shown too
    if emphasis:
        out.append(
            f'<text x="{WIDTH - 8}" y="18" font-size="10" text-anchor="end" fill="#555555">'
            f"{esc('outlined: the claims this finding names')}</text>"
        )

    # row stripes and source names
    y = float(rows_top)
    for i, (row, h) in enumerate(zip(chart.rows, heights)):
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{_n(y)}" width="{WIDTH}" height="{h}" fill="#F4F4F4"/>')
        name = esc(row.source)
        shown = esc(_cut(row.source, LABEL_CHARS))
        out.append(
            f'<text x="8" y="{_n(y + h / 2 + 4)}" font-size="11" fill="#222222"><title>{name}</title>{shown}</text>'
        )
        if row.note:
            out.append(
                f'<text x="{_n(X0)}" y="{_n(y + h / 2 + 4)}" font-size="10" font-style="italic" fill="#777777">'
                f"{esc(row.note)}</text>"
            )
        if row.hidden:  # the lane below the drawn ones
            more = row.hidden_text
            out.append(
                f'<text x="{_n(X0)}" y="{_n(y + ROW_PAD / 2 + max(row.lanes, 1) * LANE + LANE / 2 + 4)}" '
                f'font-size="10" font-style="italic" fill="#777777">{esc(more)}</text>'
            )
        y += h

    # regions, then a guide at every threshold
    for low, low_in, high, high_in in chart.regions:
        if high < lo or low > hi:
            continue
        a, b = x(low), x(high)
        if b - a < 3:
            a, b = (a + b) / 2 - 1.5, (a + b) / 2 + 1.5
        where = _span_text(chart.label, low, low_in, high, high_in)
        out.append(
            f'<rect x="{_n(a)}" y="{_n(rows_top)}" width="{_n(b - a)}" height="{_n(rows_bottom - rows_top)}" '
            f'fill="{REGION_FILL}" fill-opacity="0.35" stroke="{REGION_EDGE}" stroke-width="1" '
            f'stroke-dasharray="3 2"><title>{esc("they disagree where " + where)}</title></rect>'
        )
    for t in chart.ticks():
        out.append(
            f'<line x1="{_n(x(t))}" y1="{_n(rows_top)}" x2="{_n(x(t))}" y2="{_n(rows_bottom)}" '
            'stroke="#CCCCCC" stroke-width="1" stroke-dasharray="2 3"/>'
        )

    # the intervals: bars first, then the ends (filled over hollow where two meet)
    ends: list[End] = []
    y = float(rows_top)
    for row, h in zip(chart.rows, heights):
        for iv in row.intervals:
            cy = y + ROW_PAD / 2 + iv.lane * LANE + LANE / 2
            out.append(_bar(iv, chart, x, cy, lo, hi, emphasis and iv.named))
            ends.extend(_ends(iv, chart, x, cy, lo, hi))
        y += h
    out.extend(_dots(ends))

    # axis
    out.append(f'<line x1="{_n(X0)}" y1="{_n(axis_y)}" x2="{_n(X1)}" y2="{_n(axis_y)}" stroke="#333333"/>')
    last = [-1e9, -1e9]
    for t in chart.ticks():
        tx = x(t)
        out.append(f'<line x1="{_n(tx)}" y1="{_n(axis_y)}" x2="{_n(tx)}" y2="{_n(axis_y + 5)}" stroke="#333333"/>')
        label = number_text(t)
        need = len(label) * CHAR / 2 + 4
        level = 0 if tx - last[0] >= need * 2 else 1 if tx - last[1] >= need * 2 else 0
        last[level] = tx
        out.append(
            f'<text x="{_n(tx)}" y="{_n(axis_y + 16 + 11 * level)}" font-size="10" text-anchor="middle" '
            f'fill="#333333">{esc(label)}</text>'
        )
    caption = chart.label + (f" ({chart.unit})" if chart.unit else "")
    if chart.axis != chart.range:
        caption += f", shown {number_text(lo)}–{number_text(hi)} of {number_text(chart.range[0])}–{number_text(chart.range[1])}"
    out.append(
        f'<text x="{_n(X1)}" y="{_n(axis_y + 42)}" font-size="10" text-anchor="end" fill="#555555">{esc(caption)}</text>'
    )

    # legend
    ly, lx = axis_y + 60, 8.0
    for swatch in chart.values:
        text = _cut(swatch.text, VALUE_CHARS)
        width = 22 + len(text) * CHAR + 14
        if lx + width > WIDTH - 8 and lx > 8:
            lx, ly = 8.0, ly + 16
        out.append(f'<rect x="{_n(lx)}" y="{_n(ly - 7)}" width="16" height="6" fill="{esc(swatch.colour)}"/>')
        out.append(
            f'<text x="{_n(lx + 22)}" y="{_n(ly)}" font-size="11" fill="#222222">'
            f"<title>{esc(swatch.text)}</title>{esc(text)}</text>"
        )
        lx += width
    height = int(ly + 12)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" role="img">'
        f"<title>{esc(_summary(chart))}</title>"
    )
    body = "\n".join(out).replace('height="HEIGHT"', f'height="{height}"', 1)
    return head + "\n" + body + "\n</svg>\n"


def _summary(chart: BandChart) -> str:
    """The chart in one sentence: its accessible name (and a tooltip)."""
    where = "; ".join(_span_text(chart.label, *r) for r in chart.regions)
    sources = ", ".join(r.source for r in chart.rows)
    return f"{chart.title}: {sources}" + (f"; they disagree where {where}" if where else "")


def _span_text(label: str, low: float, low_in: bool, high: float, high_in: bool) -> str:
    if low == high:
        return f"{label} = {number_text(low)}"
    return f"{number_text(low)} {'<=' if low_in else '<'} {label} {'<=' if high_in else '<'} {number_text(high)}"


def _interval_text(iv: Interval, chart: BandChart) -> str:
    if iv.unbounded:
        where = f"any {chart.label}"
    else:
        where = _span_text(chart.label, iv.low, iv.low_inclusive, iv.high, iv.high_inclusive)
    extra = " (only for some values of its other facts)" if iv.conditional else ""
    return f"{iv.claim}: {iv.value} where {where}{extra}"


def _bar(
    iv: Interval, chart: BandChart, x: Callable[[float], float], cy: float, lo: float, hi: float, outline: bool
) -> str:
    colour = esc(chart.colour(iv.key))
    tip = f"<title>{esc(_interval_text(iv, chart))}</title>"
    opacity = ' stroke-opacity="0.5"' if iv.conditional else ""
    if iv.unbounded:
        under = (
            f'<line x1="{_n(X0)}" y1="{_n(cy)}" x2="{_n(X1)}" y2="{_n(cy)}" stroke="#222222" stroke-width="7" '
            'stroke-dasharray="7 4"/>'
            if outline
            else ""
        )
        return under + (
            f'<line x1="{_n(X0)}" y1="{_n(cy)}" x2="{_n(X1)}" y2="{_n(cy)}" stroke="{colour}" stroke-width="4" '
            f'stroke-dasharray="7 4"{opacity}>{tip}</line>'
        )
    if iv.high < lo or iv.low > hi:  # wholly off the drawn axis: an arrow at the side it lies on
        ax = X0 if iv.high < lo else X1
        return _arrow(ax, cy, -1 if iv.high < lo else 1, colour, tip)
    a, b = x(iv.low), x(iv.high)
    parts = (
        [f'<line x1="{_n(a)}" y1="{_n(cy)}" x2="{_n(b)}" y2="{_n(cy)}" stroke="#222222" stroke-width="10"/>']
        if outline
        else []
    )
    parts += [
        f'<line x1="{_n(a)}" y1="{_n(cy)}" x2="{_n(b)}" y2="{_n(cy)}" stroke="{colour}" stroke-width="6"{opacity}>'
        f"{tip}</line>"
    ]
    if iv.low < lo:
        parts.append(_arrow(X0, cy, -1, colour, ""))
    if iv.high > hi:
        parts.append(_arrow(X1, cy, 1, colour, ""))
    return "".join(parts)


def _arrow(ax: float, cy: float, side: int, colour: str, tip: str) -> str:
    tip_x = ax + 7 * side
    return (
        f'<polygon points="{_n(ax)},{_n(cy - 5)} {_n(tip_x)},{_n(cy)} {_n(ax)},{_n(cy + 5)}" fill="{colour}">'
        f"{tip}</polygon>"
    )


def _ends(iv: Interval, chart: BandChart, x: Callable[[float], float], cy: float, lo: float, hi: float) -> list[End]:
    """The end dots of a bounded interval's ends inside the axis: (included, side, x, y, colour)."""
    if iv.unbounded or iv.high < lo or iv.low > hi:
        return []
    colour = esc(chart.colour(iv.key))
    points = [(iv.low, iv.low_inclusive, 0)]
    if iv.high != iv.low:
        points.append((iv.high, iv.high_inclusive, 1 if iv.high > iv.low else 0))
    return [(closed, side, x(v), cy, colour) for v, closed, side in points if lo <= v <= hi]


def _dots(ends: list[End]) -> list[str]:
    """Hollow dots first, filled over them; a hollow dot where a filled one sits moves into its own bar."""
    filled = {(_n(cx), _n(cy)) for closed, _side, cx, cy, _c in ends if closed}
    out = []
    for closed, side, cx, cy, colour in sorted(ends, key=lambda e: e[0]):
        if not closed and (_n(cx), _n(cy)) in filled:
            cx += -7 if side else 7
        fill = colour if closed else "#FFFFFF"
        out.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="4.5" fill="{fill}" stroke="{colour}" stroke-width="2"/>')
    return out


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def chart_file(finding_id: str, chart: BandChart) -> str:
    """A file name for a finding's chart beside report.md ('C-0df83d2211-crcl.svg'): only [A-Za-z0-9._-]."""
    return chart_file_name(finding_id, chart.fact)


def chart_file_name(finding_id: str, fact: str) -> str:
    """chart_file before the chart is drawn: the name follows from the finding and the fact alone."""
    name = _UNSAFE_NAME.sub("_", f"{finding_id}-{fact}").strip("._") or "chart"
    return f"{name[:120]}.svg"
