"""The printable programme report of one region and period: suppressed tables and SVG charts.

Everything in the report leaves the system, so every number in it is a published (suppressed)
figure (``brightline.analytics.report_figures``), worded in English or Chinese
(``brightline.analytics.report_view``). The HTML is one self-contained file (inline CSS and
SVG, A4 print styles); the PDF is that file printed by headless Chromium. docs/indicators.md
"Printable report" explains it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from brightline.analytics.engines import DEFAULT_ENGINE
from brightline.analytics.indicators import RegionScope
from brightline.analytics.periods import ReportPeriod
from brightline.analytics.report_figures import (
    ReportFigures,
    breakdown_level,
    month_breakdown,
    report_figures,
    with_months,
)
from brightline.analytics.report_view import ENGLISH, render_report
from brightline.chromium import CHROMIUM, HEADLESS_FLAGS
from brightline.errors import BrightlineError, InvalidInput

__all__ = [
    "ChromiumMissing",
    "ReportFigures",
    "breakdown_level",
    "build_report",
    "find_chromium",
    "month_breakdown",
    "render_report",
    "report_figures",
    "with_months",
    "write_report",
]
REPORT_FORMATS = (".html", ".pdf")
CHROMIUM_TIMEOUT_SECONDS = 120


class ChromiumMissing(BrightlineError):
    """A PDF was asked for but no Chromium is installed to print it."""

    code = "chromium_missing"


def build_report(
    snapshot_dir: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    region_names: Mapping[str, str] | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
    language: str = "en",
    catalogue: NullTranslations = ENGLISH,
) -> str:
    """The printable report (HTML) of ``region`` over ``period`` from the latest snapshot."""
    figures = report_figures(
        snapshot_dir,
        region=region,
        period=period,
        engine=engine,
        good=good,
        region_name=region_name,
        region_names=region_names,
        follow_up_window=follow_up_window,
        spark=spark,
    )
    return render_report(figures, catalogue, language)


# -- files ----------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """The Chromium that prints PDFs: /usr/bin/chromium, else ``chromium`` on PATH."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def _check_out(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise InvalidInput(f"{str(out)!r} must end in {' or '.join(REPORT_FORMATS)}", field="out")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {str(out.parent)!r} does not exist", field="out")
    return suffix


def print_pdf(html: str, out: Path, chromium: str) -> None:
    """Print ``html`` to the PDF ``out`` with headless Chromium (A4 from the page's CSS)."""
    with tempfile.TemporaryDirectory(prefix="brightline-report-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(work) / "report.pdf"
        command = [
            chromium,
            "--headless",
            *HEADLESS_FLAGS,
            "--disable-dev-shm-usage",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired as exc:
            raise BrightlineError(
                f"Chromium did not finish printing within {CHROMIUM_TIMEOUT_SECONDS} s",
                field="out",
            ) from exc
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BrightlineError(
                f"Chromium did not print the PDF (exit {done.returncode}: {detail[0]})",
                field="out",
            )
        _publish(pdf.read_bytes(), out)


def _publish(content: bytes, out: Path) -> None:
    """Write ``out`` whole or not at all: a temporary file beside it, then one rename."""
    temporary = out.parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
    # 0600: a report's small counts are not for every account on the machine to read.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_report(
    snapshot_dir: Path,
    out: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    region_names: Mapping[str, str] | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
    language: str = "en",
    catalogue: NullTranslations = ENGLISH,
) -> Path:
    """Write the report to ``out``: HTML, or PDF printed by Chromium (by the file's suffix)."""
    suffix = _check_out(out)
    chromium = find_chromium() if suffix == ".pdf" else None
    if suffix == ".pdf" and chromium is None:
        raise ChromiumMissing(
            "a PDF needs Chromium to print it and none is installed; "
            f"write {out.with_suffix('.html').name} instead (open it and print), "
            "or install chromium",
            field="out",
        )
    html = build_report(
        snapshot_dir,
        region=region,
        period=period,
        engine=engine,
        good=good,
        region_name=region_name,
        region_names=region_names,
        follow_up_window=follow_up_window,
        spark=spark,
        language=language,
        catalogue=catalogue,
    )
    if chromium is None:
        _publish(html.encode("utf-8"), out)
    else:
        print_pdf(html, out, chromium)
    return out
