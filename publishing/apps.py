from __future__ import annotations

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        # Approvals sits below publishing and may not import it, yet "publish now", a retry
        # and a scheduled time must reach the engine, and the post page shows the engine's
        # attempts. Approvals declares those slots (approvals/handover.py); the engine fills
        # them here, once, when Django starts. Likewise channels_app's connector registry
        # learns where the internal feed's connector lives (the feed is publishing's).
        from approvals import handover
        from channels_app import connectors
        from channels_app.platforms import Platform
        from publishing import engine, selectors, tasks  # noqa: F401  (tasks: registers them)

        handover.engine_register(
            hand_over=engine.enqueue,
            hand_over_scheduled=engine.enqueue_scheduled,
            attempts=selectors.post_attempts,
        )
        connectors.connector_register(
            Platform.INTERNAL, "publishing.internal_feed.InternalConnector"
        )
