"""Password hashes: RFC 9106's low-memory argon2id unless a test suite explicitly asks."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from brightline.cli import app
from brightline.service.accounts import add_user, authenticate
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import User


def test_the_default_profile_is_rfc_9106_never_the_cheap_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BRIGHTLINE_ARGON2_PROFILE")
    assert Settings().argon2_profile == "rfc9106-low-memory"
    assert Settings.model_fields["argon2_profile"].default == "rfc9106-low-memory"


def test_only_the_named_profiles_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIGHTLINE_ARGON2_PROFILE", "cheap")
    with pytest.raises(ValidationError, match="argon2_profile"):
        Settings()


@pytest.mark.parametrize(
    ("made_with", "checked_with"), [("rfc9106-low-memory", "test"), ("test", "rfc9106-low-memory")]
)
def test_a_hash_verifies_under_either_profile(
    site: Site, made_with: str, checked_with: str
) -> None:
    with site.transaction() as session:
        user = add_user(session, "nurse", "nurse-password-1", "manager", "all", profile=made_with)
        # The hash carries its own parameters (RFC 9106 §3.1 encoding), so either verifies it.
        expected = RFC_9106_LOW_MEMORY if made_with == "rfc9106-low-memory" else CHEAPEST
        assert extract_parameters(user.password_hash) == expected
        found = authenticate(session, "nurse", "nurse-password-1", profile=checked_with)
        assert isinstance(found, User) and found.id == user.id
        assert authenticate(session, "nurse", "wrong-password-1", profile=checked_with) is None


def test_the_cli_warns_loudly_when_the_test_profile_is_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    cheap = runner.invoke(app, ["--home", str(tmp_path / "a"), "init"])
    assert cheap.exit_code == 0, cheap.output
    assert "WARNING: BRIGHTLINE_ARGON2_PROFILE=test" in cheap.stderr
    monkeypatch.delenv("BRIGHTLINE_ARGON2_PROFILE")
    strong = runner.invoke(app, ["--home", str(tmp_path / "b"), "init"])
    assert strong.exit_code == 0, strong.output
    assert "WARNING" not in strong.stderr
    for home, expected in (("a", CHEAPEST), ("b", RFC_9106_LOW_MEMORY)):
        opened = Site.open(Settings(home=tmp_path / home))
        try:
            with opened.transaction() as session:
                admin = session.scalars(select(User)).one()
                assert extract_parameters(admin.password_hash) == expected
        finally:
            opened.close()
