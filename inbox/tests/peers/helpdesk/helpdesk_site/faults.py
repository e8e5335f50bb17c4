"""Fault injection for the test peer, the way mastodon-mock offers it: ``POST /_peer/faults``
with ``{"method", "path", "status"}`` answers the next matching request with that status
(and django-helpdesk's own error shape) without carrying it out; with ``{"delay": seconds}``
instead, the request is carried out and its answer held back that long (the client gives up,
the ticket exists). ``DELETE /_peer/faults`` clears them. Only on this peer's 127.0.0.1.
"""

import json
import threading
import time

from django.http import HttpResponse, JsonResponse

_faults: list[dict] = []
_lock = threading.Lock()


def _take(method: str, path: str) -> dict | None:
    with _lock:
        for fault in _faults:
            if fault["method"] == method and fault["path"] == path:
                _faults.remove(fault)
                return fault
    return None


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/_peer/faults":
            with _lock:
                if request.method == "POST":
                    _faults.append(json.loads(request.body))
                elif request.method == "DELETE":
                    _faults.clear()
            return HttpResponse(status=204)
        fault = _take(request.method, request.path)
        if fault is None:
            return self.get_response(request)
        if "status" in fault:
            return JsonResponse(
                {"detail": fault.get("detail", "Injected fault.")}, status=fault["status"]
            )
        response = self.get_response(request)
        time.sleep(float(fault["delay"]))
        return response
