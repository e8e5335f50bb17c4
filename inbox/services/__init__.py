"""The inbox's writes: triage, ownership, closing, routing rules and saved replies, SLA
notices. Every state change runs in a transaction with its audit event."""
