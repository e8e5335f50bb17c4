"""API shapes for training. Parsing and presentation only: services decide.

The course detail never carries which choices are correct nor the explanations: they appear in
an attempt's result, after the person has submitted.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from training.models import (
    Assignment,
    Attempt,
    Certification,
    CertStatus,
    Choice,
    Course,
    Lesson,
    Policy,
    Question,
)


class CertificationSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = ("id", "course", "status", "issued_at", "expires_at", "revoked_at")
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=CertStatus.choices))
    def get_status(self, obj: Certification) -> str:
        return obj.status_at(self.context["now"])


class CourseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lesson_count = serializers.IntegerField(read_only=True)
    question_count = serializers.IntegerField(read_only=True)
    certifies_for = serializers.SerializerMethodField()
    my_status = serializers.SerializerMethodField()
    my_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = (
            "id",
            "title",
            "summary",
            "pass_mark",
            "validity_days",
            "retake_cooldown_minutes",
            "lesson_count",
            "question_count",
            "certifies_for",
            "my_status",
            "my_expires_at",
        )
        read_only_fields = fields

    def get_certifies_for(self, obj: Course) -> list[str]:
        return [req.scope_label for req in obj.requirements.all()]

    def _mine(self, obj: Course) -> Certification | None:
        return self.context["my_certifications"].get(obj.pk)

    @extend_schema_field(serializers.ChoiceField(choices=CertStatus.choices))
    def get_my_status(self, obj: Course) -> str:
        cert = self._mine(obj)
        return CertStatus.MISSING if cert is None else cert.status_at(self.context["now"])

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_my_expires_at(self, obj: Course) -> Any:
        cert = self._mine(obj)
        if cert is None or cert.revoked_at is not None:
            return None
        return serializers.DateTimeField().to_representation(cert.expires_at)


class LessonSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    body_html = serializers.CharField(read_only=True)

    class Meta:
        model = Lesson
        fields = ("id", "order", "title", "body", "body_html")
        read_only_fields = fields


class ChoicePublicSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Choice
        fields = ("id", "text")  # never is_correct
        read_only_fields = fields


class QuestionPublicSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    choices = ChoicePublicSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ("id", "order", "text", "kind", "choices")  # never the explanation
        read_only_fields = fields


class CourseDetailSerializer(CourseSerializer):
    lessons = LessonSerializer(many=True, read_only=True)
    questions = QuestionPublicSerializer(many=True, read_only=True)

    class Meta(CourseSerializer.Meta):
        fields: tuple[str, ...] = (*CourseSerializer.Meta.fields, "lessons", "questions")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


class AttemptRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), allow_empty=True),
        help_text='{"<question id>": [<choice id>, ...]}; a question left out counts as wrong.',
    )


class AttemptResultItemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    question = serializers.IntegerField()
    correct = serializers.BooleanField()
    selected = serializers.ListField(child=serializers.IntegerField())
    correct_choices = serializers.ListField(child=serializers.IntegerField())
    explanation = serializers.CharField()


class AttemptSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    certification = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = (
            "id",
            "course",
            "started_at",
            "finished_at",
            "score",
            "passed",
            "correct_count",
            "question_count",
            "certification",
            "results",
        )
        read_only_fields = fields

    @extend_schema_field(CertificationSummarySerializer(allow_null=True))
    def get_certification(self, obj: Attempt) -> Any:
        if obj.certification is None:
            return None
        return CertificationSummarySerializer(obj.certification, context=self.context).data

    @extend_schema_field(AttemptResultItemSerializer(many=True))
    def get_results(self, obj: Attempt) -> list[dict[str, Any]]:
        """Right answers and explanations, only once the attempt is finished."""
        if obj.finished_at is None:
            return []
        explanations = self.context.get("explanations", {})
        return [
            {**item, "explanation": explanations.get(item["question"], "")} for item in obj.results
        ]


class CertificationSerializer(CertificationSummarySerializer):
    user = UserSummarySerializer(read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    revoked_by = serializers.EmailField(
        source="revoked_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta(CertificationSummarySerializer.Meta):
        fields = (  # type: ignore[assignment]
            "id",
            "user",
            "course",
            "course_title",
            "status",
            "first_issued_at",
            "issued_at",
            "expires_at",
            "renewal_count",
            "revoked_at",
            "revoked_by",
            "revoked_reason",
        )
        read_only_fields = fields  # type: ignore[assignment]


class RevokeRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000)


class AssignmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    course_title = serializers.CharField(source="course.title", read_only=True)
    user = serializers.EmailField(
        source="user.email", read_only=True, default=None, allow_null=True
    )
    department = serializers.CharField(
        source="department.slug", read_only=True, default=None, allow_null=True
    )
    assigned_by = serializers.EmailField(
        source="assigned_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Assignment
        fields = (
            "id",
            "course",
            "course_title",
            "user",
            "department",
            "due_on",
            "note",
            "assigned_by",
            "created_at",
        )
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    course = serializers.IntegerField()
    user = serializers.EmailField(required=False, help_text="A person, by e-mail address…")
    department = serializers.SlugField(required=False, help_text="…or a department, by slug.")
    due_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class PolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    body_html = serializers.CharField(read_only=True)
    acknowledged_at = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = (
            "id",
            "version",
            "title",
            "body",
            "body_html",
            "summary_of_changes",
            "effective_at",
            "acknowledged_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_acknowledged_at(self, obj: Policy) -> Any:
        ack = self.context.get("acknowledgement")
        if ack is None:
            return None
        return serializers.DateTimeField().to_representation(ack.acknowledged_at)


class AcknowledgementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    policy = serializers.IntegerField()
    version = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()


class ReportCellSerializer(serializers.Serializer):  # type: ignore[type-arg]
    course = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CertStatus.choices)
    expires_at = serializers.DateTimeField(allow_null=True)
    certification = serializers.IntegerField(allow_null=True)


class ReportRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    user = UserSummarySerializer()
    departments = serializers.ListField(child=serializers.CharField())
    policy_acknowledged = serializers.BooleanField(allow_null=True)
    certifications = ReportCellSerializer(many=True)


class ReportCourseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()


class ReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    courses = ReportCourseSerializer(many=True)
    policy_version = serializers.IntegerField(allow_null=True)
    results = ReportRowSerializer(many=True)
