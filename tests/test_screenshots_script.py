"""scripts/screenshots.py writes exactly the screenshots docs/ui.md and README.md show."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["screenshots"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_script_writes_every_picture_the_docs_show_and_no_other() -> None:
    script = _script()
    demo = script.Demo("http://127.0.0.1:1", {}, date(2026, 11, 26))
    written = script.file_names(demo)
    shown = {
        name
        for page in ("docs/ui.md", "README.md")
        for name in re.findall(r"screenshots/([a-z-]+\.png)", (ROOT / page).read_text("utf-8"))
    }
    assert len(written) == len(set(written))
    assert set(written) == shown
    assert {path.name for path in (ROOT / "docs/screenshots").glob("*.png")} == shown
