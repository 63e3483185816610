"""Staff accounts: roles, scopes and argon2id password hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, one_of
from brightline.identifiers import random_pseudonym
from brightline.service.places import facility_by_code, region_by_code
from brightline.settings import Argon2Profile
from brightline.store.models import ROLES, Facility, Region, User
from brightline.vocabulary import Role

MIN_PASSWORD_LENGTH = 10
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


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    scope: str,
    *,
    profile: Argon2Profile = DEFAULT_ARGON2_PROFILE,
) -> User:
    """Create an account; screeners and surgeons must be scoped to a facility.

    ``profile`` is the installation's ``argon2_profile`` setting.
    """
    one_of("role", role, ROLES)
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username must be 1–64 letters, digits, '.', '-' or '_'", field="username"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"username {username!r} is already taken", field="username")
    region_id, facility_id = parse_scope(session, scope)
    if role in FACILITY_ROLES and facility_id is None:
        raise InvalidInput(f"a {role} must be scoped to a facility (facility:CODE)", field="scope")
    user = User(
        username=username,
        password_hash=password_hasher(profile).hash(password),
        role=role,
        region_id=region_id,
        facility_id=facility_id,
        pseudonym=random_pseudonym(),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    profile: Argon2Profile = DEFAULT_ARGON2_PROFILE,
) -> User | None:
    """The active account matching the credentials, else None, in constant-ish time."""
    user = session.scalar(select(User).where(User.username == username))
    # Hash something even for unknown users so response time does not reveal valid usernames.
    stored = user.password_hash if user is not None and user.active else _dummy_hash(profile)
    try:
        password_hasher(profile).verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def scope_of(session: Session, user: User) -> Scope:
    """The scope of an account, by codes."""
    region = session.get(Region, user.region_id) if user.region_id else None
    facility_code = None
    if user.facility_id is not None:
        facility = session.get(Facility, user.facility_id)
        facility_code = facility.code if facility else None
    return Scope(region.code if region else None, facility_code)


def first_admin(session: Session) -> str | None:
    """The username of the installation's first active administrator (``brightline init``'s)."""
    return session.scalar(
        select(User.username)
        .where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
