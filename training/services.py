"""Writes for training and certification: every change checks access and rules first, then
writes with its audit event in one transaction; e-mail leaves only after the commit.

Pages, the API, the admin and the reminder task all call these, so no path skips a rule.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from accounts import authz
from accounts.models import Department, Membership, User
from accounts.roles import GROUP_NAMES, OrgRole
from activity.audit import audit_record
from core.errors import Conflict, InvalidInput, NotAllowed
from core.links import public_base_url
from training import emails
from training.models import (
    Assignment,
    Attempt,
    Certification,
    CertificationRequirement,
    Course,
    Policy,
    PolicyAcknowledgement,
    Question,
    TrainingNotice,
)
from training.scoring import QuestionKey, parse_answers, score

REMINDER_DAYS = (7, 30)  # tightest first: a certificate inside 7 days gets the 7-day notice
MAX_DUE_DAYS = 366 * 2

# --- Courses (authored in the admin) ---------------------------------------------------------


def quiz_problems(course: Course) -> list[str]:
    """Why the course's quiz could not be taken or passed; empty when it is sound."""
    problems = []
    questions = list(course.questions.prefetch_related("choices"))
    if not course.lessons.exists():
        problems.append("Add at least one lesson.")
    if not questions:
        problems.append("Add at least one question.")
    for question in questions:
        choices = list(question.choices.all())
        correct = [c for c in choices if c.is_correct]
        label = f"Question '{question.text[:40]}'"
        if len(choices) < 2:
            problems.append(f"{label} needs at least two choices.")
        if not correct:
            problems.append(f"{label} has no correct choice.")
        if question.kind == Question.Kind.SINGLE and len(correct) > 1:
            problems.append(f"{label} is single choice but has {len(correct)} correct choices.")
    return problems


def course_publish(*, actor: User | None, course: Course) -> Course:
    """Make a course available. Its quiz must be passable. (actor None: the demo seed.)"""
    if actor is not None:
        authz.require(authz.can_author_training(actor), "Only course authors can publish courses.")
    if course.is_published:
        return course
    problems = quiz_problems(course)
    if problems:
        raise InvalidInput(" ".join(problems), field="is_published")
    with transaction.atomic():
        course.is_published = True
        course.published_at = timezone.now()
        course.save(update_fields=["is_published", "published_at", "updated_at"])
        audit_record(actor=actor, action="course.published", target=course, to_state="published")
    return course


def course_unpublish(*, actor: User, course: Course) -> Course:
    """Withdraw a course: nobody can start it, and its requirements stop being enforced."""
    authz.require(authz.can_author_training(actor), "Only course authors can withdraw courses.")
    if not course.is_published:
        return course
    with transaction.atomic():
        course.is_published = False
        course.save(update_fields=["is_published", "updated_at"])
        audit_record(
            actor=actor,
            action="course.unpublished",
            target=course,
            from_state="published",
            to_state="draft",
        )
    return course


def requirement_save(*, actor: User | None, requirement: CertificationRequirement) -> None:
    """Add or change which course an account or platform needs (it gates submitting: audited)."""
    if actor is not None:
        authz.require(authz.can_author_training(actor), "Only course authors can set requirements.")
    if requirement.platform and requirement.brand_account_id is not None:
        raise InvalidInput("Choose a platform or one brand account, not both.", field="platform")
    created = requirement.pk is None
    with transaction.atomic():
        try:
            with transaction.atomic():
                requirement.save()
        except IntegrityError as exc:
            raise InvalidInput("This course is already required there.", field="platform") from exc
        audit_record(
            actor=actor,
            action="requirement.added" if created else "requirement.changed",
            target=requirement.course,
            data={"scope": requirement.scope_label},
        )


def requirement_delete(*, actor: User, requirement: CertificationRequirement) -> None:
    authz.require(authz.can_author_training(actor), "Only course authors can set requirements.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="requirement.removed",
            target=requirement.course,
            data={"scope": requirement.scope_label},
        )
        requirement.delete()


# --- Attempts and certificates -----------------------------------------------------------------


def _question_keys(course: Course) -> list[QuestionKey]:
    keys = []
    for question in course.questions.prefetch_related("choices").order_by("order", "id"):
        choices = list(question.choices.all())
        keys.append(
            QuestionKey(
                id=question.pk,
                kind=question.kind,
                choice_ids=frozenset(c.pk for c in choices),
                correct_ids=frozenset(c.pk for c in choices if c.is_correct),
            )
        )
    return keys


def retake_available_at(*, user: User, course: Course) -> datetime | None:
    """When the person may start again after a failed attempt; None when they may now."""
    last = (
        Attempt.objects.filter(user=user, course=course, finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at", "passed")
        .first()
    )
    if last is None or last["passed"] or course.retake_cooldown_minutes == 0:
        return None
    finished = last["finished_at"]
    return finished + course.retake_cooldown if finished else None


def attempt_start(*, actor: User, course: Course, now: datetime | None = None) -> Attempt:
    """Open an attempt at the course's quiz, or return the one already open."""
    now = now or timezone.now()
    if not course.is_published:
        raise Http404("Not found.")
    open_attempt = Attempt.objects.filter(user=actor, course=course, finished_at=None).first()
    if open_attempt is not None:
        return open_attempt
    available = retake_available_at(user=actor, course=course)
    if available is not None and available > now:
        local = timezone.localtime(available)
        raise Conflict(
            f"You can retake this quiz from {local:%Y-%m-%d %H:%M %Z}. "
            "Read the explanations of your last attempt meanwhile.",
            code="cooldown",
        )
    try:
        with transaction.atomic():
            return Attempt.objects.create(user=actor, course=course, started_at=now)
    except IntegrityError:  # a second tab opened it at the same moment
        return Attempt.objects.get(user=actor, course=course, finished_at=None)


def attempt_submit(
    *, actor: User, attempt: Attempt, answers: Any, now: datetime | None = None
) -> Attempt:
    """Score an open attempt on the server. A pass issues or renews the certificate."""
    if attempt.user_id != actor.pk:
        raise Http404("Not found.")
    course = attempt.course
    if not course.is_published:
        raise Conflict("This course was withdrawn; your attempt cannot be scored.")
    keys = _question_keys(course)
    parsed = parse_answers(answers, keys)  # 400 before anything is written
    result = score(keys, parsed, pass_mark=course.pass_mark)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished_at is not None:
            raise Conflict("This attempt was already submitted.", code="finished")
        locked.finished_at = now
        locked.answers = {str(k): v for k, v in parsed.items()}
        locked.results = result.results
        locked.correct_count = result.correct_count
        locked.question_count = result.question_count
        locked.score = result.percent
        locked.passed = result.passed
        if result.passed:
            locked.certification = _certification_issue_or_renew(
                user=actor, course=course, now=now, attempt=locked
            )
        locked.save()
    return locked


def attempt_take(
    *, actor: User, course: Course, answers: Any, now: datetime | None = None
) -> Attempt:
    """Start (or reuse the open attempt) and submit in one step: what the API does."""
    now = now or timezone.now()
    if not course.is_published:
        raise Http404("Not found.")
    # Validate first, so bad input writes nothing (not even an empty attempt).
    parse_answers(answers, _question_keys(course))
    attempt = attempt_start(actor=actor, course=course, now=now)
    return attempt_submit(actor=actor, attempt=attempt, answers=answers, now=now)


def _certification_issue_or_renew(
    *, user: User, course: Course, now: datetime, attempt: Attempt
) -> Certification:
    expires = now + course.validity
    active = Certification.objects.select_for_update().filter(
        user=user, course=course, revoked_at=None
    )
    certification = active.first()
    if certification is None:
        try:
            with transaction.atomic():
                certification = Certification.objects.create(
                    user=user, course=course, issued_at=now, first_issued_at=now, expires_at=expires
                )
        except IntegrityError:
            # Another attempt of the same person passed at the same moment and issued it: renew
            # that one instead (the unique constraint allows one unrevoked row).
            certification = active.get()
            return _certification_renew(certification, user=user, now=now, attempt=attempt)
        audit_record(
            actor=user,
            action="certification.issued",
            target=certification,
            to_state="valid",
            data={"attempt": attempt.pk, "score": attempt.score, "expires_at": expires.isoformat()},
        )
        return certification
    return _certification_renew(certification, user=user, now=now, attempt=attempt)


def _certification_renew(
    certification: Certification, *, user: User, now: datetime, attempt: Attempt
) -> Certification:
    expires = now + certification.course.validity
    previous = certification.expires_at
    certification.issued_at = now
    certification.expires_at = expires
    certification.renewal_count += 1
    certification.save(update_fields=["issued_at", "expires_at", "renewal_count"])
    audit_record(
        actor=user,
        action="certification.renewed",
        target=certification,
        from_state="valid" if previous > now else "expired",
        to_state="valid",
        data={
            "attempt": attempt.pk,
            "previous_expires_at": previous.isoformat(),
            "expires_at": expires.isoformat(),
        },
    )
    return certification


def certification_revoke(
    *, actor: User, certification: Certification, reason: str
) -> Certification:
    """HR (or an org admin) withdraws a certificate with a reason; the person is told."""
    authz.require(
        authz.can_revoke_certifications(actor), "Only HR and org admins can revoke certificates."
    )
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput("Give the reason for revoking (at least 5 characters).", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("Keep the reason under 2,000 characters.", field="reason")
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Certification.objects.select_for_update()
            .select_related("user", "course")
            .get(pk=certification.pk)
        )
        if locked.revoked_at is not None:
            raise Conflict("This certificate was already revoked.", code="revoked")
        status = locked.status_at(now)
        locked.revoked_at = now
        locked.revoked_by = actor
        locked.revoked_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        audit_record(
            actor=actor,
            action="certification.revoked",
            target=locked,
            from_state=status,
            to_state="revoked",
            note=reason,
            data={"user": locked.user.email, "course": locked.course.title},
        )
        notice = TrainingNotice.objects.create(
            user=locked.user,
            kind=TrainingNotice.Kind.REVOKED,
            key=f"revoked:{locked.pk}",
            course=locked.course,
            message=f"Your certificate in '{locked.course.title}' was revoked: {reason}"[:500],
        )
        base_url = public_base_url()  # the request's address, known now, not at sending
        transaction.on_commit(lambda: emails.send_revocation(locked, notice, base_url=base_url))
    return locked


# --- Assignments -------------------------------------------------------------------------------


def _check_can_assign_to(actor: User, *, user: User | None, department: Department | None) -> None:
    scope = authz.training_department_scope(actor)
    if scope is None:
        return
    if not scope:
        raise NotAllowed("Only HR, org admins and department managers can assign courses.")
    if department is not None and department.pk not in scope:
        raise InvalidInput(
            "You can assign courses to your own department only.", field="department"
        )
    if (
        user is not None
        and not Membership.objects.filter(user=user, department_id__in=scope).exists()
    ):
        raise InvalidInput(
            "You can assign courses to people in your department only.", field="user"
        )


def assignment_create(
    *,
    actor: User,
    course: Course,
    due_on: date,
    user: User | None = None,
    department: Department | None = None,
    note: str = "",
) -> Assignment:
    """Assign a published course to a person or to a whole department, due on a date."""
    authz.require(
        authz.can_follow_training(actor),
        "Only HR, org admins and department managers can assign courses.",
    )
    if (user is None) == (department is None):
        raise InvalidInput("Assign to one person or to one department.", field="user")
    if not course.is_published:
        raise InvalidInput("This course is not published.", field="course")
    today = timezone.localdate()
    if due_on < today:
        raise InvalidInput("The due date is in the past.", field="due_on")
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput("Choose a due date within two years.", field="due_on")
    if len(note) > 500:
        raise InvalidInput("Keep the note under 500 characters.", field="note")
    _check_can_assign_to(actor, user=user, department=department)
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    course=course,
                    user=user,
                    department=department,
                    due_on=due_on,
                    note=note.strip(),
                    assigned_by=actor,
                )
        except IntegrityError as exc:
            who = "this person" if user is not None else "this department"
            raise InvalidInput(
                f"'{course.title}' is already assigned to {who}; cancel that assignment first.",
                field="course",
            ) from exc
        audit_record(
            actor=actor,
            action="assignment.created",
            target=assignment,
            department=department,
            data={
                "course": course.title,
                "user": user.email if user else None,
                "due_on": due_on.isoformat(),
            },
        )
        people = (
            [user]
            if user is not None
            else list(User.objects.filter(memberships__department=department, is_active=True))
        )
        notices = TrainingNotice.objects.bulk_create(
            [
                TrainingNotice(
                    user=person,
                    kind=TrainingNotice.Kind.ASSIGNED,
                    key=f"assigned:{assignment.pk}:{person.pk}",
                    course=course,
                    message=f"You were assigned '{course.title}', due {due_on:%d %B %Y}.",
                )
                for person in people
                if person is not None
            ]
        )
        base_url = public_base_url()  # the request's address, known now, not at sending
        transaction.on_commit(lambda: emails.send_assigned(assignment, notices, base_url=base_url))
    return assignment


def assignment_cancel(*, actor: User, assignment: Assignment) -> Assignment:
    authz.require(
        authz.can_follow_training(actor),
        "Only HR, org admins and department managers can cancel assignments.",
    )
    if assignment.assigned_by_id != actor.pk:
        _check_can_assign_to(actor, user=assignment.user, department=assignment.department)
    if assignment.cancelled_at is not None:
        raise Conflict("This assignment was already cancelled.")
    with transaction.atomic():
        assignment.cancelled_at = timezone.now()
        assignment.save(update_fields=["cancelled_at"])
        audit_record(
            actor=actor,
            action="assignment.cancelled",
            target=assignment,
            department=assignment.department,
            to_state="cancelled",
        )
    return assignment


# --- Policy ------------------------------------------------------------------------------------


def policy_create(
    *,
    actor: User | None,
    title: str,
    body: str,
    effective_at: datetime,
    summary_of_changes: str = "",
) -> Policy:
    """A draft of the next policy version (numbered here, so versions never collide)."""
    if actor is not None:
        authz.require(authz.can_publish_policies(actor), "Only org admins can write policies.")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("A policy needs a title.", field="title")
    if not (body or "").strip():
        raise InvalidInput("A policy needs a text.", field="body")
    if timezone.is_naive(effective_at):
        raise InvalidInput("Give the effective date with a time zone.", field="effective_at")
    with transaction.atomic():
        # Lock the newest row so two drafts created at once get different numbers.
        latest = Policy.objects.select_for_update().order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        policy = Policy.objects.create(
            version=version,
            title=title,
            body=body,
            summary_of_changes=summary_of_changes,
            effective_at=effective_at,
            created_by=actor,
        )
        audit_record(actor=actor, action="policy.created", target=policy, to_state="draft")
    return policy


def policy_update_draft(
    *,
    actor: User,
    policy: Policy,
    title: str,
    body: str,
    effective_at: datetime,
    summary_of_changes: str,
) -> Policy:
    authz.require(authz.can_publish_policies(actor), "Only org admins can write policies.")
    if policy.is_published:
        raise Conflict("A published policy is never edited: write a new version instead.")
    if not title.strip():
        raise InvalidInput("A policy needs a title.", field="title")
    if not body.strip():
        raise InvalidInput("A policy needs a text.", field="body")
    with transaction.atomic():
        policy.title = title.strip()
        policy.body = body
        policy.effective_at = effective_at
        policy.summary_of_changes = summary_of_changes
        policy.save(update_fields=["title", "body", "effective_at", "summary_of_changes"])
        audit_record(actor=actor, action="policy.edited", target=policy, to_state="draft")
    return policy


def policy_publish(*, actor: User | None, policy: Policy, now: datetime | None = None) -> Policy:
    """Publish a version. From its effective date everyone must acknowledge it (again)."""
    if actor is not None:
        authz.require(authz.can_publish_policies(actor), "Only org admins can publish policies.")
    if policy.is_published:
        raise Conflict("This policy version is published already.")
    now = now or timezone.now()
    newest_published = Policy.objects.published().aggregate(v=Max("effective_at"))["v"]
    if newest_published is not None and policy.effective_at < newest_published:
        raise InvalidInput(
            "A newer published version takes effect later than this one: pick an effective "
            "date after it.",
            field="effective_at",
        )
    with transaction.atomic():
        policy.published_at = now
        policy.save(update_fields=["published_at"])
        audit_record(
            actor=actor,
            action="policy.published",
            target=policy,
            from_state="draft",
            to_state="published",
            data={"version": policy.version, "effective_at": policy.effective_at.isoformat()},
        )
    return policy


def policy_acknowledge(
    *, actor: User, policy: Policy, now: datetime | None = None
) -> tuple[PolicyAcknowledgement, bool]:
    """Record that the person read and accepts this version. Acknowledging twice is harmless.

    The current version and an upcoming published one can be acknowledged; a superseded one
    cannot (it would not count, and the person should read what changed).
    """
    now = now or timezone.now()
    if not policy.is_published:
        raise Http404("Not found.")
    current = Policy.objects.in_force_at(now).first()
    if current is not None and policy.effective_at < current.effective_at:
        raise Conflict(
            f"Version {policy.version} was replaced by version {current.version}: "
            "acknowledge the current one.",
            code="superseded",
        )
    existing = PolicyAcknowledgement.objects.filter(user=actor, policy=policy).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            ack = PolicyAcknowledgement.objects.create(
                user=actor, policy=policy, acknowledged_at=now
            )
            audit_record(
                actor=actor,
                action="policy.acknowledged",
                target=policy,
                data={"version": policy.version, "user": actor.email},
            )
    except IntegrityError:  # a double click: the first one won
        return PolicyAcknowledgement.objects.get(user=actor, policy=policy), False
    return ack, True


# --- Notices and reminders ---------------------------------------------------------------------


def notice_dismiss(*, actor: User, notice: TrainingNotice) -> None:
    if notice.user_id != actor.pk:
        raise Http404("Not found.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])


def certification_expiry_remind(*, certification_id: int, now: datetime) -> bool:
    """Tell the person their certificate expires soon: once per threshold (30 and 7 days) and
    expiry date, however often the daily task runs. True when a reminder went out."""
    certification = (
        Certification.objects.select_related("user", "course")
        .filter(pk=certification_id, revoked_at=None, user__is_active=True)
        .first()
    )
    if certification is None or certification.expires_at <= now:
        return False
    remaining = certification.expires_at - now
    days = next((d for d in REMINDER_DAYS if remaining <= timedelta(days=d)), None)
    if days is None:
        return False
    key = f"expiry:{certification.pk}:{certification.expires_at.isoformat()}:{days}"
    if TrainingNotice.objects.filter(key=key).exists():
        return False
    kind = TrainingNotice.Kind.EXPIRING_7 if days == 7 else TrainingNotice.Kind.EXPIRING_30
    expires_local = timezone.localtime(certification.expires_at)
    message = (
        f"Your certificate in '{certification.course.title}' expires on "
        f"{expires_local:%d %B %Y at %H:%M %Z}: retake the course to renew it."
    )
    return _notice_once(
        user=certification.user,
        kind=kind,
        key=key,
        course=certification.course,
        message=message,
        extra={"expires_at": certification.expires_at},
    )


def hr_expiry_digest_send(*, certification_ids: list[int]) -> int:
    """One e-mail to each HR person listing the certificates just reminded about. Returns the
    number of recipients."""
    if not certification_ids:
        return 0
    certifications = list(
        Certification.objects.filter(pk__in=certification_ids)
        .select_related("user", "course")
        .order_by("expires_at", "pk")
    )
    recipients = list(
        User.objects.filter(is_active=True, groups__name=GROUP_NAMES[OrgRole.HR])
        .order_by("email")
        .values_list("email", flat=True)
    )
    if recipients:
        transaction.on_commit(lambda: emails.send_hr_digest(recipients, certifications))
    return len(recipients)


def assignment_overdue_remind(*, assignment_id: int, user_id: int, today: date) -> bool:
    """Tell a person their assigned course is overdue, once per assignment."""
    assignment = (
        Assignment.objects.select_related("course")
        .filter(pk=assignment_id, cancelled_at=None, due_on__lt=today)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if assignment is None or user is None:
        return False
    if (
        Certification.objects.valid_at(timezone.now())
        .filter(user=user, course=assignment.course)
        .exists()
    ):
        return False
    key = f"overdue:{assignment.pk}:{user.pk}"
    if TrainingNotice.objects.filter(key=key).exists():
        return False
    message = (
        f"'{assignment.course.title}' was due on {assignment.due_on:%d %B %Y}: take the course now."
    )
    return _notice_once(
        user=user,
        kind=TrainingNotice.Kind.ASSIGNMENT_OVERDUE,
        key=key,
        course=assignment.course,
        message=message,
        extra={"due_on": assignment.due_on},
    )


def _notice_once(
    *,
    user: User,
    kind: str,
    key: str,
    course: Course,
    message: str,
    extra: dict[str, Any],
) -> bool:
    try:
        with transaction.atomic():
            notice = TrainingNotice.objects.create(
                user=user, kind=kind, key=key, course=course, message=message
            )
            transaction.on_commit(lambda: emails.send_reminder(notice, extra))
    except IntegrityError:  # a second run got there first: it sends the e-mail, not us
        return False
    return True
