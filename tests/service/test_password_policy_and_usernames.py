"""The password policy (12+ characters, not a common password) and case-insensitive usernames."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from brightline.access.signin import sign_in
from brightline.demo import demo_password
from brightline.errors import Conflict, InvalidInput
from brightline.service.accounts import (
    account_by_username,
    add_user,
    authenticate,
    password_hasher,
)
from brightline.service.passwords import MIN_PASSWORD_LENGTH, check_password, common_passwords
from brightline.site import Site
from brightline.store.models import User
from tests.conftest import ADMIN_PASSWORD, PASSWORD, World


def test_a_short_password_is_refused_naming_the_field_and_the_length() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_password("tea-garden1")  # 11 characters
    assert refused.value.field == "password"
    assert "at least 12 characters" in refused.value.message and "11" in refused.value.message


@pytest.mark.parametrize("common", ["1qaz2wsx3edc", "qwerty123456", "QWERTY123456", "LeaveMeAlone"])
def test_a_common_password_is_refused_in_any_case(common: str) -> None:
    assert len(common) >= MIN_PASSWORD_LENGTH
    with pytest.raises(InvalidInput) as refused:
        check_password(common)
    assert refused.value.field == "password"
    assert "most common passwords" in refused.value.message


def test_the_shipped_list_is_the_common_passwords() -> None:
    listed = common_passwords()
    assert len(listed) > 25_000
    assert {"password", "123456", "qwertyuiop", "iloveyou"} <= listed


@pytest.mark.parametrize("good", ["lantern-rice-harbour-7", "Mountain tea at six", PASSWORD])
def test_good_passwords_pass(good: str) -> None:
    assert check_password(good) == good


def test_the_passwords_the_project_hands_out_pass_the_policy() -> None:
    check_password(ADMIN_PASSWORD)
    for username in ("admin", "demo-admin", "screener-shuikou", "reviewer", "privacy-officer"):
        check_password(demo_password(7, username))


def test_an_older_short_password_keeps_working_until_changed(site: Site, world: World) -> None:
    with site.transaction() as session:
        user = add_user(session, "veteran", PASSWORD, "manager", "all")
        # As an account made under the old 10-character rule would be stored.
        user.password_hash = password_hasher("test").hash("short-pass")
    with site.transaction() as session:
        assert authenticate(session, "veteran", "short-pass", profile="test") is not None
        stored = session.get(User, user.id)
        assert stored is not None and stored.active


def test_usernames_match_in_any_case_at_sign_in(seeded_site: Site) -> None:
    with seeded_site.transaction() as session:
        for typed in ("screener_a", "Screener_A", "SCREENER_A"):
            issued = sign_in(
                session,
                seeded_site.settings,
                typed,
                PASSWORD,
                client="test",
                now=seeded_site.now(),
            )
            assert issued is not None and issued.user.username == "screener_a"


def test_a_second_account_differing_only_in_case_is_refused(seeded_site: Site) -> None:
    with seeded_site.transaction() as session, pytest.raises(InvalidInput) as refused:
        add_user(session, "Screener_A", PASSWORD, "screener", "facility:CL-A")
    assert refused.value.field == "username"
    assert "'screener_a'" in refused.value.message and "case is ignored" in refused.value.message
    with seeded_site.transaction() as session:
        found = account_by_username(session, "SCREENER_a")
        assert found is not None and found.username == "screener_a"


def test_the_database_itself_refuses_a_username_differing_only_in_case(
    seeded_site: Site,
) -> None:
    """Even a write past the service layer meets the unique index on lower(username)."""
    # The unique index refuses it; the transaction answers that as a conflict.
    with pytest.raises(Conflict) as refused, seeded_site.transaction() as session:
        session.execute(
            insert(User).values(
                username="REVIEWER",
                password_hash="x",
                role="reviewer",
                pseudonym="f" * 32,
                active=True,
            )
        )
    assert isinstance(refused.value.__cause__, IntegrityError)
