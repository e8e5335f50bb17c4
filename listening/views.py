"""The listening pages (htmx where it helps): thin, they parse, call a selector or a service
and render. The rules are the services'; the API calls the same ones."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import authz
from accounts.models import Department, User
from core.errors import DomainError, InvalidInput
from listening import permissions, selectors, services
from listening.charts import volume_bars
from listening.forms import StreamForm, TermFormSet
from listening.models import ListeningStream, StreamMatch

PAGE_SIZE = 25
MATCH_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def stream_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.can_use_listening(user):
        raise PermissionDenied("Listening is for org admins, comms and members of a department.")
    status = request.GET.get("status") or "active"
    if status not in selectors.STATUSES:
        status = "active"
    streams = selectors.stream_list(user=user, status=status)
    page = Paginator(streams, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "listening/stream_list.html",
        {
            "page": page,
            "status": status,
            "statuses": (("active", "Active"), ("archived", "Archived"), ("all", "All")),
            "can_define": permissions.can_define_streams(user),
        },
    )


def _departments(actor: User) -> Any:
    managed = permissions.following_departments(actor)
    departments = Department.objects.order_by("name")
    return departments if managed is None else departments.filter(pk__in=managed)


def _form_context(
    request: HttpRequest, form: StreamForm, terms: Any, stream: ListeningStream | None
) -> dict[str, Any]:
    return {
        "form": form,
        "terms": terms,
        "stream": stream,
        "is_admin": authz.is_org_admin(request.user),
    }


def _stream_form(request: HttpRequest, stream: ListeningStream | None) -> HttpResponse:
    actor = _actor(request)
    accounts = services.eligible_accounts(actor)
    if stream is not None:
        # Accounts already in the stream stay choosable (and checked) for whoever edits it.
        accounts = (accounts | stream.accounts.all()).distinct().order_by("display_name", "id")
    departments = _departments(actor)
    if request.method == "POST":
        form = StreamForm(request.POST, accounts=accounts, departments=departments)
        terms = TermFormSet(request.POST, prefix="terms")
        if form.is_valid() and terms.is_valid():
            data = form.cleaned_data
            department = data["department"]
            if not authz.is_org_admin(actor) and department is None:
                department = services.default_department(actor)
            rows = [
                services.TermInput(row["kind"], row["value"])
                for row in terms.cleaned_data
                if row and str(row.get("value") or "").strip()
            ]
            try:
                saved = services.stream_save(
                    actor=actor,
                    stream=stream,
                    name=data["name"],
                    description=data["description"],
                    department=department,
                    accounts=list(data["accounts"]),
                    terms=rows,
                )
            except DomainError as exc:
                if exc.field == "terms":
                    terms._non_form_errors = terms.error_class([exc.message])  # type: ignore[attr-defined]
                elif exc.field and exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
                return render(
                    request,
                    "listening/stream_form.html",
                    _form_context(request, form, terms, stream),
                    status=exc.status_code,
                )
            messages.success(request, "Stream saved.")
            return redirect("listening:stream", pk=saved.pk)
        return render(
            request,
            "listening/stream_form.html",
            _form_context(request, form, terms, stream),
            status=400,
        )
    if stream is None:
        initial: dict[str, Any] = {"department": services.default_department(actor)}
        term_rows: list[dict[str, str]] = []
    else:
        initial = {
            "name": stream.name,
            "description": stream.description,
            "department": stream.department,
            "accounts": list(stream.accounts.all()),
        }
        term_rows = [{"kind": t.kind, "value": t.value} for t in stream.terms.all()]
    form = StreamForm(initial=initial, accounts=accounts, departments=departments)
    terms = TermFormSet(initial=term_rows, prefix="terms")
    return render(
        request, "listening/stream_form.html", _form_context(request, form, terms, stream)
    )


@login_required
def stream_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_define_streams(request.user):
        raise PermissionDenied("Only org admins and department managers define streams.")
    return _stream_form(request, None)


@login_required
def stream_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stream = permissions.access_stream(request.user, pk)
    if not permissions.can_edit(request.user, stream):
        raise PermissionDenied("Only org admins and the department's managers change it.")
    return _stream_form(request, stream)


def _matches_context(request: HttpRequest, stream: ListeningStream) -> tuple[dict[str, Any], int]:
    status = 200
    term_raw = request.GET.get("term", "")
    try:
        term = selectors.parse_term_filter(stream, term_raw)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        term, status = None, 400
    matches = selectors.match_list(stream=stream, term=term)
    page = Paginator(matches, MATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "stream": stream,
        "page": page,
        "term_filter": term,
        "query": query.urlencode(),
    }, status


@login_required
def stream_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    stream = selectors.stream_with_relations(permissions.access_stream(user, pk))
    context, status = _matches_context(request, stream)
    if getattr(request, "htmx", False) and request.GET.get("part") == "matches":
        return render(request, "listening/_matches.html", context, status=status)
    terms = list(stream.terms.all())
    volume = selectors.stream_volume(stream=stream)
    rows = [
        (
            day.day.strftime("%-d") if day.day.day in (1, 10, 20) or n == 0 else "",
            day.day.strftime("%-d %b %Y"),
            day.count,
        )
        for n, day in enumerate(volume)
    ]
    followers = list(stream.followers.all())
    follow_departments: list[tuple[Department, bool]] = []
    if permissions.can_follow(user):
        following = {d.pk for d in followers}
        follow_departments = [(d, d.pk in following) for d in _departments(_actor(request))]
    context.update(
        {
            "terms": terms,
            "top_terms": selectors.top_terms(stream=stream, terms=terms),
            "volume": volume,
            "volume_total": sum(day.count for day in volume),
            "chart": volume_bars(
                chart_id="stream-volume",
                title=f"Matches a day, last {len(volume)} days",
                desc="One bar a day; the table below gives the same numbers.",
                rows=rows,
            ),
            "accounts": list(stream.accounts.all()),
            "followers": followers,
            "follow_departments": follow_departments,
            "can_edit": permissions.can_edit(user, stream),
        }
    )
    return render(request, "listening/stream_detail.html", context, status=status)


@login_required
@require_POST
def stream_archive(request: HttpRequest, pk: int) -> HttpResponse:
    stream = permissions.access_stream(request.user, pk)
    active = request.POST.get("active") == "true"
    try:
        services.stream_set_active(actor=_actor(request), stream=stream, active=active)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, "Stream restored." if active else "Stream archived.")
    return redirect("listening:stream", pk=pk)


@login_required
@require_POST
def stream_follow(request: HttpRequest, pk: int) -> HttpResponse:
    stream = permissions.access_stream(request.user, pk)
    follow = request.POST.get("follow") == "true"
    department = None
    raw = request.POST.get("department", "")
    if raw:
        department = Department.objects.filter(pk=raw if raw.isdigit() else 0).first()
        if department is None:
            messages.error(request, "No such department.")
            return redirect("listening:stream", pk=pk)
    try:
        chosen = services.stream_follow(
            actor=_actor(request), stream=stream, department=department, follow=follow
        )
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("listening:stream", pk=pk)
    messages.success(
        request,
        f"{chosen.name} follows this stream."
        if follow
        else f"{chosen.name} no longer follows this stream.",
    )
    return redirect("listening:stream", pk=pk)


@login_required
@require_POST
def match_send_to_triage(request: HttpRequest, pk: int) -> HttpResponse:
    match = permissions.access_match(request.user, pk)
    services.match_send_to_triage(actor=_actor(request), match=match)
    match = StreamMatch.objects.select_related("stream", "term", "brand_account", "sent_by").get(
        pk=match.pk
    )
    if getattr(request, "htmx", False):
        return render(
            request, "listening/_match_row.html", {"match": match, "stream": match.stream}
        )
    messages.success(request, "Sent to triage.")
    return redirect("listening:stream", pk=match.stream_id)
