"""One-time password reset codes: an admin issues one, the account holder redeems it once.

The code has 80 random bits (16 characters of an alphabet without look-alikes), is shown
once to the admin and stored only as its SHA-256; it expires after ``RESET_VALID``. Issuing
one also makes the old password stop working, since a reset is often asked for because the
old one may be known to someone else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from brightline.errors import Unauthenticated
from brightline.service.accounts import NO_PASSWORD_YET, set_password
from brightline.settings import Argon2Profile
from brightline.store.models import User

RESET_VALID = timedelta(hours=24)
# Crockford-like: no 0/O, 1/I/L, so a code read out over the phone is typed right.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LENGTH = 16


def _digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def normalise(code: str) -> str:
    """A code as typed, without spaces or dashes, in capitals."""
    return "".join(c for c in code.upper() if c.isalnum())


def issue_reset(user: User, now: datetime) -> str:
    """Give the account a new one-time code (the old password and code stop working)."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    user.reset_code_hash = _digest(code)
    user.reset_expires_at = now + RESET_VALID
    user.password_hash = NO_PASSWORD_YET
    return "-".join(code[i : i + 4] for i in range(0, _LENGTH, 4))


def redeem_reset(
    user: User | None, code: str, password: str, now: datetime, *, profile: Argon2Profile
) -> User:
    """Set the new password if ``code`` is the account's live code; the code is used up."""
    expected = user.reset_code_hash if user is not None and user.active else None
    live = user is not None and user.reset_expires_at is not None and user.reset_expires_at > now
    # Constant-time, and compared even for an unknown account.
    if not hmac.compare_digest(expected or "0" * 64, _digest(code)) or not live or user is None:
        raise Unauthenticated(
            "the username or reset code is not right, or the code has expired; "
            "ask an administrator for a new one"
        )
    set_password(user, password, profile=profile)
    user.reset_code_hash = None
    user.reset_expires_at = None
    return user
