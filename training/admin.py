"""Authoring courses and policies in the Django admin.

Content (lessons, questions, choices) is edited here directly. Anything that changes who may
post goes through the services, with their checks and audit events: publishing a course or a
policy, setting requirements, revoking a certificate. Certificates, attempts and
acknowledgements are read-only here: they are earned, never typed in.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import authz
from core.errors import DomainError
from training import services
from training.models import (
    Assignment,
    Attempt,
    Certification,
    CertificationRequirement,
    Choice,
    Course,
    Lesson,
    Policy,
    PolicyAcknowledgement,
    Question,
    TrainingNotice,
)


class AuthorPermissionsMixin:
    """Course authors (org admins, HR, comms reviewers) use these pages; nobody else."""

    def _author(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and authz.can_author_training(request.user)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._author(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._author(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._author(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._author(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._author(request)


class ReadOnlyMixin(AuthorPermissionsMixin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LessonInline(AuthorPermissionsMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = Lesson
    extra = 0
    fields = ("order", "title", "body")


class QuestionInline(AuthorPermissionsMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Question
    extra = 0
    fields = ("order", "text", "kind")
    show_change_link = True  # choices and the explanation are edited on the question's page


class RequirementInline(AuthorPermissionsMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = CertificationRequirement
    extra = 0
    fields = ("platform", "brand_account")
    autocomplete_fields = ()
    verbose_name = "required to submit on"
    verbose_name_plural = "required to submit on (no platform and no account: every account)"


@admin.register(Course)
class CourseAdmin(AuthorPermissionsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "is_published", "pass_mark", "validity_days", "updated_at")
    list_filter = ("is_published",)
    search_fields = ("title", "summary")
    readonly_fields = ("is_published", "published_at", "quiz_check")
    fields = (
        "title",
        "summary",
        "pass_mark",
        "validity_days",
        "retake_cooldown_minutes",
        "is_published",
        "published_at",
        "quiz_check",
    )
    inlines = (RequirementInline, LessonInline, QuestionInline)
    actions = ("publish", "unpublish")

    @admin.display(description="Quiz check")
    def quiz_check(self, obj: Course) -> str:
        if obj.pk is None:
            return "Save the course, then add lessons and questions."
        problems = services.quiz_problems(obj)
        return " ".join(problems) if problems else "Ready to publish."

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A course with certificates is history: withdraw it (unpublish) instead.
        if obj is not None and obj.certifications.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CertificationRequirement:
            super().save_formset(request, form, formset, change)
            return
        # Requirements gate submitting: save and delete them through the audited services.
        instances = formset.save(commit=False)
        for requirement in formset.deleted_objects:
            services.requirement_delete(actor=request.user, requirement=requirement)  # type: ignore[arg-type]
        for requirement in instances:
            try:
                services.requirement_save(actor=request.user, requirement=requirement)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, f"{requirement.scope_label}: {exc.message}")

    @admin.action(description="Publish the selected courses")
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for course in queryset:
            try:
                services.course_publish(actor=request.user, course=course)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, f"{course}: {exc.message}")
            else:
                messages.success(request, f"{course} is published.")

    @admin.action(description="Withdraw (unpublish) the selected courses")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for course in queryset:
            services.course_unpublish(actor=request.user, course=course)  # type: ignore[arg-type]
            messages.success(request, f"{course} was withdrawn.")


class ChoiceInline(AuthorPermissionsMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Choice
    extra = 0
    fields = ("order", "text", "is_correct")


@admin.register(Question)
class QuestionAdmin(AuthorPermissionsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("text", "course", "kind", "order")
    list_filter = ("course", "kind")
    search_fields = ("text",)
    fields = ("course", "order", "text", "kind", "explanation")
    inlines = (ChoiceInline,)


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Policy
        fields = ("title", "body", "summary_of_changes", "effective_at")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PolicyForm
    list_display = ("version", "title", "effective_at", "published_at")
    readonly_fields = ("version", "published_at", "created_by")
    actions = ("publish",)

    def _admin(self, request: HttpRequest) -> bool:
        return request.user.is_staff and authz.can_publish_policies(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin(request) or (
            request.user.is_staff and authz.can_author_training(request.user)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version is never edited: a change is a new version.
        return self._admin(request) and (obj is None or not obj.is_published)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._admin(request) and obj is not None and not obj.is_published

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.policy_update_draft(
                actor=request.user,  # type: ignore[arg-type]
                policy=obj,
                title=data["title"],
                body=data["body"],
                effective_at=data["effective_at"],
                summary_of_changes=data["summary_of_changes"],
            )
            return
        created = services.policy_create(
            actor=request.user,  # type: ignore[arg-type]
            title=data["title"],
            body=data["body"],
            effective_at=data["effective_at"],
            summary_of_changes=data["summary_of_changes"],
        )
        obj.pk, obj.version = created.pk, created.version

    @admin.action(description="Publish the selected draft versions")
    def publish(self, request: HttpRequest, queryset: QuerySet[Policy]) -> None:
        for policy in queryset.order_by("effective_at"):
            try:
                services.policy_publish(actor=request.user, policy=policy)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, f"{policy}: {exc.message}")
            else:
                messages.success(
                    request,
                    f"{policy} is published: everyone must acknowledge it from "
                    f"{policy.effective_at:%Y-%m-%d %H:%M %Z}.",
                )


class RevokeActionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Certification)
class CertificationAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "course", "issued_at", "expires_at", "revoked_at")
    list_filter = ("course", "revoked_at")
    search_fields = ("user__email", "user__full_name", "course__title")
    list_select_related = ("user", "course")
    actions = ("revoke",)

    def _author(self, request: HttpRequest) -> bool:
        return request.user.is_staff and (
            authz.can_author_training(request.user) or authz.sees_all_training(request.user)
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return authz.can_revoke_certifications(request.user)

    @admin.action(description="Revoke the selected certificates…", permissions=["revoke"])
    def revoke(
        self, request: HttpRequest, queryset: QuerySet[Certification]
    ) -> HttpResponse | None:
        """Asks for the reason on an intermediate page, then revokes through the service."""
        form = RevokeActionForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for certification in queryset:
                try:
                    services.certification_revoke(
                        actor=request.user,  # type: ignore[arg-type]
                        certification=certification,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except DomainError as exc:
                    messages.error(request, f"{certification}: {exc.message}")
            if done:
                messages.success(request, f"{done} certificate(s) revoked; the people were told.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke certificates",
            "form": form,
            "certifications": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/training/revoke.html", context)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "course", "started_at", "finished_at", "score", "passed")
    list_filter = ("course", "passed")
    search_fields = ("user__email",)
    list_select_related = ("user", "course")


@admin.register(PolicyAcknowledgement)
class PolicyAcknowledgementAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "policy", "acknowledged_at")
    list_filter = ("policy",)
    search_fields = ("user__email",)
    list_select_related = ("user", "policy")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Assign on the Assign courses page, which checks who may assign to whom."""

    list_display = ("course", "user", "department", "due_on", "assigned_by", "cancelled_at")
    list_filter = ("course", "department")
    list_select_related = ("course", "user", "department", "assigned_by")


@admin.register(TrainingNotice)
class TrainingNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "kind", "message", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "message")
    list_select_related = ("user",)
