"""The generated reference pages match the code (run `make docs` after changing either)."""

from __future__ import annotations

from pathlib import Path

from brightline.cli import app
from brightline.cli.reference import CLI_PAGE, SETTINGS_PAGE, cli_markdown, settings_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    assert (ROOT / CLI_PAGE).read_text(encoding="utf-8") == cli_markdown(app)


def test_settings_reference_is_current() -> None:
    assert (ROOT / SETTINGS_PAGE).read_text(encoding="utf-8") == settings_markdown()
