"""Reusable query building for posts: who may see which, and what list pages load at once."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


class PostQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> PostQuerySet:
        """The author; members of the post's department; reviewers and publishers of the account
        once the post was submitted; org admins. Everyone else sees nothing (404)."""
        from approvals import permissions
        from socialhub import authz

        if not user.is_authenticated:
            return self.none()
        if authz.is_org_admin(user):
            return self.all()
        department_ids = list(authz.department_roles(user))
        accounts = permissions.accounts_with(
            user, [permissions.REVIEW_ON, permissions.PUBLISH_ON]
        ).values("pk")
        return self.filter(
            Q(author=user)
            | Q(department_id__in=department_ids)
            | Q(brand_account_id__in=accounts, first_submitted_at__isnull=False)
        )

    def with_list_relations(self) -> PostQuerySet:
        """Everything a list row shows, in the same query or one prefetch: no query per row."""
        from approvals.models import Decision, ReviewComment, Verdict

        open_comments = (
            ReviewComment.objects.filter(post=OuterRef("pk"), resolved=False)
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            self.select_related("brand_account", "department", "author", "current_revision")
            .annotate(open_comment_count=Coalesce(Subquery(open_comments), 0))
            .prefetch_related(
                models.Prefetch(
                    "decisions",
                    queryset=Decision.objects.filter(verdict=Verdict.APPROVE).select_related(
                        "reviewer"
                    ),
                    to_attr="approval_decisions",
                )
            )
        )

    def pending_stage(self, stage: str) -> PostQuerySet:
        """Posts whose current revision still lacks this stage's approval."""
        from approvals.models import Decision, Stage, Verdict

        approved = Decision.objects.filter(
            revision_id=OuterRef("current_revision_id"), verdict=Verdict.APPROVE, stage=stage
        )
        pending = self.filter(~Exists(approved))
        if stage == Stage.LEGAL:
            pending = pending.filter(legal_required=True)
        return pending
