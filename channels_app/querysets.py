"""Reusable query building for brand accounts."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts import authz
from channels_app.codenames import ALL_PERMS


class BrandAccountQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> BrandAccountQuerySet:
        """Accounts the person holds at least one permission on (org admins: every account).

        One query: the grants are a subquery, not a list of ids fetched first.
        """
        return authz.objects_with_any_perm(user, ALL_PERMS, self)  # type: ignore[return-value]

    def with_list_relations(self) -> BrandAccountQuerySet:
        """Department and connection state joined; the encrypted credentials left unread."""
        return self.select_related("department", "connection__connected_by").defer(
            "connection__credentials_encrypted"
        )
