"""Domain errors raised by services. Pages turn them into form errors, the API into JSON."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a message that tells the person what to do instead."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class InvalidInput(DomainError):
    """Bad input: 400, with the field it concerns when there is one."""

    status_code = 400


class NotAllowed(DomainError):
    """A rule or permission refuses the action on something the person can see: 403."""

    status_code = 403


class Conflict(DomainError):
    """The object is not in a state that allows the action (or another request won): 409."""

    status_code = 409


class Unavailable(DomainError):
    """Something outside SocialHub (a platform) did not answer; nothing changed, try later: 503."""

    status_code = 503
