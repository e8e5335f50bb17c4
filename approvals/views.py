"""The workflow's pages: thin views that parse, call a selector or a service, and render.

A refused action re-renders the page with the service's message and the matching status
(400 bad input, 403 rule or permission, 409 state); nothing is written in that case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from activity import selectors as activity_selectors
from activity import services as activity_services
from approvals import content_calendar as calendar_grid
from approvals import guidance, handover, permissions, selectors, services
from approvals.forms import (
    CommentForm,
    ComposeForm,
    CrisisPauseForm,
    DecisionForm,
    NoteForm,
    ScheduleForm,
)
from approvals.media import FORMAT_LABELS, human_size
from approvals.models import MediaAttachment, Post, PostState, Verdict
from approvals.revision_diff import has_changes, word_diff
from approvals.services import ImageChoice
from approvals.state_machine import EDITABLE_STATES, TRANSITIONS, Action, refusal_message
from channels_app.rules import GIF, JPEG, PNG, WEBP, rules_for
from core.errors import Conflict, DomainError, NotAllowed
from core.files import private_file_response
from training import requirements as training_requirements

# --- Helpers --------------------------------------------------------------------------------------


def _can(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS


def _post_flags(user: Any, post: Post) -> dict[str, bool]:
    """Which buttons the person sees. The services check again on every request."""
    account = post.brand_account
    author = permissions.is_author(user, post)
    drafter = author and permissions.can_draft(user, account)
    stages = permissions.reviewer_stages(user)
    reviewer = bool(stages) and not author and permissions.can_review(user, account)
    publisher = permissions.can_publish(user, account)
    return {
        "is_author": author,
        "can_edit": drafter and post.state in EDITABLE_STATES,
        "can_submit": drafter and _can(post.state, Action.SUBMIT),
        "can_decide": reviewer and post.state == PostState.IN_REVIEW,
        "can_withdraw": _can(post.state, Action.WITHDRAW) and permissions.can_withdraw(user, post),
        "can_schedule": publisher and _can(post.state, Action.SCHEDULE),
        "can_unschedule": publisher and _can(post.state, Action.UNSCHEDULE),
        "can_publish_now": publisher and _can(post.state, Action.PUBLISH_NOW),
        "can_retry": publisher and _can(post.state, Action.RETRY),
    }


def _detail_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    images = list(selectors.media_list(post=post))
    result = guidance.check_for_account(
        body=post.body,
        account=post.brand_account,
        alt_texts=[image.alt_text for image in images],
    )
    attempts = None
    if permissions.can_see_attempts(request.user, post):
        attempts = handover.publishing_attempts(post)
    context = {
        "attempts": attempts,
        "post": post,
        "images": images,
        "flags": _post_flags(request.user, post),
        "stages": selectors.stage_statuses(post),
        "timeline": selectors.timeline(post=post),
        "threads": selectors.comment_threads(post=post),
        "result": result,
        "pause": services.crisis_pause_covering(post.brand_account),
        "schedule_form": ScheduleForm(),
        "comment_form": CommentForm(),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    context.update(extra)
    return context


def _refused(
    request: HttpRequest,
    post: Post,
    exc: DomainError,
    *,
    template: str = "approvals/post_detail.html",
    **extra: Any,
) -> HttpResponse:
    messages.error(request, exc.message)
    post = selectors.post_get(user=request.user, pk=post.pk)
    builder = _review_context if template.endswith("post_review.html") else _detail_context
    return render(request, template, builder(request, post, **extra), status=exc.status_code)


# --- Lists ----------------------------------------------------------------------------------------


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    """My posts by state (or every post I can see), one tab per state with its count."""
    scope = request.GET.get("scope", "mine")
    filters: dict[str, Any] = {"author": "me"} if scope != "all" else {}
    state = request.GET.get("state", "")
    if state not in PostState.values:
        state = ""
    base = selectors.post_list(user=request.user, filters=filters)
    counts = selectors.post_state_counts(posts=base)
    posts = base.filter(state=state) if state else base
    tabs = [
        {"state": value, "label": label, "count": counts[value]}
        for value, label in PostState.choices
    ]
    context = {
        "posts": posts,
        "tabs": tabs,
        "state": state,
        "scope": "all" if scope == "all" else "mine",
        "total": sum(counts.values()),
    }
    return render(request, "approvals/post_list.html", context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("department", "brand_account", "stage")}
    try:
        posts = list(selectors.review_queue(user=request.user, filters=filters))
        status = 200 if permissions.reviewer_stages(request.user) else 403
    except DomainError as exc:
        messages.error(request, exc.message)
        posts, status = [], exc.status_code
    for post in posts:
        post.stage_list = selectors.stage_statuses(post)  # type: ignore[attr-defined]
    departments, accounts = selectors.calendar_filter_choices(user=request.user)
    context = {
        "posts": posts,
        "filters": filters,
        "departments": departments,
        "accounts": accounts,
        "stages": permissions.reviewer_stages(request.user),
        "is_reviewer": bool(permissions.reviewer_stages(request.user)),
    }
    return render(request, "approvals/review_queue.html", context, status=status)


# --- Compose and edit -----------------------------------------------------------------------------


def _guidance_context(
    user: Any, account: Any, body: str, alt_texts: list[str] | None = None
) -> dict[str, Any]:
    if account is None:
        return {"result": None, "account": None, "missing": [], "media_rules": None}
    return {
        "result": guidance.check_for_account(body=body, account=account, alt_texts=alt_texts or []),
        "account": account,
        "missing": training_requirements.missing_requirements(user, account),
        "media_rules": _media_rules(account.platform),
    }


def _media_rules(platform: str) -> dict[str, Any]:
    """What the compose page says about images on the platform (and sets as limits)."""
    rules = rules_for(platform)
    types = [t for t in (JPEG, PNG, GIF, WEBP) if t in rules.image_types]
    return {
        "max_images": rules.max_images,
        "max_bytes": rules.max_image_bytes,
        "max_size": human_size(rules.max_image_bytes),
        "max_pixels": rules.max_image_pixels,
        "max_alt_text": rules.max_alt_text,
        "formats": ", ".join(FORMAT_LABELS[t] for t in types),
        "accept": ",".join(types),
    }


def _form_images(
    request: HttpRequest, current: list[MediaAttachment]
) -> tuple[list[ImageChoice], list[tuple[Any, str]]]:
    """The images the compose form asks for, in order, and the files it uploads.

    The page's script sends the order it shows as image_order ("keep:<checksum>" and
    "new:<n>" tokens); without the script, kept images are ordered by their position fields,
    those ticked for removal drop out, and new files follow in the order they were chosen.
    """
    files = request.FILES.getlist("images")
    uploads = [(f, f.name or "image") for f in files]
    new_alts = request.POST.getlist("new_alt")
    by_checksum = {row.checksum: row for row in current}

    def alt_for(row: MediaAttachment) -> str:
        return request.POST.get(f"alt_{row.checksum}", row.alt_text)

    def new_choice(index: int) -> ImageChoice:
        return ImageChoice(new=index, alt_text=new_alts[index] if index < len(new_alts) else "")

    tokens = [t for t in request.POST.get("image_order", "").split(",") if t]
    if tokens:
        choices: list[ImageChoice] = []
        used: set[int] = set()
        for token in tokens:
            kind, _, value = token.partition(":")
            if kind == "keep" and value in by_checksum:
                choices.append(ImageChoice(checksum=value, alt_text=alt_for(by_checksum[value])))
            elif kind == "new" and value.isdigit() and int(value) < len(uploads):
                used.add(int(value))
                choices.append(new_choice(int(value)))
        # A file the order does not mention still comes along rather than being lost.
        choices += [new_choice(i) for i in range(len(uploads)) if i not in used]
        return choices, uploads

    def position(row: MediaAttachment) -> tuple[int, int]:
        return (_int(request.POST.get(f"order_{row.checksum}")) or row.order + 1, row.order)

    kept = sorted(
        (row for row in current if not request.POST.get(f"remove_{row.checksum}")), key=position
    )
    choices = [ImageChoice(checksum=row.checksum, alt_text=alt_for(row)) for row in kept]
    return choices + [new_choice(i) for i in range(len(uploads))], uploads


def _form_alt_texts(request: HttpRequest, current: list[MediaAttachment]) -> list[str]:
    """Alt texts of the images the form shows (for live guidance, which sends no files)."""
    choices, _ = _form_images(request, current)
    kept = [c.alt_text for c in choices if c.new is None]
    return kept + request.POST.getlist("new_alt")


@login_required
def post_compose(request: HttpRequest) -> HttpResponse:
    accounts = permissions.draftable_accounts(request.user)
    form = ComposeForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        account = form.cleaned_data["brand_account"]
        choices, uploads = _form_images(request, [])
        try:
            post = services.post_create(
                actor=request.user,  # type: ignore[arg-type]
                brand_account=account,
                body=form.cleaned_data["body"],
                uploads=[uploads[c.new] for c in choices if c.new is not None],
                alt_texts=[c.alt_text for c in choices],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _after_save(request, post, submit="submit" in request.POST)
    selected = None
    if form.is_bound and form.is_valid():
        selected = form.cleaned_data["brand_account"]
    elif request.GET.get("brand_account"):
        selected = accounts.filter(pk=_int(request.GET["brand_account"])).first()
        form.initial["brand_account"] = selected
    context = {
        "form": form,
        "post": None,
        "images": [],
        "has_accounts": accounts.exists(),
        **_guidance_context(
            request.user, selected, form.data.get("body", "") if form.is_bound else ""
        ),
    }
    return render(
        request, "approvals/post_compose.html", context, status=400 if form.errors else 200
    )


def _after_save(request: HttpRequest, post: Post, *, submit: bool) -> HttpResponse:
    if not submit:
        messages.success(request, f"Saved revision {post.revision_number}.")
        return redirect("post_detail", pk=post.pk)
    try:
        services.post_submit(post=post, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, f"Saved as a draft, but not submitted: {exc.message}")
        return redirect("post_edit", pk=post.pk)
    messages.success(request, "Submitted for review. You will be told when comms decides.")
    return redirect("post_detail", pk=post.pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    flags = _post_flags(request.user, post)
    if not flags["can_edit"]:
        refusal = (
            NotAllowed("Only the author can edit this post.", code="not_author")
            if not flags["is_author"]
            else Conflict(refusal_message(post.state, Action.REVISE))
        )
        return _refused(request, post, refusal)
    form = ComposeForm(
        request.POST or None, fixed_account=post.brand_account, initial={"body": post.body}
    )
    status = 200
    current = list(selectors.media_list(post=post))
    if request.method == "POST" and form.is_valid():
        choices, uploads = _form_images(request, current)
        try:
            post = services.post_revise(
                post=post,
                actor=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
                images=choices,
                uploads=uploads,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = exc.status_code
        else:
            wants_submit = "submit" in request.POST and _can(post.state, Action.SUBMIT)
            return _after_save(request, post, submit=wants_submit)
    body = form.data.get("body", post.body) if form.is_bound else post.body
    context = {
        "form": form,
        "post": post,
        "flags": flags,
        "images": current,
        "threads": selectors.comment_threads(post=post),
        **_guidance_context(
            request.user, post.brand_account, body, [image.alt_text for image in current]
        ),
    }
    return render(
        request,
        "approvals/post_compose.html",
        context,
        status=status if status != 200 else (400 if form.errors else 200),
    )


@login_required
@require_POST
def post_check(request: HttpRequest) -> HttpResponse:
    """The live guidance partial (htmx): counter, findings, preview, missing training."""
    account = None
    current: list[MediaAttachment] = []
    post_id = _int(request.POST.get("post"))
    if post_id:
        post = selectors.post_get(user=request.user, pk=post_id)
        account = post.brand_account
        current = list(selectors.media_list(post=post))
    else:
        account_id = _int(request.POST.get("brand_account"))
        if account_id:
            account = permissions.draftable_accounts(request.user).filter(pk=account_id).first()
    body = request.POST.get("body", "").replace("\r\n", "\n")
    alt_texts = _form_alt_texts(request, current)
    return render(
        request,
        "approvals/_guidance.html",
        _guidance_context(request.user, account, body, alt_texts),
    )


# --- One post -------------------------------------------------------------------------------------


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    return render(request, "approvals/post_detail.html", _detail_context(request, post))


def _review_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    revisions = list(selectors.revision_list(post=post))
    current = revisions[-1] if revisions else None
    compare_from = _int(request.GET.get("from"))
    base = None
    if compare_from:
        base = next((r for r in revisions if r.number == compare_from), None)
    if base is None and len(revisions) > 1:
        # By default: what changed since the revision reviewers last decided on, else the last.
        decided = {d.revision_id for d in selectors.decision_list(post=post)}
        earlier = [r for r in revisions[:-1] if r.pk in decided] or revisions[:-1]
        base = earlier[-1]
    diff = word_diff(base.body, current.body) if base and current else []
    context = _detail_context(request, post)
    images_changed = False
    if base is not None:
        before = [(m.checksum, m.alt_text) for m in selectors.media_of_revision(revision=base)]
        images_changed = before != [(m.checksum, m.alt_text) for m in context["images"]]
    context.update(
        {
            "images_changed": images_changed,
            "revisions": revisions,
            "base": base,
            "diff": diff,
            "diff_has_changes": has_changes(diff),
            "decision_form": DecisionForm(initial={"revision": post.revision_number}),
            "reviewer_stages": permissions.reviewer_stages(request.user),
        }
    )
    context.update(extra)
    return context


@login_required
def post_review(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    return render(request, "approvals/post_review.html", _review_context(request, post))


@login_required
@require_POST
def post_decide(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve, request changes or reject.")
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
        )
    except DomainError as exc:
        return _refused(
            request, post, exc, template="approvals/post_review.html", decision_form=form
        )
    messages.success(
        request,
        f"{decision.get_stage_display()}: {decision.get_verdict_display().lower()}.",
    )
    return redirect("review_queue")


def _simple_action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    try:
        run(post)
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, done)
    return redirect("post_detail", pk=post.pk)


@login_required
@require_POST
def post_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_submit(post=post, actor=request.user),  # type: ignore[arg-type]
        "Submitted for review.",
    )


@login_required
@require_POST
def post_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _simple_action(
        request,
        pk,
        lambda post: services.post_withdraw(post=post, actor=request.user, note=note),  # type: ignore[arg-type]
        "The post was withdrawn.",
    )


@login_required
@require_POST
def post_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a date and time to publish at.")
        return render(
            request,
            "approvals/post_detail.html",
            _detail_context(request, post, schedule_form=form),
            status=400,
        )
    try:
        post = services.post_schedule(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            scheduled_at=form.cleaned_data["scheduled_at"],
        )
    except DomainError as exc:
        return _refused(request, post, exc, schedule_form=form)
    local = timezone.localtime(post.scheduled_at)
    messages.success(request, f"Scheduled for {local:%d %b %Y, %H:%M} ({local.tzname()}).")
    return redirect("post_detail", pk=post.pk)


@login_required
@require_POST
def post_unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_unschedule(post=post, actor=request.user),  # type: ignore[arg-type]
        "Unscheduled: the post is approved and waits for a new time.",
    )


@login_required
@require_POST
def post_publish_now(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_publish_now(post=post, actor=request.user),  # type: ignore[arg-type]
        "Handed over for publishing.",
    )


@login_required
@require_POST
def post_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        pk,
        lambda post: services.post_retry(post=post, actor=request.user),  # type: ignore[arg-type]
        "Handed over for publishing again.",
    )


# --- Comments -------------------------------------------------------------------------------------


def _back(request: HttpRequest, post: Post) -> str:
    """Back to the review screen or the post page, whichever the form was on."""
    if request.POST.get("next") == "review":
        return reverse("post_review", args=[post.pk])
    if request.POST.get("next") == "edit":
        return reverse("post_edit", args=[post.pk])
    return reverse("post_detail", args=[post.pk])


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    template = (
        "approvals/post_review.html"
        if request.POST.get("next") == "review"
        else "approvals/post_detail.html"
    )
    builder = _review_context if request.POST.get("next") == "review" else _detail_context
    if not form.is_valid():
        messages.error(request, "Write a comment first.")
        return render(request, template, builder(request, post, comment_form=form), status=400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = selectors.comment_get(post=post, pk=form.cleaned_data["parent"])
    try:
        comment = services.comment_add(
            post=post,
            actor=request.user,  # type: ignore[arg-type]
            body=form.cleaned_data["body"],
            quote=form.cleaned_data["quote"] or form.cleaned_data["quote_typed"],
            quote_occurrence=form.cleaned_data["quote_occurrence"] or 0,
            parent=parent,
            suggestion=form.cleaned_data["suggestion"],
        )
    except DomainError as exc:
        return _refused(request, post, exc, template=template, comment_form=form)
    messages.success(request, "Comment added.")
    return redirect(_back(request, post) + f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    comment = selectors.comment_get(post=post, pk=comment_id)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        services.comment_resolve(comment=comment, actor=request.user, resolved=resolved)  # type: ignore[arg-type]
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, "Comment resolved." if resolved else "Comment reopened.")
    return redirect(_back(request, post) + f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_apply(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    comment = selectors.comment_get(post=post, pk=comment_id)
    try:
        post = services.comment_apply_suggestion(comment=comment, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        return _refused(request, post, exc)
    messages.success(request, f"Suggestion applied as revision {post.revision_number}.")
    return redirect("post_detail", pk=post.pk)


# --- Images ---------------------------------------------------------------------------------------


@login_required
@require_GET
def media_file(request: HttpRequest, pk: int, media_id: int) -> HttpResponse | FileResponse:
    """An image of a post, streamed to people who may see the post (404 for anyone else: the
    storage itself never serves it, so there is no address to guess)."""
    post = selectors.post_get(user=request.user, pk=pk)
    image = selectors.media_get(post=post, pk=media_id)
    return private_file_response(
        image.file.name, image.content_type, f'"{image.checksum}"', request
    )


@login_required
@require_GET
def media_thumbnail(request: HttpRequest, pk: int, media_id: int) -> HttpResponse | FileResponse:
    post = selectors.post_get(user=request.user, pk=pk)
    image = selectors.media_get(post=post, pk=media_id)
    content_type = PNG if image.thumbnail.name.endswith(".png") else JPEG
    return private_file_response(
        image.thumbnail.name, content_type, f'"{image.checksum}-thumb"', request
    )


# --- Calendar -------------------------------------------------------------------------------------


@login_required
def content_calendar(request: HttpRequest) -> HttpResponse:
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        around = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        around = timezone.localdate()
    period = calendar_grid.period_for(view, around)
    start, end = period.bounds()
    department = request.GET.get("department", "")
    account = request.GET.get("brand_account", "")
    status = 200
    try:
        posts = list(
            selectors.calendar_posts(
                user=request.user,
                start=start,
                end=end,
                department=department,
                brand_account=account,
            )
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        posts, status = [], exc.status_code
    departments, accounts = selectors.calendar_filter_choices(user=request.user)
    context = {
        "period": period,
        "weeks": calendar_grid.weeks(period, posts),
        "departments": departments,
        "accounts": accounts,
        "department": department,
        "account": account,
        "post_count": len(posts),
        "user_timezone": timezone.get_current_timezone_name(),
    }
    return render(request, "approvals/calendar.html", context, status=status)


# --- Crisis pause ---------------------------------------------------------------------------------


@login_required
def crisis_pause_list(request: HttpRequest) -> HttpResponse:
    can_manage = permissions.can_manage_crisis(request.user)
    form = CrisisPauseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_manage:
            messages.error(request, "Only org admins and comms reviewers can pause publishing.")
            status = 403
        elif form.is_valid():
            try:
                pause = services.crisis_pause_set(
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    brand_account=form.cleaned_data["brand_account"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                scope = pause.brand_account.display_name if pause.brand_account else "everything"
                messages.success(request, f"Publishing is paused ({scope}).")
                return redirect("crisis_pause_list")
        else:
            status = 400
    context = {
        "active": selectors.crisis_pause_list(active=True),
        "history": selectors.crisis_pause_list(active=False)[:50],
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "approvals/crisis.html", context, status=status)


@login_required
@require_POST
def crisis_pause_lift(request: HttpRequest, pk: int) -> HttpResponse:
    pause = selectors.crisis_pause_get(pk=pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.crisis_pause_lift(pause=pause, actor=request.user, note=note)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        context = {
            "active": selectors.crisis_pause_list(active=True),
            "history": selectors.crisis_pause_list(active=False)[:50],
            "form": CrisisPauseForm(),
            "can_manage": permissions.can_manage_crisis(request.user),
        }
        return render(request, "approvals/crisis.html", context, status=exc.status_code)
    messages.success(request, "The pause is lifted: scheduling and publishing resume.")
    return redirect("crisis_pause_list")


# --- Notifications --------------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = activity_selectors.notification_list(user=request.user)[:100]
    return render(request, "approvals/notifications.html", {"notifications": notifications})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    activity_services.notifications_mark_read(user=request.user)
    return redirect("notification_list")
