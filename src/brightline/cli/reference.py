"""Reference pages generated from the code: every command's --help and every setting."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command
from typer.testing import CliRunner

from brightline.settings import Settings

CLI_PAGE = Path("docs/cli.md")
SETTINGS_PAGE = Path("docs/configuration.md")


def _walk(command: object, path: list[str]) -> list[list[str]]:
    """Command paths in tree order (groups expose their sub-commands as ``.commands``)."""
    found = [path]
    children: dict[str, object] = getattr(command, "commands", {})
    for name in sorted(children):
        found += _walk(children[name], [*path, name])
    return found


def cli_markdown(app: typer.Typer) -> str:
    """Markdown with the ``--help`` text of every command, in tree order."""
    root = get_command(app)
    parts = [
        "# Command reference\n",
        "Generated from `--help` by `make docs`; do not edit by hand.\n",
    ]
    runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    for path in _walk(root, ["brightline"]):
        text = runner.invoke(app, [*path[1:], "--help"], prog_name="brightline").output.rstrip()
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def settings_markdown() -> str:
    """Markdown table of every setting with its variable, default and help."""
    lines = [
        "# Configuration",
        "",
        "Generated from `brightline.settings.Settings` by `make docs`; do not edit by hand.",
        "Every setting is an environment variable; the programme's clinical rules live in the",
        "programme file instead (see [triage](triage.md)).",
        "",
        "| variable | default | what it does |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default is not None else ""
        lines.append(f"| `BRIGHTLINE_{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"


def write_reference_pages(app: typer.Typer, root: Path) -> None:
    """Regenerate docs/cli.md and docs/configuration.md under ``root``."""
    (root / CLI_PAGE).write_text(cli_markdown(app), encoding="utf-8")
    (root / SETTINGS_PAGE).write_text(settings_markdown(), encoding="utf-8")
