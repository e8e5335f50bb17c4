from __future__ import annotations

from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Audit trail and notifications"

    def ready(self) -> None:
        # Accounts sits below activity yet audits its own actions: it records through
        # core.audit, which this connects to the trail (imported here: it needs the models).
        from django.db.backends.signals import connection_created

        from activity.audit import audit_record
        from activity.chain import on_connection_created
        from core import audit

        audit.recorder_register(audit_record)
        # SQLite's chain trigger calls sha256(): every new connection gets it.
        connection_created.connect(on_connection_created, dispatch_uid="activity_sqlite_sha256")
