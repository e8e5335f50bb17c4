"""Case requests for the connector tests: what a customer wrote on a platform."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from inbox.helpdesks.base import CaseRequest, CustomerMessage


def case_request(**overrides: object) -> CaseRequest:
    """A fresh conversation (a new external id each time, so tests sharing a peer never meet)."""
    values: dict[str, object] = {
        "external_id": f"socialhub-conversation-{secrets.token_hex(6)}",
        "subject": "My order #1234 has not arrived",
        "platform": "mastodon",
        "customer_handle": "@fan@mastodon.example",
        "customer_name": "A Fan",
        "customer_url": "https://mastodon.example/@fan",
        "messages": (
            CustomerMessage(
                text="@acme my order #1234 has not arrived, three weeks now",
                sent_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
                url="https://mastodon.example/@fan/1001",
            ),
            CustomerMessage(
                text="Anyone there?",
                sent_at=datetime(2026, 3, 2, 11, 40, tzinfo=UTC),
                url="https://mastodon.example/@fan/1002",
            ),
        ),
    }
    values.update(overrides)
    return CaseRequest(**values)  # type: ignore[arg-type]
