"""Training pages: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import authz
from core.errors import DomainError, InvalidInput
from core.paging import page_of
from training import permissions, reports, selectors, services
from training.forms import AssignmentForm, RevokeForm
from training.models import CertStatus, Course, Question

MATRIX_PAGE_SIZE = 50


def _fail(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- My training -------------------------------------------------------------------------------


@login_required
def training_home(request: HttpRequest) -> HttpResponse:
    context = {
        "training": selectors.my_training(user=request.user),
        "follows_others": authz.can_follow_training(request.user),
        "statuses": CertStatus,
    }
    return render(request, "training/home.html", context)


@login_required
@require_POST
def notice_dismiss(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = permissions.access_training_notice(request.user, notice_id)
    services.notice_dismiss(actor=request.user, notice=notice)  # type: ignore[arg-type]
    return redirect("training_home")


# --- Course player -----------------------------------------------------------------------------


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    """Lessons one at a time (?lesson=N), then the quiz; progress is shown throughout."""
    course = selectors.course_content(course=permissions.access_course(request.user, course_id))
    lessons = list(course.lessons.all())
    raw = request.GET.get("lesson", "1")
    number = int(raw) if raw.isdigit() else 1
    number = min(max(number, 1), max(len(lessons), 1))
    lesson = lessons[number - 1] if lessons else None
    now = timezone.now()
    cert = selectors.my_certification_map(user=request.user, course_ids=[course.pk]).get(course.pk)
    attempts = list(selectors.attempt_list(user=request.user, course=course)[:10])
    open_attempt = next((a for a in attempts if a.finished_at is None), None)
    retake_at = services.retake_available_at(user=request.user, course=course)  # type: ignore[arg-type]
    steps = len(lessons) + 1  # every lesson, then the quiz
    context = {
        "course": course,
        "lessons": lessons,
        "lesson": lesson,
        "number": number,
        "steps": steps,
        "progress": number,
        "step_label": f"Lesson {number} of {len(lessons)}, then the quiz",
        "is_last_lesson": number >= len(lessons),
        "question_count": len(course.questions.all()),
        "certification": cert,
        "status": selectors.status_of(cert, now),
        "attempts": attempts,
        "open_attempt": open_attempt,
        "retake_at": retake_at if retake_at and retake_at > now else None,
    }
    return render(request, "training/course_detail.html", context)


@login_required
@require_POST
def attempt_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = permissions.access_course(request.user, course_id)
    try:
        attempt = services.attempt_start(actor=request.user, course=course)  # type: ignore[arg-type]
    except DomainError as exc:
        _fail(request, exc)
        return redirect(reverse("training_course", args=[course.pk]) + "?lesson=999")
    return redirect("training_attempt", attempt_id=attempt.pk)


def _answers_from_post(request: HttpRequest, questions: list[Question]) -> dict[str, list[str]]:
    """{question id: chosen values} for the course's questions; other fields are ignored."""
    answers = {}
    for question in questions:
        chosen = request.POST.getlist(f"q{question.pk}")
        if chosen:
            answers[str(question.pk)] = chosen
    return answers


@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The quiz of an open attempt (GET), and its submission (POST). Correct answers are not in
    this page: they appear on the result page, after submitting."""
    attempt = permissions.access_attempt(request.user, attempt_id)
    if attempt.is_finished:
        return redirect("training_attempt_result", attempt_id=attempt.pk)
    course = selectors.course_content(course=attempt.course)
    questions = list(course.questions.all())
    error = ""
    selected: dict[str, list[str]] = {}
    if request.method == "POST":
        selected = _answers_from_post(request, questions)
        try:
            services.attempt_submit(actor=request.user, attempt=attempt, answers=selected)  # type: ignore[arg-type]
        except InvalidInput as exc:
            error = exc.message
        except DomainError as exc:
            _fail(request, exc)
            return redirect("training_course", course_id=course.pk)
        else:
            return redirect("training_attempt_result", attempt_id=attempt.pk)
    context = {
        "attempt": attempt,
        "course": course,
        "questions": questions,
        "error": error,
        "selected": selected,
        "steps": len(course.lessons.all()) + 1,
    }
    return render(request, "training/attempt.html", context, status=400 if error else 200)


@login_required
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = permissions.access_attempt(request.user, attempt_id)
    if not attempt.is_finished:
        return redirect("training_attempt", attempt_id=attempt.pk)
    course = selectors.course_content(course=attempt.course)
    by_id = {q.pk: q for q in course.questions.all()}
    results = []
    for item in attempt.results:
        question = by_id.get(item["question"])
        if question is None:  # removed from the course since: the score stands
            continue
        selected, correct = set(item["selected"]), set(item["correct_choices"])
        choices = [
            {
                "text": choice.text,
                "selected": choice.pk in selected,
                "correct": choice.pk in correct,
            }
            for choice in question.choices.all()
        ]
        results.append(
            {
                "question": question,
                "correct": item["correct"],
                "choices": choices,
                "answered": bool(selected),
            }
        )
    retake_at = services.retake_available_at(user=request.user, course=course)  # type: ignore[arg-type]
    now = timezone.now()
    context = {
        "attempt": attempt,
        "course": course,
        "results": results,
        "retake_at": retake_at if retake_at and retake_at > now else None,
        "steps": len(course.lessons.all()) + 1,
    }
    return render(request, "training/result.html", context)


# --- Policy ------------------------------------------------------------------------------------


@login_required
def policy_detail(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    current = selectors.policy_current(now=now)
    upcoming = selectors.policy_upcoming(now=now)
    context = {
        "policy": current,
        "acknowledgement": selectors.policy_acknowledgement(user=request.user, policy=current),
        "upcoming": upcoming,
        "upcoming_acknowledgement": selectors.policy_acknowledgement(
            user=request.user, policy=upcoming
        ),
        "next": request.GET.get("next", ""),
    }
    return render(request, "training/policy.html", context)


@login_required
@require_POST
def policy_acknowledge(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = permissions.access_policy(request.user, policy_id)
    try:
        _ack, created = services.policy_acknowledge(actor=request.user, policy=policy)  # type: ignore[arg-type]
    except DomainError as exc:
        _fail(request, exc)
        return redirect("training_policy")
    if created:
        messages.success(request, f"Thank you: you acknowledged version {policy.version}.")
    return redirect("training_policy")


# --- HR and managers: the certification matrix --------------------------------------------------


def _matrix_context(request: HttpRequest) -> dict[str, Any]:
    authz.require(
        authz.can_follow_training(request.user),
        "Only HR, org admins and department managers see certification reports.",
    )
    filters = selectors.parse_matrix_filters(user=request.user, params=request.GET)
    now = timezone.now()
    courses = selectors.matrix_courses(filters=filters)
    policy = selectors.policy_current(now=now)
    people = selectors.matrix_people(user=request.user, filters=filters, courses=courses, now=now)
    return {"filters": filters, "now": now, "courses": courses, "policy": policy, "people": people}


@login_required
def certification_matrix(request: HttpRequest) -> HttpResponse:
    try:
        base = _matrix_context(request)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return render(
            request, "training/matrix.html", {"bad_filter": exc.message, "rows": []}, status=400
        )
    page = page_of(request, base["people"], per_page=MATRIX_PAGE_SIZE)
    rows = selectors.matrix_rows(
        people=list(page.object_list),
        courses=base["courses"],
        now=base["now"],
        policy=base["policy"],
        with_assignments=True,
    )
    coverage = selectors.department_coverage(
        user=request.user,
        now=base["now"],
        policy=base["policy"],
        department=base["filters"].department,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **base,
        "page": page,
        "rows": rows,
        "coverage": coverage,
        "chart": reports.coverage_svg(coverage),
        "departments": selectors.departments_visible(user=request.user),
        "all_courses": Course.objects.published().order_by("title"),
        "statuses": CertStatus.choices,
        "query": query.urlencode(),
        "can_revoke": permissions.can_revoke_certification(request.user),
    }
    return render(request, "training/matrix.html", context)


@login_required
def certification_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The matrix as CSV, streamed: constant memory whatever the number of people."""
    try:
        base = _matrix_context(request)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    stamp = base["now"].strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        reports.certification_csv(
            people=base["people"],
            courses=base["courses"],
            now=base["now"],
            policy=base["policy"],
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="certifications-{stamp}.csv"'
    return response


@login_required
def certification_detail(request: HttpRequest, certification_id: int) -> HttpResponse:
    posted = request.method == "POST"
    cert = permissions.access_certification(
        request.user, certification_id, perm="revoke" if posted else "view"
    )
    form = RevokeForm(request.POST if posted else None)
    status = 200
    if posted:
        if form.is_valid():
            try:
                services.certification_revoke(
                    actor=request.user,  # type: ignore[arg-type]
                    certification=cert,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error("reason" if exc.field == "reason" else None, exc.message)
            else:
                messages.success(request, f"The certificate of {cert.user} was revoked.")
                return redirect("training_certification", certification_id=cert.pk)
        status = 400
    context = {
        "certification": cert,
        "status": cert.status_at(timezone.now()),
        "form": form,
        "can_revoke": permissions.can_revoke_certification(request.user, cert)
        and cert.revoked_at is None,
    }
    return render(request, "training/certification_detail.html", context, status=status)


# --- Assignments -------------------------------------------------------------------------------


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    authz.require(
        authz.can_follow_training(request.user),
        "Only HR, org admins and department managers assign courses.",
    )
    form = AssignmentForm(
        request.POST if request.method == "POST" else None,
        courses=Course.objects.published().order_by("title"),
        people=selectors.people_visible(user=request.user).order_by("full_name", "email"),
        departments=selectors.departments_visible(user=request.user),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.assignment_create(
                    actor=request.user,  # type: ignore[arg-type]
                    course=data["course"],
                    user=data["user"],
                    department=data["department"],
                    due_on=data["due_on"],
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Assigned: {assignment}.")
                return redirect("training_assignments")
        status = 400
    assignments = page_of(request, selectors.assignment_list(user=request.user))
    context = {
        "form": form,
        "page": assignments,
        "assignments": assignments.object_list,
        "today": timezone.localdate(),
    }
    return render(request, "training/assignments.html", context, status=status)


@login_required
@require_POST
def assignment_cancel(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = permissions.access_assignment(request.user, assignment_id, perm="cancel")
    try:
        services.assignment_cancel(actor=request.user, assignment=assignment)  # type: ignore[arg-type]
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"Cancelled: {assignment}.")
    return redirect("training_assignments")
