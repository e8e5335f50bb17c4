"""What a person still lacks before they may submit posts on a brand account.

One function, asked by the workflow on submit and by the compose page to explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MissingRequirement:
    kind: str  # "certification" (missing, expired or revoked) or "policy" (not acknowledged)
    message: str  # tells the person what to do, e.g. "Pass the course 'Posting on X'."
    course_id: int | None = None
    policy_id: int | None = None


def missing_requirements(user: Any, brand_account: Any) -> list[MissingRequirement]:
    """Every certification and policy acknowledgement the person lacks for this account.

    An empty list means they may submit. (The training part fills this in.)
    """
    return []
