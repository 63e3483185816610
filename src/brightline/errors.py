"""Errors a person can cause, each with a stable code, the field at fault and a way out."""

from __future__ import annotations


class BrightlineError(Exception):
    """Base of every error Brightline reports to a person rather than to a log."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(BrightlineError, ValueError):
    """A value that cannot be accepted; the message says what would be valid."""

    code = "invalid_input"


class PurposeRequired(InvalidInput):
    """A request that reads a person's record did not say why (purpose of use)."""

    code = "purpose_required"


class TransitionRefused(BrightlineError):
    """A pathway step that makes no sense in the record's current state."""

    code = "transition_refused"


class NotFound(BrightlineError):
    """No such record (or none the caller may see: the two look the same on purpose)."""

    code = "not_found"


class Forbidden(BrightlineError):
    """An action the caller's role may never take (not tied to any one record)."""

    code = "forbidden"


class Unauthenticated(BrightlineError):
    """No valid sign-in: missing, expired or revoked token, or wrong credentials."""

    code = "unauthenticated"


class TooManyAttempts(BrightlineError):
    """Too many failed sign-ins; try again after ``retry_after`` seconds."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(BrightlineError):
    """The record already exists differently (e.g. a re-used client record id)."""

    code = "conflict"


def one_of(field: str, value: object, valid: tuple[str, ...]) -> str:
    """Check ``value`` is one of ``valid``, else raise naming the field and the valid values."""
    if isinstance(value, str) and value in valid:
        return value
    raise InvalidInput(f"{value!r} is not valid; use one of: {', '.join(valid)}", field=field)
