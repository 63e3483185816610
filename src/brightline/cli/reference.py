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
    return "\n".join([*lines, *SET_WHERE]) + "\n"


SET_WHERE = (
    "",
    "## What is set where, and why",
    "",
    "| where | what | who changes it, and how it takes effect |",
    "|---|---|---|",
    "| environment variables (above) | the installation: data directory, database, key "
    "files, token lifetimes, limits, the audit log's name | whoever runs the server; read "
    "when a process starts. The admin page shows them read-only, secrets only as set or "
    "not set |",
    "| the programme file (`BRIGHTLINE_PROGRAMME_FILE`) | the triage rules, and the first "
    "values of the operational settings below | the programme, with a new rules version "
    "and its review for any clinical rule change ([triage](triage.md)); read when a "
    "process starts |",
    "| the admin page, or `brightline programme set` | the operational settings: "
    "`programme.name`, `programme.va_notation`, `programme.date_format`, "
    "`worklist.not_attended_days`, `review.turnaround_target_days`, "
    "`follow_up.window_first_day`, `follow_up.window_last_day` | an administrator, with a "
    "reason; each change is a stored version (who, when, why) and one audit entry, and "
    "every server worker and command uses it from its next request |",
    "",
    "The programme in force is the programme file with the latest stored version of the "
    "operational settings on top: once an administrator has changed them, the stored values "
    "win over the file's for those seven settings (the file's triage rules always apply). "
    "The same rules check both: days are whole numbers from 1 to 365, the follow-up window's "
    "last day is on or after its first, a date format must show a whole date. "
    "Earlier versions are never changed or deleted (the database refuses it); to go back, "
    "store the earlier values again as a new version.",
)


def write_reference_pages(app: typer.Typer, root: Path) -> None:
    """Regenerate docs/cli.md and docs/configuration.md under ``root``."""
    (root / CLI_PAGE).write_text(cli_markdown(app), encoding="utf-8")
    (root / SETTINGS_PAGE).write_text(settings_markdown(), encoding="utf-8")
