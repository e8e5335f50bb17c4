"""The home page: what each person sees first, by role, across apps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards import home as home_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/home.html", home_page.home_context(request.user))
