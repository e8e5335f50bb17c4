"""The OpenAPI schema's shared error answers (drf-spectacular postprocessing hook).

Every operation can answer with the project's error shape (core.api.exception_handler):
400 (bad input, with field messages), 401/403 (not signed in, or not allowed), 404 (missing,
or not the caller's to see: the same answer), 409 (the object's state forbids the action);
throttled operations also 429, and those that ask a platform 503. Declaring them on each view
would be 100-odd decorators saying the same thing, and a new view would forget them.
"""

from __future__ import annotations

from typing import Any

from core.errors import MAX_ID

# An id in a query string, as core.errors.whole_number reads it.
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# "me", or a person's id.
PERSON_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^(me|[1-9][0-9]{0,18})$"}
LIMIT_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
OFFSET_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_ID}

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error. Field errors map the field's name to a list of messages (nested "
    "for nested input, e.g. credentials); `detail` and `code` describe the whole refusal.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable, machine-readable reason."},
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad input: field messages say which and why; nothing was changed.",
    "401": "The token is missing or invalid.",
    "403": "Signed in, but not allowed to do this here.",
    "404": "Missing, or not yours to see (the same answer either way).",
    "409": "The object's state does not allow this action (or another request changed it).",
}
THROTTLED = ("429", "Too many attempts: wait before trying again (Retry-After).")
# Operations that ask a platform before answering (saving or checking credentials).
ASKS_A_PLATFORM = {
    ("post", "/api/v1/brand-accounts/"),
    ("patch", "/api/v1/brand-accounts/{id}/"),
    ("post", "/api/v1/brand-accounts/{id}/verify/"),
    ("put", "/api/v1/inbox/helpdesk/"),
    ("patch", "/api/v1/inbox/helpdesk/"),
}
UNAVAILABLE = ("503", "The platform could not be asked; nothing was changed, try again later.")


# Optional query filters treat an empty value as not given (the pages' forms send `?state=`
# for "any"); these do not: an empty page size, offset or format is a 400.
EMPTY_REFUSED = {"limit", "offset", "format"}


def add_error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: the error answers on every operation, and the Error component
    they refer to; optional query filters marked as taking an empty value."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    throttled = _throttled_operations(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            extra = dict(ERRORS)
            if (method, path) in throttled:
                extra[THROTTLED[0]] = THROTTLED[1]
            if (method, path) in ASKS_A_PLATFORM:
                extra[UNAVAILABLE[0]] = UNAVAILABLE[1]
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter.get("name") not in EMPTY_REFUSED
                ):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for status, description in extra.items():
                # A view may describe one of these itself; the body is still the Error shape.
                answer = responses.setdefault(status, {"description": description})
                answer.setdefault("content", {"application/json": {"schema": reference}})
    return result


def _throttled_operations(generator: Any) -> set[tuple[str, str]]:
    """(method, path) of every endpoint with a throttle class."""
    found: set[tuple[str, str]] = set()
    for path, _regex, method, view in getattr(generator, "endpoints", None) or []:
        view_class = getattr(view, "cls", None)
        if view_class is not None and getattr(view_class, "throttle_classes", None):
            found.add((method.lower(), path))
    return found
