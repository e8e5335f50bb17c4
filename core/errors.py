"""Domain errors raised by services. Pages turn them into form errors, the API into JSON."""

from __future__ import annotations

import re

from django.http import Http404


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


class NotFound(Http404):
    """The object does not exist, or the person may not know that it does: 404, and the same
    answer either way. An Http404, so pages show the usual 404 page and the API its usual
    {"detail": "Not found."} without a translation of their own; not a DomainError, so a page
    that turns refusals into form errors can never turn this one into a message."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Unavailable(DomainError):
    """Something outside SocialHub (a platform) did not answer; nothing changed, try later: 503."""

    status_code = 503


# --- Numbers from query strings ------------------------------------------------------------------

# The largest value an id column holds (PostgreSQL bigint, SQLite INTEGER). A larger number in a
# query string is bad input to refuse, not a value to hand to the database driver (SQLite's
# raises OverflowError, PostgreSQL's refuses it: a 500 either way).
MAX_ID = 2**63 - 1
# ASCII digits only: str.isdigit() and int() also take "²" or " 7", which are not ids.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")


def whole_number(value: object, *, field: str, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """A query-string number as an int, or InvalidInput (400) on `field`: not a whole number,
    or outside [minimum, maximum]. Every id filter and the API's paging read numbers here."""
    text = "" if value is None else str(value)
    if _WHOLE_NUMBER.fullmatch(text) and minimum <= int(text) <= maximum:
        return int(text)
    raise InvalidInput(f"Give a whole number from {minimum} to {maximum}.", field=field)
