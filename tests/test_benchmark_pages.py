"""The page benchmarks still find what they measure: they read links out of the pages, so a
change of markup must not break ``make bench`` unnoticed (a tiny demo, one fetch per page)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_web.py", "bench_centre.py"])
def test_a_page_benchmark_runs_on_a_small_demo(script: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--people", "2000", "--repeat", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={"BRIGHTLINE_ARGON2_PROFILE": "test", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| `/")]
    assert len(rows) >= 3, run.stdout
    assert all("KB" in row for row in rows)
