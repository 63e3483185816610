"""Snapshots and reports are private files: 0600 files in 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightline.analytics.indicators import RegionScope
from brightline.analytics.report import write_report
from brightline.analytics.snapshot import take_snapshot
from brightline.site import Site
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask a machine commonly has (files 0666, folders 0777)."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(root: Path) -> set[tuple[str, int]]:
    found = set()
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        kind = "folder" if path.is_dir() else "file"
        found.add((kind, stat.S_IMODE(path.stat().st_mode)))
    return found


@pytest.mark.usefixtures("open_umask")
def test_a_snapshot_is_written_0600_in_0700_folders(demo_copy: Site, tmp_path: Path) -> None:
    full = take_snapshot(demo_copy, tmp_path / "snapshots")
    assert _modes(tmp_path / "snapshots") == {("folder", 0o700), ("file", 0o600)}
    incremental = take_snapshot(demo_copy, tmp_path / "snapshots", incremental=True)
    assert incremental.path != full.path
    assert _modes(incremental.path) == {("folder", 0o700), ("file", 0o600)}


@pytest.mark.usefixtures("open_umask")
def test_a_report_is_written_0600(demo_snapshot: DemoSnapshot, tmp_path: Path) -> None:
    out = write_report(
        demo_snapshot.snapshot.parent,
        tmp_path / "report.html",
        region=RegionScope("county", "LS01"),
        period="2025",
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
