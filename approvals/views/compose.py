"""Composing and editing a post: the form with its images and alt texts, and the live guidance
check while typing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import guidance, permissions, selectors, services
from approvals.forms import ComposeForm
from approvals.media import FORMAT_LABELS, human_size
from approvals.models import MediaAttachment, Post
from approvals.services import ImageChoice
from approvals.state_machine import Action, refusal_message
from approvals.views.page_context import _can, _int, _post_flags, _refused
from channels_app.rules import GIF, JPEG, PNG, WEBP, rules_for
from core.errors import Conflict, DomainError, NotAllowed
from training import requirements as training_requirements


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
                requested_at=form.cleaned_data["requested_at"],
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


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = permissions.access_post(request.user, pk)
    flags = _post_flags(request.user, post)
    if not flags["can_edit"]:
        refusal = (
            NotAllowed("Only the author can edit this post.", code="not_author")
            if not flags["is_author"]
            else Conflict(refusal_message(post.state, Action.REVISE))
        )
        return _refused(request, post, refusal)
    form = ComposeForm(
        request.POST or None,
        fixed_account=post.brand_account,
        initial={
            "body": post.body,
            "requested_at": timezone.localtime(post.requested_at) if post.requested_at else None,
        },
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
                requested_at=form.cleaned_data["requested_at"],
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
        post = permissions.access_post(request.user, post_id)
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
