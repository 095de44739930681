"""Reading order of a PDF page from where its text runs are drawn, not from the order the
content stream draws them (which some typesetters write row by row across two columns).

A page is a list of `Run`s: a piece of text on one line with its box (PDF points, y upwards).
They are cut into horizontal *bands* at any run that crosses the page's gutter (a title over
both columns) and at unusually large vertical gaps (a running header above the body, a footer
below it). A band whose runs all keep to one side of the gutter, with several prose-wide runs
on each side, is two columns: its left column is read top to bottom, then its right column.
Any other band is read row by row, left to right (a table stays a row per line).

A vertical gap clearly larger than the line pitch between two lines of a column is a
paragraph break, returned as an empty line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

# Runs whose vertical centres are this close (in points, or a share of their height) share a
# row.
ROW_TOLERANCE = 0.5
# A gap between rows larger than this many line pitches starts a new band (header, footer).
BAND_GAP = 2.2
# A gap between lines larger than this many line pitches is a paragraph break.
PARAGRAPH_GAP = 1.35
# A column holds prose: at least this many runs on each side, each this share of the body wide.
MIN_COLUMN_RUNS = 3
MIN_COLUMN_WIDTH = 0.25
# The gutter is looked for in the middle of the page's text.
GUTTER_RANGE = (0.3, 0.7)


@dataclass(frozen=True)
class Run:
    left: float
    bottom: float
    right: float
    top: float
    text: str

    @property
    def middle(self) -> float:
        return (self.bottom + self.top) / 2

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


def reading_order(runs: Sequence[Run]) -> list[str]:
    """The page's lines in reading order; "" between paragraphs."""
    runs = [r for r in runs if r.text.strip()]
    if not runs:
        return []
    rows = _rows(runs)
    pitch = _pitch(rows)
    gutter = _gutter(runs)
    lines: list[str] = []
    for band in _bands(rows, gutter, pitch):
        if lines:
            lines.append("")
        lines.extend(_read_band(band, gutter, pitch))
    return lines


def _rows(runs: Sequence[Run]) -> list[list[Run]]:
    """Runs grouped by their vertical centre, top row first, each row left to right."""
    ordered = sorted(runs, key=lambda r: -r.middle)
    rows: list[list[Run]] = []
    for run in ordered:
        if rows and abs(rows[-1][0].middle - run.middle) <= ROW_TOLERANCE * min(
                rows[-1][0].height, run.height):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda r: r.left) for row in rows]


def _pitch(rows: list[list[Run]]) -> float:
    """The usual distance between consecutive rows: the body text's line spacing."""
    gaps = [a[0].middle - b[0].middle for a, b in zip(rows, rows[1:], strict=False)]
    gaps = [g for g in gaps if g > 0]
    heights = [r.height for row in rows for r in row]
    return median(gaps) if gaps else 1.5 * median(heights)


def _gutter(runs: Sequence[Run]) -> float | None:
    """An x that no prose-wide run crosses, with prose-wide runs on both sides, or None."""
    left = min(r.left for r in runs)
    right = max(r.right for r in runs)
    width = right - left
    if width <= 0:
        return None
    wide = [r for r in runs if r.right - r.left >= MIN_COLUMN_WIDTH * width]
    if len(wide) < 2 * MIN_COLUMN_RUNS:
        return None
    lo, hi = left + GUTTER_RANGE[0] * width, left + GUTTER_RANGE[1] * width
    # Candidate gutters: just right of each wide run's right edge inside the middle range.
    best: tuple[tuple[int, int], float] | None = None
    for x in sorted({r.right + 0.5 for r in wide if lo <= r.right <= hi}):
        crossing = sum(1 for r in wide if r.left < x < r.right)
        if crossing * 20 > len(wide):  # more than 5 % of the prose crosses it: not a gutter
            continue
        sides = min(sum(1 for r in wide if r.right <= x), sum(1 for r in wide if r.left >= x))
        if sides >= MIN_COLUMN_RUNS and (best is None or (crossing, -sides) < best[0]):
            best = ((crossing, -sides), x)
    return best[1] if best else None


def _bands(rows: list[list[Run]], gutter: float | None,
           pitch: float) -> list[list[list[Run]]]:
    """Consecutive rows cut where a row crosses the gutter or a large gap opens."""
    bands: list[list[list[Run]]] = []
    previous: list[Run] | None = None
    for row in rows:
        crosses = gutter is not None and any(r.left < gutter < r.right for r in row)
        gap = previous is not None and previous[0].middle - row[0].middle > BAND_GAP * pitch
        if not bands or crosses or gap or _crossed(bands[-1], gutter):
            bands.append([row])
        else:
            bands[-1].append(row)
        previous = row
    return bands


def _crossed(band: list[list[Run]], gutter: float | None) -> bool:
    return gutter is not None and any(r.left < gutter < r.right for row in band for r in row)


def _read_band(band: list[list[Run]], gutter: float | None, pitch: float) -> list[str]:
    runs = [r for row in band for r in row]
    if gutter is not None and not _crossed(band, gutter):
        left = [r for r in runs if r.right <= gutter]
        right = [r for r in runs if r.left >= gutter]
        if len(left) >= MIN_COLUMN_RUNS and len(right) >= MIN_COLUMN_RUNS:
            # The right column continues the left one: no paragraph break between them.
            return _read_rows(_rows(left), pitch) + _read_rows(_rows(right), pitch)
    return _read_rows(band, pitch)


def _read_rows(rows: list[list[Run]], pitch: float) -> list[str]:
    lines: list[str] = []
    for i, row in enumerate(rows):
        if i and rows[i - 1][0].middle - row[0].middle > PARAGRAPH_GAP * pitch:
            lines.append("")
        lines.append(" ".join(r.text.strip() for r in row))
    return lines
