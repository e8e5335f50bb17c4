"""Recording an audit event from below the audit trail.

The trail (`AuditEvent`, `activity.audit.audit_record`) lives in the activity app, which sits
above accounts: its rows point at people and departments. Accounts records its own actions
too (departments, memberships, roles, invitations, API tokens) and may not import activity, so
it calls `audit_record` here instead; activity connects its recorder when Django starts
(ActivityConfig.ready). Every app above activity imports activity.audit directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_recorder: Callable[..., Any] | None = None


def recorder_register(recorder: Callable[..., Any]) -> None:
    """Called once by the activity app when Django starts."""
    global _recorder
    _recorder = recorder


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any,
    department: Any = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Any:
    """Write one event in the caller's transaction (see activity.audit.audit_record)."""
    if _recorder is None:
        raise ImproperlyConfigured(
            "No audit trail is registered: add 'activity' to INSTALLED_APPS."
        )
    return _recorder(
        actor=actor,
        action=action,
        target=target,
        department=department,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
    )
