"""Staff accounts: roles, scopes, argon2id password hashes, case-insensitive usernames."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, NotFound, one_of
from brightline.identifiers import random_pseudonym
from brightline.service.passwords import check_password
from brightline.service.places import facility_by_code, region_by_code
from brightline.settings import Argon2Profile
from brightline.store.models import ROLES, Facility, Region, User
from brightline.vocabulary import Role

USERNAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
FACILITY_ROLES = (Role.SCREENER.value, Role.SURGEON.value)


# Each hash carries its own parameters, so a hash made under one profile verifies under any.
ARGON2_PROFILES: dict[Argon2Profile, Parameters] = {
    "rfc9106-low-memory": RFC_9106_LOW_MEMORY,
    "test": CHEAPEST,
}
DEFAULT_ARGON2_PROFILE: Argon2Profile = "rfc9106-low-memory"


@cache
def password_hasher(profile: Argon2Profile = DEFAULT_ARGON2_PROFILE) -> PasswordHasher:
    """argon2id with RFC 9106's low-memory profile (t=3, m=64 MiB, p=4): ~50 ms per hash;
    ``test`` gives argon2's cheapest parameters, for test suites (the setting
    ``argon2_profile``)."""
    return PasswordHasher.from_parameters(ARGON2_PROFILES[profile])


@cache
def _dummy_hash(profile: Argon2Profile) -> str:
    return password_hasher(profile).hash("brightline-dummy-password")


@dataclass(frozen=True)
class Scope:
    """Where an account may act: a region subtree, narrowed to one facility for facility staff."""

    region_code: str | None
    facility_code: str | None = None

    def __str__(self) -> str:
        if self.facility_code:
            return f"facility:{self.facility_code}"
        return f"region:{self.region_code}" if self.region_code else "all"


def parse_scope(session: Session, text: str) -> tuple[int | None, int | None]:
    """Region and facility ids of a scope: ``all``, ``region:CODE`` or ``facility:CODE``."""
    if text == "all":
        return None, None
    kind, _, code = text.partition(":")
    if kind == "region" and code:
        return region_by_code(session, code, field="scope").id, None
    if kind == "facility" and code:
        facility = facility_by_code(session, code, field="scope")
        return facility.region_id, facility.id
    raise InvalidInput(
        f"scope {text!r} is not valid; write all, region:CODE or facility:CODE", field="scope"
    )


def account_by_username(session: Session, username: str) -> User | None:
    """The account whose username is ``username`` in any case (``Screener_A`` = ``screener_a``)."""
    # Usernames are ASCII (USERNAME), where SQL lower() and str.lower() agree.
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def account_named(session: Session, username: str) -> User:
    """The account called ``username`` (any case), or a refusal naming the field."""
    user = account_by_username(session, username)
    if user is None:
        raise NotFound(f"no account {username[:64]!r}", field="username")
    return user


def usernames_of(session: Session, pseudonyms: set[str]) -> dict[str, str]:
    """Usernames by staff pseudonym, for those who may see both (privacy officers)."""
    if not pseudonyms:
        return {}
    rows = session.execute(
        select(User.pseudonym, User.username).where(User.pseudonym.in_(pseudonyms))
    )
    return {pseudonym: username for pseudonym, username in rows}


def first_admin(session: Session) -> User | None:
    """The installation's oldest active admin account (the one ``brightline init`` made)."""
    return session.scalar(
        select(User).where(User.role == Role.ADMIN.value, User.active).order_by(User.id).limit(1)
    )


def _placed(session: Session, role: str, scope: str) -> tuple[int | None, int | None]:
    """Region and facility of a role in a scope; screeners and surgeons need a facility."""
    one_of("role", role, ROLES)
    region_id, facility_id = parse_scope(session, scope)
    if role in FACILITY_ROLES and facility_id is None:
        raise InvalidInput(f"a {role} must be scoped to a facility (facility:CODE)", field="scope")
    return region_id, facility_id


# Not an argon2 hash: no password verifies against it, so nobody signs in to an account
# made without one until an administrator sets its password.
NO_PASSWORD_YET = "!no-password-yet"  # noqa: S105 - a marker no password matches


def add_user(
    session: Session,
    username: str,
    password: str | None,
    role: str,
    scope: str,
    *,
    profile: Argon2Profile = DEFAULT_ARGON2_PROFILE,
) -> User:
    """Create an account; screeners and surgeons must be scoped to a facility.

    ``profile`` is the installation's ``argon2_profile`` setting. Without a password nobody
    can sign in to the account until one is set (``brightline user password``).
    """
    one_of("role", role, ROLES)
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username must be 1–64 letters, digits, '.', '-' or '_'", field="username"
        )
    if password is not None:
        check_password(password)
    taken = account_by_username(session, username)
    if taken is not None:
        same = "" if taken.username == username else f" (as {taken.username!r}; case is ignored)"
        raise InvalidInput(f"username {username!r} is already taken{same}", field="username")
    region_id, facility_id = _placed(session, role, scope)
    user = User(
        username=username,
        password_hash=(
            password_hasher(profile).hash(password) if password is not None else NO_PASSWORD_YET
        ),
        role=role,
        region_id=region_id,
        facility_id=facility_id,
        pseudonym=random_pseudonym(),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def change_placement(session: Session, user: User, role: str, scope: str) -> None:
    """Give an account a new role and scope (checked like a new account's)."""
    user.region_id, user.facility_id = _placed(session, role, scope)
    user.role = role
    session.flush()


def set_password(
    user: User, password: str, *, profile: Argon2Profile = DEFAULT_ARGON2_PROFILE
) -> None:
    """Replace an account's password; the policy applies to the new one."""
    check_password(password)
    user.password_hash = password_hasher(profile).hash(password)


@dataclass(frozen=True)
class Authentication:
    """The outcome of checking credentials: the account if they match, else why not."""

    user: User | None  # the account the username names (any case), matched or not
    ok: bool
    reason: str | None = None  # for the audit log: never the username or the password


def check_credentials(
    session: Session,
    username: str,
    password: str,
    *,
    profile: Argon2Profile = DEFAULT_ARGON2_PROFILE,
) -> Authentication:
    """Check credentials against the active account of that username, in constant-ish time."""
    user = account_by_username(session, username)
    # Hash something even for unknown users so response time does not reveal valid usernames.
    stored = user.password_hash if user is not None and user.active else _dummy_hash(profile)
    try:
        password_hasher(profile).verify(stored, password)
    except (VerificationError, InvalidHashError):
        if user is None:
            return Authentication(None, False, "no such account")
        return Authentication(
            user, False, "account disabled" if not user.active else "wrong password"
        )
    if user is None or not user.active:
        why = "no such account" if user is None else "account disabled"
        return Authentication(user, False, why)
    return Authentication(user, True)


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    profile: Argon2Profile = DEFAULT_ARGON2_PROFILE,
) -> User | None:
    """The active account matching the credentials, else None."""
    checked = check_credentials(session, username, password, profile=profile)
    return checked.user if checked.ok else None


def scope_of(session: Session, user: User) -> Scope:
    """The scope of an account, by codes."""
    region = session.get(Region, user.region_id) if user.region_id else None
    facility_code = None
    if user.facility_id is not None:
        facility = session.get(Facility, user.facility_id)
        facility_code = facility.code if facility else None
    return Scope(region.code if region else None, facility_code)
