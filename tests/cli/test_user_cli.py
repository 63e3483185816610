"""``brightline user``: every change is made as an admin (--as) and lands in the audit log."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from brightline.cli import app
from brightline.settings import Settings
from brightline.site import Site
from tests.accounts.helpers import account_entries, log_verifies, pseudonym_of

runner = CliRunner()
GOOD = "lantern-rice-harbour-7"


def run(home: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result.output


def _installation(tmp_path: Path) -> Path:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", "first-admin-password")
    run(home, "region", "add", "P1", "Province", "--level", "province")
    run(home, "facility", "add", "CL-1", "Clinic", "--kind", "clinic", "--region", "P1")
    return home


def _add(home: Path, username: str, *extra: str, code: int = 0) -> str:
    return run(
        home,
        "user",
        "add",
        username,
        "--role",
        "admin",
        "--scope",
        "all",
        "--password",
        GOOD,
        *extra,
        code=code,
    )


def test_accounts_made_and_changed_on_the_command_line_name_the_operator(tmp_path: Path) -> None:
    home = _installation(tmp_path)
    _add(home, "ops")  # by default as the first admin, made by init
    run(home, "user", "add", "amina", "--role", "screener", "--scope", "facility:CL-1",
        "--password", GOOD, "--as", "OPS")  # fmt: skip
    run(home, "user", "update", "Amina", "--role", "manager", "--scope", "all", "--as", "ops")
    run(home, "user", "password", "amina", "--password", GOOD + "-2", "--as", "ops")
    assert "Disabled amina" in run(home, "user", "disable", "amina", "--as", "ops")
    assert "amina" in run(home, "user", "list") and "disabled" in run(home, "user", "list")
    run(home, "user", "enable", "amina")
    site = Site.open(Settings(home=home))
    try:
        admin, ops = pseudonym_of(site, "admin"), pseudonym_of(site, "ops")
        amina = pseudonym_of(site, "amina")
        events = [(e["action"], e["actor"], e["role"], e["account"]) for e in account_entries(site)]
        assert events == [
            ("account.create", "init", "system", admin),  # the first admin, by 'brightline init'
            ("account.create", admin, "admin", ops),
            ("account.create", ops, "admin", amina),
            ("account.update", ops, "admin", amina),
            ("account.password", ops, "admin", amina),
            ("account.disable", ops, "admin", amina),
            ("account.enable", admin, "admin", amina),
        ]
        assert log_verifies(site)
    finally:
        site.close()


def test_only_an_active_admin_may_act(tmp_path: Path) -> None:
    home = _installation(tmp_path)
    run(home, "user", "add", "amina", "--role", "screener", "--scope", "facility:CL-1",
        "--password", GOOD)  # fmt: skip
    refused = _add(home, "sneaky", "--as", "amina", code=2)
    assert "may not" in refused and "account.create" in refused
    assert "no active account 'ghost'" in _add(home, "sneaky", "--as", "ghost", code=2)


def test_the_password_policy_and_case_insensitive_names_on_the_command_line(
    tmp_path: Path,
) -> None:
    home = _installation(tmp_path)
    short = run(home, "user", "add", "ops", "--role", "admin", "--scope", "all",
                "--password", "short-one", code=2)  # fmt: skip
    assert "password must be at least 12 characters" in short
    common = run(home, "user", "add", "ops", "--role", "admin", "--scope", "all",
                 "--password", "QWERTYUIOP123", code=2)  # fmt: skip
    assert "most common passwords" in common
    assert "already taken" in _add(home, "ADMIN", code=2)
