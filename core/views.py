"""The health check: app-agnostic, for load balancers."""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database unreachable")
        return False


def _broker_ok() -> bool:
    # The project's Celery app (socialhub/celery.py) is the current one once Django starts;
    # reaching it through celery keeps core free of any import from the project package.
    try:
        with current_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("healthz: broker unreachable")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 otherwise (for load balancers)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", **checks}
    if settings.DEBUG:
        body["debug"] = True
    return JsonResponse(body, status=200 if healthy else 503)


@csrf_exempt  # answers 404 to every method; a POST to a missing address must not say 403
def api_not_found(request: HttpRequest) -> HttpResponse:
    """An address under /api/ that names no endpoint: the API's JSON error shape. A GET of an
    endpoint without its trailing slash is still redirected to it (APPEND_SLASH, which this
    catch-all would otherwise swallow)."""
    if request.method in {"GET", "HEAD"} and not request.path.endswith("/"):
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api_not_found":
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                f"{request.path}/" + (f"?{query}" if query else "")
            )
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
