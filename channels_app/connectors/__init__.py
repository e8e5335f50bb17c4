"""Publishing connectors: one module per platform behind one interface (``base.Connector``).

``connector_for(platform)`` gives the connector of a platform. Credentials come in as a plain
mapping of decrypted values (``CREDENTIAL_FIELDS`` says which each platform needs); nothing in
this package reads or writes the database (the internal feed's connector, registered here,
lives in ``approvals.internal_feed``).
"""

from __future__ import annotations

import threading

from django.utils.module_loading import import_string

from channels_app.connectors.base import (
    CREDENTIAL_FIELDS,
    ConnectedIdentity,
    Connector,
    ConnectorError,
    CredentialField,
    Credentials,
    Image,
    IncomingItem,
    IncomingKind,
    IncomingPage,
    MediaUploads,
    MemoryMediaUploads,
    OutcomeUnknownError,
    PermanentError,
    PostPayload,
    PublishResult,
    RateLimited,
    ReplyTarget,
    RetryableError,
    TokenExpiredError,
    call_with_fresh_token,
)
from channels_app.platforms import Platform

__all__ = [
    "CONNECTORS",
    "CREDENTIAL_FIELDS",
    "ConnectedIdentity",
    "Connector",
    "ConnectorError",
    "CredentialField",
    "Credentials",
    "Image",
    "IncomingItem",
    "IncomingKind",
    "IncomingPage",
    "MediaUploads",
    "MemoryMediaUploads",
    "OutcomeUnknownError",
    "PermanentError",
    "PostPayload",
    "PublishResult",
    "RateLimited",
    "ReplyTarget",
    "RetryableError",
    "TokenExpiredError",
    "call_with_fresh_token",
    "connector_for",
]

# Dotted paths, imported on first use. The internal feed's connector lives beside the feed it
# writes to (approvals.internal_feed, the one connector that uses the database); every other
# platform speaks its real HTTP API from this package.
CONNECTORS: dict[str, str] = {
    Platform.INTERNAL: "approvals.internal_feed.InternalConnector",
    Platform.MASTODON: "channels_app.connectors.mastodon.MastodonConnector",
    Platform.BLUESKY: "channels_app.connectors.bluesky.BlueskyConnector",
    Platform.LINKEDIN: "channels_app.connectors.linkedin.LinkedInConnector",
    Platform.X: "channels_app.connectors.x.XConnector",
    Platform.FACEBOOK: "channels_app.connectors.facebook.FacebookConnector",
}

_instances: dict[str, Connector] = {}
_lock = threading.Lock()


def connector_for(platform: str) -> Connector:
    """The connector for a platform (one shared instance per process: it holds the HTTP
    connection pool and, for Bluesky, the session cache)."""
    with _lock:
        connector = _instances.get(platform)
        if connector is None:
            path = CONNECTORS.get(platform)
            if path is None:
                raise LookupError(f"No publishing connector for platform '{platform}'.")
            connector = import_string(path)()
            _instances[platform] = connector
        return connector
