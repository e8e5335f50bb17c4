"""Reusable query building for posts: who may see which, and what list pages load at once."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts import authz
from approvals.choices import Stage, Verdict
from channels_app.codenames import BrandAccountPerm
from channels_app.models import BrandAccount


class PostQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def _related_model(self, name: str) -> Any:
        """The model on the other side of one of the post's relations (decisions, comments):
        reached through self.model, so this module need not import the models that use it."""
        return self.model._meta.get_field(name).related_model

    def visible_to(self, user: Any) -> PostQuerySet:
        """The author; members of the post's department; reviewers and publishers of the account
        once the post was submitted; org admins. Everyone else sees nothing (404).

        A private reply (a direct message to a customer) is not the department's to read: of
        the department only its managers see it, besides the author, reviewers and admins."""
        if not user.is_authenticated:
            return self.none()
        if authz.is_org_admin(user):
            return self.all()
        department_ids = list(authz.department_roles(user))
        managed_ids = list(authz.managed_department_ids(user))
        accounts = authz.objects_with_any_perm(
            user,
            [BrandAccountPerm.REVIEW_ON, BrandAccountPerm.PUBLISH_ON],
            BrandAccount.objects.all(),
        ).values("pk")
        # An approval rule's reviewers see the posts they were named on (any revision).
        seated = self._related_model("stage_reviewers").objects.filter(reviewer=user)
        return self.filter(
            Q(author=user)
            | Q(department_id__in=department_ids, reply_private=False)
            | Q(department_id__in=managed_ids)
            | Q(brand_account_id__in=accounts, first_submitted_at__isnull=False)
            | Q(pk__in=seated.values("post_id"))
        )

    def with_list_relations(self) -> PostQuerySet:
        """Everything a list row shows, in the same query or one prefetch: no query per row."""
        comment_model = self._related_model("comments")
        decision_model = self._related_model("decisions")
        open_comments = (
            comment_model.objects.filter(post=OuterRef("pk"), resolved=False)
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            # The account's connection is joined for its readiness (channels_app.readiness);
            # its ciphertext is never read here.
            self.select_related(
                "brand_account__connection", "department", "author", "current_revision"
            )
            .defer("brand_account__connection__credentials_encrypted")
            .annotate(open_comment_count=Coalesce(Subquery(open_comments), 0))
            .prefetch_related(
                models.Prefetch(
                    "decisions",
                    queryset=decision_model.objects.filter(verdict=Verdict.APPROVE).select_related(
                        "reviewer"
                    ),
                    to_attr="approval_decisions",
                )
            )
        )

    # The review queue's two questions, "does this stage lack an approval?" and "did I approve
    # it already?", are scalar subqueries (the first matching approval's id, or NULL), not EXISTS
    # or NOT IN: PostgreSQL turns EXISTS and NOT IN into joins whose shape it picks from its
    # statistics, and on a table never analysed (new, restored, just bulk-loaded) it picked a
    # nested loop reading every approval once per waiting post (1,000 posts: about a second).
    # A scalar subquery stays a per-row lookup in an index whose columns it names exactly
    # (approvals_decision_one_approval_per_stage, approvals_decision_approver), whatever the
    # statistics say.

    def _first_approval(self, **conditions: Any) -> Subquery:
        approvals = self._related_model("decisions").objects.filter(
            revision_id=OuterRef("current_revision_id"), verdict=Verdict.APPROVE, **conditions
        )
        return Subquery(approvals.order_by().values("pk")[:1])

    def pending_any_stage(self, stages: list[str]) -> PostQuerySet:
        """Posts whose current revision still lacks the approval of one of these stages."""
        posts = self
        pending = Q(pk__in=[])
        for stage in stages:
            name = f"approval_for_{stage}"
            posts = posts.alias(**{name: self._first_approval(stage=stage)})
            missing = Q(**{f"{name}__isnull": True})
            if stage == Stage.LEGAL:
                missing &= Q(legal_required=True)
            pending |= missing
        return posts.filter(pending)

    def waiting_for_stage_reviewer(self, user: Any) -> PostQuerySet:
        """Posts whose current revision has an approval-rule stage open, not yet satisfied, with
        the person among its reviewers (an index lookup per post, as above)."""
        seats = self._related_model("stage_reviewers").objects.filter(
            revision_id=OuterRef("current_revision_id"),
            reviewer=user,
            opened_at__isnull=False,
            satisfied_at__isnull=True,
        )
        return self.alias(my_open_seat=Subquery(seats.order_by().values("pk")[:1]))

    def not_approved_by(self, user: Any) -> PostQuerySet:
        """Posts whose current revision the person has not approved (for any stage)."""
        return self.alias(approval_by_me=self._first_approval(reviewer=user)).filter(
            approval_by_me__isnull=True
        )
