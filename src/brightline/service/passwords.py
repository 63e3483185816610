"""The password policy for new and changed passwords: long enough and not a common one.

Length over composition rules, and a list of known common passwords, as NIST SP 800-63B
§5.1.1.2 recommends. Stored hashes of older, shorter passwords keep verifying: the policy
applies when a password is set, never at sign-in.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from brightline.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (see common-passwords.NOTICE.md), lower-cased."""
    text = files("brightline.service").joinpath(COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def check_password(password: str, *, field: str = "password") -> str:
    """Return ``password`` if the policy accepts it, else say which rule it breaks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"{field} must be at least {MIN_PASSWORD_LENGTH} characters long"
            f" (this one has {len(password)})",
            field=field,
        )
    # Case-insensitive: "Password123456" is guessed as early as "password123456".
    if password.strip().casefold() in common_passwords():
        raise InvalidInput(
            f"{field} is on the list of the most common passwords, which are guessed first;"
            " choose a longer phrase of your own",
            field=field,
        )
    return password
