"""Review: the reviewer's queue, the review page and the decision form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import permissions, selectors, services
from approvals.forms import DecisionForm, ScheduleForm
from approvals.models import Post, Verdict
from approvals.views.page_context import _refused, _review_context
from core.errors import DomainError
from core.paging import page_of


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The queue with its filters, all in the URL (so a filtered queue can be bookmarked and the
    bulk form comes back to it), and checkboxes for bulk decisions."""
    filters = {key: request.GET.get(key, "") for key in selectors.QUEUE_FILTERS}
    try:
        queue, status = selectors.review_queue(user=request.user, filters=filters), 200
    except DomainError as exc:
        messages.error(request, exc.message)
        queue, status = Post.objects.none(), exc.status_code
    page = page_of(request, queue)
    posts = list(page.object_list)
    for post in posts:
        post.stage_list = selectors.stage_statuses(post)  # type: ignore[attr-defined]
    stages = permissions.reviewer_stages(request.user)
    context = {
        "page": page,
        "posts": posts,
        "filters": filters,
        "filtered": any(value for key, value in filters.items() if key != "sort"),
        "stages": stages,
        "is_reviewer": permissions.has_review_queue(request.user),
        "bulk_actions": services.BulkAction.choices,
        "review_reasons": selectors.review_reasons_offered(),
        "schedule_form": ScheduleForm(),
        "here": request.get_full_path(),
        **(selectors.queue_filter_choices(user=request.user) if stages else {}),
    }
    return render(request, "approvals/review_queue.html", context, status=status)


@login_required
def post_review(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    return render(request, "approvals/post_review.html", _review_context(request, post))


@login_required
@require_POST
def post_decide(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.errors.get("reason", []))
            or "Choose approve, request changes or reject.",
        )
        return render(
            request,
            "approvals/post_review.html",
            _review_context(request, post, decision_form=form),
            status=400,
        )
    verdict = form.cleaned_data["verdict"]
    decide = {
        Verdict.APPROVE: services.post_approve,
        Verdict.CHANGES: services.post_request_changes,
        Verdict.REJECT: services.post_reject,
    }[Verdict(verdict)]
    try:
        decision = decide(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            note=form.cleaned_data["note"],
            revision=form.cleaned_data["revision"],
            stage=form.cleaned_data["stage"] or None,
            reason=form.cleaned_data["reason"] if verdict != Verdict.APPROVE else None,
        )
    except DomainError as exc:
        return _refused(
            request, post, exc, template="approvals/post_review.html", decision_form=form
        )
    messages.success(
        request,
        f"{decision.stage_label}: {decision.get_verdict_display().lower()}.",
    )
    return redirect("review_queue")
