"""Reading CSV files that people make in spreadsheets, and reporting what is wrong with them.

The screening import (``service.importing``), the survey file (``analytics.survey``) and the
population file (``analytics.population``) share this: the checks of a file's start (empty,
a workbook, UTF-16, not UTF-8), the delimiter, the header against a :class:`CsvLayout`, and
one report naming every bad line, column and value with what would be valid.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Final

from brightline.errors import BrightlineError, InvalidInput

MAX_LISTED_PROBLEMS: Final = 10_000
DELIMITERS: Final = (",", ";", "\t")
SAVE_AS_UTF8: Final = (
    'Open it in your spreadsheet and save it as "CSV UTF-8 (Comma delimited)" (Excel) or as '
    'CSV with character set "Unicode (UTF-8)" (LibreOffice).'
)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """The columns of one kind of CSV file: what its header is checked against and the texts
    of its error report. The screening import and the survey file (analytics.survey) share
    the reading and the report; each has its own layout."""

    template: tuple[str, ...]
    required: tuple[str, ...]
    extra: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, str], ...] = ()
    ignored: tuple[str, ...] = ()
    template_command: str = "brightline import screenings --template"
    outcome: str = "nothing imported"
    kind: str = "an import file"

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns read, in the order of the positions ``column_positions`` returns."""
        return (*self.template, *self.extra)

    @property
    def known(self) -> frozenset[str]:
        """Every column name the header may hold."""
        return frozenset((*self.columns, *self.ignored))


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem in the file: its line (the header is line 1), column, value and remedy."""

    line: int
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def shown(value: str) -> str:
    """A cell for a message: quoted, and shortened past 60 characters."""
    return repr(value if len(value) <= 60 else value[:60] + "…")


class RowCheck:
    """The problems found in one row, each naming its column and the value the row holds there."""

    __slots__ = ("line", "problems", "values")

    def __init__(self, line: int, values: Mapping[str, str]) -> None:
        self.line, self.values = line, values
        self.problems: list[RowProblem] = []

    def problem(self, column: str, message: str) -> None:
        """Note a problem in ``column`` ("" for the row as a whole)."""
        value = self.values.get(column) if column else None
        self.problems.append(RowProblem(self.line, column or None, value, message))


@dataclass
class ImportReport:
    """What an import did: the counts of the summary line and the problems found."""

    path: Path
    rows: int = 0
    imported: int = 0
    already_present: int = 0
    rejected: int = 0
    referred: int = 0
    people_matched: int = 0
    rejects_path: Path | None = None
    problems: list[RowProblem] = field(default_factory=list)
    problems_not_listed: int = 0

    def add_problems(self, problems: Iterable[RowProblem]) -> None:
        """Keep problems for the report, up to MAX_LISTED_PROBLEMS (then count them only)."""
        for problem in problems:
            if len(self.problems) < MAX_LISTED_PROBLEMS:
                self.problems.append(problem)
            else:
                self.problems_not_listed += 1

    def tally(self, problems: list[RowProblem]) -> None:
        """Count a checked row as rejected if it has problems, and keep them for the report."""
        if problems:
            self.rejected += 1
            self.add_problems(problems)

    def summary(self) -> str:
        """One line for the person running the import."""
        line = (
            f"{self.path.name}: {self.rows} rows: {self.imported} imported, "
            f"{self.already_present} already imported, {self.rejected} rejected, "
            f"{self.referred} referred"
        )
        if self.people_matched:
            line += f"; {self.people_matched} linked by national ID to people already registered"
        return line + "."


class ImportRejected(BrightlineError):
    """Nothing was imported; the message lists every problem found and what would be valid."""

    code = "import_rejected"

    def __init__(
        self, report: ImportReport, headline: str, advice: str, *, outcome: str = "nothing imported"
    ) -> None:
        lines = [f"{report.path.name}: {outcome}; {headline}"]
        lines += [f"  {problem}" for problem in report.problems]
        if report.problems_not_listed:
            lines.append(f"  … and {report.problems_not_listed} more problems not listed.")
        lines.append(advice)
        super().__init__("\n".join(lines))
        self.report = report


def rows_rejected(report: ImportReport, advice: str, *, outcome: str) -> ImportRejected:
    """The refusal of a file with bad rows: how many of how many, then every problem."""
    headline = f"{report.rejected} of {report.rows} rows have problems."
    return ImportRejected(report, headline, advice, outcome=outcome)


def file_rejected(
    path: Path, line: int, message: str, advice: str, layout: CsvLayout
) -> ImportRejected:
    """A problem with the file as a whole (encoding, format)."""
    report = ImportReport(path, problems=[RowProblem(line, None, None, message)])
    headline = f"the file cannot be read as {layout.kind}."
    return ImportRejected(report, headline, advice, outcome=layout.outcome)


def malformed(path: Path, line: int, error: csv.Error, layout: CsvLayout) -> ImportRejected:
    """The report for a line the csv module cannot read (e.g. an unclosed quote)."""
    advice = "Save the file again from your spreadsheet as CSV UTF-8."
    return file_rejected(path, line, f"the CSV is malformed ({error})", advice, layout)


def check_start(path: Path, start: bytes, layout: CsvLayout) -> None:
    """Refuse, with the remedy, a file that is empty, a workbook or UTF-16 text."""
    if not start.lstrip(b"\xef\xbb\xbf").strip():
        raise file_rejected(
            path,
            1,
            "the file is empty; line 1 must be the header",
            f"Start from the template: {layout.template_command} > {path.name}",
            layout,
        )
    if start.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise file_rejected(
            path, 1, "this is a spreadsheet workbook, not CSV", SAVE_AS_UTF8, layout
        )
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in start:
        raise file_rejected(path, 1, "the file is UTF-16 text, not UTF-8", SAVE_AS_UTF8, layout)


def not_utf8(path: Path, layout: CsvLayout) -> ImportRejected:
    """Name the first line holding a byte that is not UTF-8."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = f"byte 0x{raw[exc.start]:02x} on this line"
                return file_rejected(
                    path, number, f"the file is not UTF-8 text ({byte})", SAVE_AS_UTF8, layout
                )
    return file_rejected(  # pragma: no cover
        path, 1, "the file is not UTF-8 text", SAVE_AS_UTF8, layout
    )


def delimiter_of(first_line: str, known_columns: frozenset[str]) -> str:
    """Comma, or the ';' or tab that spreadsheets write in some locales: whichever names columns."""

    def known(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(cell.strip().lower() in known_columns for cell in cells)

    return max(DELIMITERS, key=known)


def column_positions(path: Path, cells: list[str], layout: CsvLayout) -> list[int]:
    """Position of each of the layout's columns in the header (-1 if absent), after checking
    the header."""
    problems: list[RowProblem] = []
    index: dict[str, int] = {}
    known = layout.known
    for position, name in enumerate(cell.strip().lower() for cell in cells):
        if not name:
            continue  # spreadsheets add unnamed empty columns; their cells are ignored
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(RowProblem(1, name, name, f"unknown column {name!r}{hint}"))
        elif name in index:
            where = f"columns {index[name] + 1} and {position + 1}"
            problems.append(RowProblem(1, name, name, f"column {name!r} appears twice ({where})"))
        else:
            index[name] = position
    missing = [(column, "") for column in layout.required if column not in index]
    missing += [
        (column, f" (or {alternative!r})")
        for column, alternative in layout.alternatives
        if column not in index and alternative not in index
    ]
    for column, either in missing:
        problems.append(
            RowProblem(1, column, None, f"required column {column!r}{either} is missing")
        )
    if problems:
        alternatives = "".join(f", and {one} or {other}" for one, other in layout.alternatives)
        raise ImportRejected(
            ImportReport(path, problems=problems),
            "the header (line 1) has problems.",
            "The header names the columns, in any order (print the template with: "
            f"{layout.template_command}): {', '.join(layout.template)}. Required: "
            f"{', '.join(layout.required)}{alternatives}.",
            outcome=layout.outcome,
        )
    return [index.get(column, -1) for column in layout.columns]


@dataclass(frozen=True)
class CsvFile:
    """An open CSV file past its checked header: the rows still to read and where each of
    the layout's columns is (-1 if the header leaves it out)."""

    path: Path
    handle: IO[str]
    delimiter: str
    header: list[str]
    positions: list[int]


@contextmanager
def open_csv(path: Path, layout: CsvLayout) -> Iterator[CsvFile]:
    """Open a CSV file of ``layout``: refuse, with the remedy, an empty file, a workbook,
    UTF-16 or other non-UTF-8 text and a bad header (:class:`ImportRejected`); find the
    delimiter (comma, or the ';' or tab some spreadsheets write) and the columns."""
    path = Path(path)
    try:
        with path.open("rb") as raw:
            check_start(path, raw.read(4096), layout)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from exc
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            delimiter = delimiter_of(first, layout.known)
            header = next(csv.reader([first], delimiter=delimiter))
            positions = column_positions(path, header, layout)
            yield CsvFile(path, handle, delimiter, header, positions)
    except UnicodeDecodeError as exc:
        raise not_utf8(path, layout) from exc


class ColumnReader:
    """A row's cells by the layout's column names, stripped: "" where the header leaves a
    column out or the row stops short. The positions come from the checked header."""

    def __init__(self, layout: CsvLayout, positions: list[int], width: int) -> None:
        self.columns, self.width = layout.columns, width
        # Absent columns read the empty cell appended after the row's own cells.
        self._cells_of = itemgetter(*(p if p >= 0 else -1 for p in positions))

    def __call__(self, cells: list[str]) -> dict[str, str]:
        """The row's value in each of the layout's columns."""
        short = max(self.width - len(cells), 0)
        picked = self._cells_of([*cells, *[""] * short, ""])
        return dict(zip(self.columns, [value.strip() for value in picked], strict=True))


def data_rows(
    opened: CsvFile, layout: CsvLayout, lines: Iterable[str] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line, cells as read) of every non-blank row; malformed CSV raises ImportRejected.

    ``lines`` are the file's remaining lines when read through something else (a progress
    bar); by default the open file itself.
    """
    reader = csv.reader(opened.handle if lines is None else lines, delimiter=opened.delimiter)
    line = 2  # the header is line 1; reader.line_num counts the data lines read so far
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 2
    except csv.Error as exc:
        raise malformed(opened.path, line, exc, layout) from exc


def read_csv_rows(path: Path, layout: CsvLayout) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file, checked and reported like the screening import.

    Yields (line, values) for every non-blank row: each of ``layout.columns`` by name,
    stripped, "" for a column the header leaves out. Raises :class:`ImportRejected` for an
    empty file, a workbook, UTF-16 or other non-UTF-8 text, a bad header or malformed CSV.
    """
    with open_csv(path, layout) as opened:
        values_of = ColumnReader(layout, opened.positions, len(opened.header))
        for line, cells in data_rows(opened, layout):
            yield line, values_of(cells)
