"""Sign-in: bearer tokens with idle and absolute expiry, revocation, and login throttling.

Every sign-in, failed sign-in and sign-out is an audit entry (``account.sign_in`` …), in
the transaction that issues, counts or revokes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from brightline.access.account_events import UNKNOWN_ACTOR, UNKNOWN_ROLE, account_event
from brightline.access.policy import Actor
from brightline.audit.log import AuditEvent, AuditLog
from brightline.errors import TooManyAttempts, Unauthenticated
from brightline.service.accounts import account_by_username, check_credentials, first_admin
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import Region, User
from brightline.store.security_models import ApiToken, LoginThrottle

# Five free tries, then waits doubling from 2 s up to 15 minutes: slow for a guesser,
# harmless for a health worker who mistypes twice.
FREE_FAILURES = 5
MAX_LOCK_SECONDS = 15 * 60
# A quiet quarter of an hour forgives earlier failures.
FAILURE_MEMORY = timedelta(minutes=15)
# A token's last use is written when it is at least this old (one write fewer per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token; the plaintext exists only in this object and the response."""

    token: str
    expires_in: int
    user: User


def token_digest(token: str) -> str:
    """SHA-256 of a token: what the database stores (tokens are 256-bit random, no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle_keys(username: str, client: str) -> list[str]:
    return [f"account:{username.casefold()}", f"client:{client}"]


def check_throttle(session: Session, keys: list[str], now: datetime) -> None:
    """Refuse while any of ``keys`` (an account, a client, a referral code) is locked."""
    for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        if row.locked_until is not None and row.locked_until > now:
            wait = int((row.locked_until - now).total_seconds()) + 1
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait
            )


def record_failure(session: Session, keys: list[str], now: datetime) -> None:
    """Count a failed attempt against each key; lock a key for longer after each failure."""
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        if now - row.last_failure_at > FAILURE_MEMORY:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= FREE_FAILURES:
            seconds = min(2 ** (row.failures - FREE_FAILURES + 1), MAX_LOCK_SECONDS)
            row.locked_until = now + timedelta(seconds=seconds)
    session.flush()


def _failed(user: User | None, reason: str, now: datetime) -> AuditEvent:
    """A failed sign-in: by nobody known; about the account the username names, if any."""
    return account_event(
        "account.sign_in_failed",
        actor=UNKNOWN_ACTOR,
        role=UNKNOWN_ROLE,
        account=user.pseudonym if user is not None else None,
        at=now,
        outcome="denied",
        reason=reason,
    )


def sign_in(
    session: Session,
    settings: Settings,
    username: str,
    password: str,
    *,
    client: str,
    now: datetime,
) -> IssuedToken | None:
    """Check credentials (throttled per account and per client) and issue a token.

    Returns None for wrong credentials after recording the failure and its audit entry, so
    the caller commits both before refusing (raising here would roll them back).
    """
    keys = _throttle_keys(username, client)
    check_throttle(session, keys, now)
    checked = check_credentials(session, username, password, profile=settings.argon2_profile)
    if not checked.ok or checked.user is None:
        record_failure(session, keys, now)
        AuditLog().append(session, _failed(checked.user, checked.reason or "refused", now))
        return None
    user = checked.user
    account_row = session.get(LoginThrottle, keys[0])
    if account_row is not None:
        session.delete(account_row)
    token = secrets.token_urlsafe(32)
    absolute = timedelta(hours=settings.token_absolute_hours)
    session.add(
        ApiToken(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + absolute,
        )
    )
    session.flush()
    AuditLog().append(
        session,
        account_event(
            "account.sign_in", actor=user.pseudonym, role=user.role, account=user.pseudonym, at=now
        ),
    )
    idle = timedelta(minutes=settings.token_idle_minutes)
    return IssuedToken(token, int(min(idle, absolute).total_seconds()), user)


def sign_in_logged(site: Site, username: str, password: str, *, client: str) -> IssuedToken | None:
    """Sign in in a transaction of its own; a throttled attempt is logged before it is refused.

    Returns None for wrong credentials (their failure and audit entry committed); raises
    ``TooManyAttempts`` while the account or client is locked.
    """
    try:
        with site.transaction() as session:
            return sign_in(
                session, site.settings, username, password, client=client, now=site.now()
            )
    except TooManyAttempts:
        # The refused transaction wrote nothing; the attempt is still an audit entry.
        with site.transaction() as session:
            subject = account_by_username(session, username)
            AuditLog().append(session, _failed(subject, "too many failed sign-ins", site.now()))
        raise


# A token, its account and the account's region, in one statement built once.
_TOKEN_ACCOUNT: Final = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.last_used_at,
        User.id,
        User.role,
        User.pseudonym,
        User.facility_id,
        User.region_id,
        User.active,
        Region.path,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Region, Region.id == User.region_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)
_TOKEN_USED: Final = (
    update(ApiToken)
    .where(ApiToken.token_hash == bindparam("digest"))
    .values(last_used_at=bindparam("used"))
    .execution_options(synchronize_session=False)
)


def resolve_token(session: Session, settings: Settings, token: str, *, now: datetime) -> Actor:
    """The account behind a live token, as the policy sees it; expired (idle or absolute) or
    revoked tokens and disabled accounts fail.

    One query reads the token, its account and the account's region. The token's last use
    is written at most once per ``LAST_USED_RESOLUTION``, so the idle clock may start up to
    that much early: a token can expire that much sooner than its idle limit, never later.
    """
    digest = token_digest(token)
    found = session.execute(_TOKEN_ACCOUNT, {"digest": digest}).first()
    idle = timedelta(minutes=settings.token_idle_minutes)
    if (
        found is None
        or found.revoked_at is not None
        or found.expires_at <= now
        or now - found.last_used_at > idle
    ):
        raise Unauthenticated("sign in again: the token is missing, expired or revoked")
    if not found.active or (found.region_id is not None and found.path is None):
        raise Unauthenticated("this account is disabled")
    if now - found.last_used_at >= LAST_USED_RESOLUTION:
        session.execute(_TOKEN_USED, {"digest": digest, "used": now})
    return Actor(found.id, found.role, found.pseudonym, found.path, found.facility_id)


def sign_out(session: Session, token: str, *, now: datetime) -> None:
    """Revoke a token so it can never be used again; a live token's sign-out is logged."""
    digest = token_digest(token)
    owner = session.execute(
        select(User.pseudonym, User.role)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    ).first()
    if owner is None:
        return
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    AuditLog().append(
        session,
        account_event(
            "account.sign_out",
            actor=owner.pseudonym,
            role=owner.role,
            account=owner.pseudonym,
            at=now,
        ),
    )


def revoke_tokens(session: Session, user_id: int, *, now: datetime) -> int:
    """Revoke every live token of one account at once (disabling it, resetting its password)."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def account_actor(session: Session, username: str | None) -> Actor:
    """An active account as the policy sees it, by username in any case (for commands run
    as someone, ``--as``); with no name, the installation's first admin (``brightline init``'s).
    """
    if username is None:
        admin = first_admin(session)
        if admin is None:
            raise Unauthenticated("no active admin account; name one with --as USER")
        username = admin.username
    found = session.execute(
        select(User.id, User.role, User.pseudonym, User.facility_id, User.active, Region.path)
        .outerjoin(Region, Region.id == User.region_id)
        .where(func.lower(User.username) == username.lower())
    ).first()
    if found is None or not found.active:
        raise Unauthenticated(f"no active account {username!r}")
    return Actor(found.id, found.role, found.pseudonym, found.path, found.facility_id)
