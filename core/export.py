"""Export files built from the report tables: an Excel workbook and a chart of meetings per month.

Pure functions returning bytes (no Telegram, no SQL). openpyxl and matplotlib are imported when a
file is built, not when the bot starts. The chart uses matplotlib's object-oriented API on the
headless Agg backend (selected before anything could import pyplot) and never pyplot's global
figure registry, so building a chart in a worker thread is safe.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import Any

from core.export_tables import Cell, Table, neutralise

SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60  # column widths, in characters
DATETIME_WIDTH = 16
CHART_SIZE = (9.0, 4.5)  # inches
CHART_DPI = 100

# Control characters an .xlsx file cannot hold (openpyxl refuses them); tab and newlines stay.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of [ ] : * ? / \\."""
    base = SHEET_TITLE_FORBIDDEN.sub("-", title).strip("'").strip() or "Sheet"
    base = base[:SHEET_TITLE_MAX]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _xlsx_value(value: Cell) -> Any:
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the local wall time (callers convert to the program's zone).
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _ILLEGAL.sub("", neutralise(value))
    return value


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return DATETIME_WIDTH
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def xlsx_bytes(
    tables: Sequence[Table],
    *,
    datetime_format: str = "DD.MM.YYYY HH:MM",
    decimal_format: str = "0.0",
) -> bytes:
    """One worksheet per table: bold header row, frozen below the header, a filter on every
    column, widths after the content. Text that would start a formula is neutralised exactly as
    in the CSV files (openpyxl would otherwise store `=...` as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.title, taken))
        sheet.append([_xlsx_value(h) for h in table.header])
        for cell in sheet[1]:
            cell.font = bold
        widths = [_width(h) for h in table.header]
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in row])
            for index, (cell, value) in enumerate(zip(sheet[sheet.max_row], row, strict=False)):
                if isinstance(value, dt.datetime):
                    cell.number_format = datetime_format
                elif isinstance(value, float):
                    cell.number_format = decimal_format
                if index < len(widths):
                    widths[index] = max(widths[index], _width(value))
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(max(width, MIN_WIDTH), MAX_WIDTH) + 2
        sheet.freeze_panes = "A2"
        if table.header:
            last = get_column_letter(len(table.header))
            sheet.auto_filter.ref = f"A1:{last}{max(sheet.max_row, 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def chart_label(text: str) -> str:
    """User text as a matplotlib label: one line, `$` not taken as mathematics, and no leading
    underscore (the legend would leave such a label out)."""
    flat = " ".join(text.split()).replace("$", r"\$")
    return " " + flat if flat.startswith("_") else flat


def _figure_class() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # headless; set before anything imports pyplot
    from matplotlib.figure import Figure

    return Figure


def chart_png(
    series: Sequence[tuple[str, Sequence[int]]],
    labels: Sequence[str],
    *,
    title: str,
    axis: str,
    empty: str,
) -> bytes:
    """A line per series (program) over the months in `labels`; `empty` is shown when there is
    nothing to draw."""
    from matplotlib.ticker import MaxNLocator

    figure = _figure_class()(figsize=CHART_SIZE, dpi=CHART_DPI)
    ax = figure.add_subplot()
    ax.set_title(chart_label(title))
    if not labels or not series:
        ax.text(0.5, 0.5, chart_label(empty), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        positions = list(range(len(labels)))
        for name, values in series:
            ax.plot(
                positions,
                list(values),
                marker="o",
                linewidth=2,
                label=chart_label(name),
                clip_on=False,
            )
        rotate = len(labels) > 6
        ax.set_xticks(
            positions,
            [chart_label(label) for label in labels],
            rotation=45 if rotate else 0,
            ha="right" if rotate else "center",
        )
        ax.set_ylabel(chart_label(axis))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
