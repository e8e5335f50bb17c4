"""What happened and who was told: the append-only audit trail and notifications.

Sits just above accounts: every app below the workflow records its actions here and tells
people through `notify`, each with its own wording. It knows no app above accounts: a
notification or an event names what it is about by model label and primary key.
"""
