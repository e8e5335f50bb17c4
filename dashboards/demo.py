"""The demo organisation of docs/design.md §7. Idempotent: running it twice changes nothing.

Each app seeds its own part (its demo module, which only looks downward: people come from
accounts.demo); this module, at the top, runs them in order. `manage.py seed_demo` calls it.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.demo import seed_people
from approvals.demo import seed_approval_rule, seed_posts, seed_quiet_period
from channels_app.demo import seed_brand_accounts
from inbox.demo import seed_inbox
from listening.demo import seed_listening
from training.demo import seed_training

# The workflow's posts come after the accounts, grants and certifications they need; the inbox
# last (its replies are posts, its feed questions answer the feed's entries).
DEMO_STEPS: list[Callable[[], None]] = [
    seed_people,
    seed_brand_accounts,
    seed_training,
    seed_posts,
    seed_quiet_period,
    seed_approval_rule,
    seed_inbox,
    seed_listening,
]


def seed_demo() -> None:
    for step in DEMO_STEPS:
        step()
