"""The publishing engine: an approved post goes out at its time, exactly once.

Claim, deliver, record, the sweep and their Celery tasks (engine.py, tasks.py); every publish
attempt (`PublishAttempt`); and the internal feed, SocialHub's own destination (`FeedEntry`,
`FeedImage`, its connector, pages and templates). Sits above approvals: it moves posts through
approvals' services, and approvals reaches it only through the slots publishing fills at
startup (approvals/handover.py, filled in apps.py).
"""
