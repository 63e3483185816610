"""``brightline programme``: show the settings in force, change them as a password-checked admin."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from brightline.cli import app
from brightline.settings import Settings
from brightline.site import Site

runner = CliRunner()
ADMIN_PASSWORD = "first-admin-password"
REASON = "The county follows up three months after surgery"


def run(home: Path, *args: str, code: int = 0, password: str | None = None) -> str:
    env = {"BRIGHTLINE_PASSWORD": password} if password else {}
    result = runner.invoke(app, ["--home", str(home), *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def test_set_changes_the_programme_for_the_next_command_and_show_tells_the_history(
    tmp_path: Path,
) -> None:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", ADMIN_PASSWORD)
    assert "version 0 (the programme file)" in run(home, "programme", "show")
    changed = run(
        home,
        "programme",
        "set",
        "follow_up.window_last_day=90",
        "review.turnaround_target_days=7",
        "--reason",
        REASON,
        "--as",
        "admin",
        password=ADMIN_PASSWORD,
    )
    assert "version 1 stored (review.turnaround_target_days, follow_up.window_last_day)" in changed
    shown = run(home, "programme", "show")
    assert "follow_up.window_last_day = 90" in shown and "follow_up.window_first_day = 28" in shown
    assert 'triage.version = "who-default-1"' in shown
    assert f"why: {REASON}" in shown and "by admin" in shown
    site = Site.open(Settings(home=home))
    try:
        assert site.programme.follow_up_window_days == (28, 90)
        assert site.programme.review_turnaround_target_days == 7
    finally:
        site.close()


def test_set_refuses_a_wrong_password_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", ADMIN_PASSWORD)
    args = ("programme", "set", "--reason", REASON, "--as", "admin")
    wrong = run(home, *args, "worklist.not_attended_days=3", code=2, password="not-it")
    assert "wrong username or password" in wrong
    unknown = run(home, *args, "triage.refer_worse_than=6/18", code=2, password=ADMIN_PASSWORD)
    assert "KEY=VALUE with one of: programme.name" in unknown
    bad = run(
        home,
        *args,
        "follow_up.window_first_day=90",
        "follow_up.window_last_day=30",
        "programme.date_format=%Y",
        code=2,
        password=ADMIN_PASSWORD,
    )
    assert "programme.date_format: This does not show a full date" in bad
    assert "follow_up.window_last_day: The last day must be on or after the first day (90)" in bad
    assert "version 0" in run(home, "programme", "show")
