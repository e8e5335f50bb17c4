"""Publishing connectors: one module per platform behind one interface (``base.Connector``).

``connector_for(platform)`` gives the connector of a platform. Credentials come in as a plain
mapping of decrypted values (``CREDENTIAL_FIELDS`` says which each platform needs); nothing in
this package reads or writes the database (the internal feed's connector lives in the
publishing app, beside the feed it writes to, and is registered by it at startup).
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
    Engagement,
    EngagementBatch,
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
    SearchKind,
    SearchTerm,
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
    "Engagement",
    "EngagementBatch",
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
    "SearchKind",
    "SearchTerm",
    "TokenExpiredError",
    "call_with_fresh_token",
    "connector_for",
    "connector_register",
]

# Dotted paths, imported on first use. Every platform but one speaks its real HTTP API from
# this package. The internal feed's connector (the one that uses the database) lives beside the
# feed it writes to, in the publishing app, which sits above this one: publishing registers it
# (connector_register) when Django starts.
CONNECTORS: dict[str, str] = {
    Platform.MASTODON: "channels_app.connectors.mastodon.MastodonConnector",
    Platform.BLUESKY: "channels_app.connectors.bluesky.BlueskyConnector",
    Platform.LINKEDIN: "channels_app.connectors.linkedin.LinkedInConnector",
    Platform.X: "channels_app.connectors.x.XConnector",
    Platform.FACEBOOK: "channels_app.connectors.facebook.FacebookConnector",
}

_instances: dict[str, Connector] = {}
_lock = threading.Lock()


def connector_register(platform: str, path: str) -> None:
    """Name the connector of a platform whose code lives in a later layer (at startup)."""
    with _lock:
        CONNECTORS[platform] = path
        _instances.pop(platform, None)


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
