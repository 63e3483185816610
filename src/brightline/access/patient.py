"""A patient's own view: with the referral code and PIN from their slip, who opened the record.

The PIN is 8 random digits shown once (on the slip) and stored only as a keyed HMAC, so a
copy of the database alone cannot test PINs. Wrong attempts are throttled per referral code
and per client, like staff sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.access.signin import check_throttle, record_failure
from brightline.audit.reports import AccessReportLine, access_report
from brightline.errors import Unauthenticated
from brightline.identifiers import IdentifierKeys
from brightline.store.models import Referral
from brightline.store.security_models import LoginThrottle

PIN_DIGITS = 8


def _pin_digest(keys: IdentifierKeys, code: str, pin: str) -> str:
    message = f"access-pin:{code}:{pin}".encode()
    return hmac.new(keys.pseudonym_key, message, hashlib.sha256).hexdigest()


def issue_access_pin(keys: IdentifierKeys, referral: Referral) -> str:
    """Give a referral a new PIN (replacing any earlier one) and return it, once."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    referral.access_pin_hash = _pin_digest(keys, referral.code, pin)
    return pin


def normalise_code(code: str) -> str:
    """A referral code as printed (XXXX-XXXX-XXXX), forgiving case, spaces and missing dashes."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}" if len(chars) == 12 else code.strip().upper()


def patient_access_report(
    session: Session, keys: IdentifierKeys, code: str, pin: str, *, client: str, now: datetime
) -> list[AccessReportLine] | None:
    """The access report of the person a referral belongs to, or None for a wrong code/PIN.

    A wrong code and a wrong PIN look the same. None is returned (not raised) so the caller
    commits the failure count before refusing.
    """
    code = normalise_code(code)
    throttle = [f"referral:{code}", f"patient-client:{client}"]
    check_throttle(session, throttle, now)
    referral = session.scalar(select(Referral).where(Referral.code == code))
    expected = referral.access_pin_hash if referral is not None else None
    offered = _pin_digest(keys, code, pin.strip())
    # Constant-time comparison, and a comparison even when the code is unknown.
    if not hmac.compare_digest(expected or "0" * 64, offered) or referral is None:
        record_failure(session, throttle, now)
        return None
    row = session.get(LoginThrottle, throttle[0])
    if row is not None:
        session.delete(row)
    return access_report(session, keys, referral.person_id)


def wrong_code_or_pin() -> Unauthenticated:
    """The one refusal for a wrong referral code or PIN."""
    return Unauthenticated("the referral code or PIN is not right; check your referral slip")
