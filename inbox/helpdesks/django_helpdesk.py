"""django-helpdesk (the open-source helpdesk on PyPI): its REST API, ``/api/tickets/`` and
``/api/followups/`` (Django REST framework viewsets, on while ``HELPDESK_API_ENABLED`` — the
default — and open to staff members only), with HTTP basic authentication.

- A case is a ticket: ``POST /api/tickets/`` with ``queue`` (its id), ``title``,
  ``description`` and ``priority`` (django-helpdesk's ticket form requires one; we send
  "3. Normal"). No ``submitter_email``: django-helpdesk e-mails the submitter on every public
  follow-up, and a social customer gave us no address to write to.
- django-helpdesk has no external-id field. We keep ours in two places: a custom field
  ``socialhub_external_id`` (sent as ``custom_socialhub_external_id``, which the API accepts
  once the helpdesk defines the field: docs/helpdesks.md says how; staff only, so the customer
  never sees it), and the last line of the description (``SocialHub reference: <id>``), which
  every installation has. The API filters tickets by status only, so ``find_case`` reads the
  newest tickets page by page (ordered by id, newest last) and matches either place. An
  unknown outcome is looked up within minutes, so the newest ``LOOKUP_WINDOW`` tickets are
  enough; a case older than that is not found, which the caller reports instead of resending.
- Status: ``status`` (1 Open, 2 Reopened, 3 Resolved, 4 Closed, 5 Duplicate, django-helpdesk's
  defaults) and ``on_hold``.
- Notes: ``POST /api/followups/`` with ``public: false`` (a private follow-up: staff only,
  never e-mailed to the submitter).
"""

from __future__ import annotations

import math
import re
from typing import Any

from channels_app.connectors.transport import body_excerpt, json_or_empty
from inbox.helpdesks.base import (
    CaseRef,
    CaseRequest,
    CaseState,
    CaseStatus,
    HelpdeskConnector,
    HelpdeskIdentity,
    HelpdeskSettings,
    PermanentError,
    SettingField,
    case_description,
    has_reference,
    shorten_subject,
)

EXTERNAL_ID_FIELD = "socialhub_external_id"
NORMAL_PRIORITY = 3
TITLE_LENGTH = 200  # Ticket.title's max_length
PAGE_SIZE = 100
LOOKUP_WINDOW = 1000  # newest tickets read by find_case
# django-helpdesk's default statuses (HELPDESK_TICKET_STATUS_CHOICES).
STATUS_NAMES = {1: "Open", 2: "Reopened", 3: "Resolved", 4: "Closed", 5: "Duplicate"}
SOLVED_STATUSES = {3, 4, 5}
# Path segments: no "." or ".." (a server or proxy would resolve them elsewhere).
_PATH = re.compile(r"(/(?!\.\.?(/|$))[A-Za-z0-9._~-]+)*")


class DjangoHelpdeskConnector(HelpdeskConnector):
    kind = "django_helpdesk"
    label = "django-helpdesk"
    fields = (
        SettingField(
            "url",
            "Helpdesk URL",
            secret=False,
            help_text="the server's address, e.g. https://help.example.com",
            input="url",
        ),
        SettingField(
            "path",
            "Path of the helpdesk",
            secret=False,
            required=False,
            help_text="where django-helpdesk's URLs are included, e.g. /helpdesk (empty: /)",
            pattern=_PATH.pattern,
            pattern_message="Give the path as /helpdesk: letters, digits, '.', '_', '~' or '-' "
            "between slashes (no . or .. segments).",
        ),
        SettingField(
            "username", "API user", secret=False, help_text="a staff member of the helpdesk"
        ),
        SettingField("password", "Password", secret=True),
        SettingField(
            "queue_id",
            "Queue id",
            secret=False,
            help_text="the number of the queue for cases",
            pattern=r"[0-9]{1,9}",
            pattern_message="The queue id is the queue's number in django-helpdesk.",
        ),
    )

    # --- requests and answers -------------------------------------------------------------

    def _root(self, settings: HelpdeskSettings) -> str:
        path = (settings.get("path") or "").strip().rstrip("/")
        if path and not path.startswith("/"):
            path = "/" + path
        if not _PATH.fullmatch(path):
            raise PermanentError(
                "The path of the helpdesk is refused: give it as /helpdesk (letters, digits, "
                "'.', '_', '~' or '-' between slashes; no . or .. segments).",
                platform=self.kind,
            )
        return self.base_url(settings) + path

    def _call(
        self,
        settings: HelpdeskSettings,
        method: str,
        path: str,
        *,
        creates: bool = False,
        **kwargs: Any,
    ) -> Any:
        return self.request(
            settings,
            method,
            self._root(settings) + path,
            creates=creates,
            auth=(settings["username"], settings["password"]),
            headers={"Accept": "application/json"},
            **kwargs,
        )

    def _error(self, response: Any, settings: HelpdeskSettings) -> Exception:
        """DRF's error shapes: ``{"detail": "..."}`` or ``{"field": ["message", ...]}``."""
        body = json_or_empty(response)
        message = ""
        if isinstance(body, dict) and body:
            if isinstance(body.get("detail"), str):
                message = body["detail"]
            else:
                message = "; ".join(
                    f"{name}: {' '.join(str(m) for m in messages)}"
                    if isinstance(messages, list)
                    else f"{name}: {messages}"
                    for name, messages in body.items()
                )
        return self.refusal(response, message or body_excerpt(response), settings)

    def _ref(self, settings: HelpdeskSettings, ticket: dict[str, Any], external_id: str) -> CaseRef:
        ticket_id = str(ticket["id"])
        return CaseRef(
            external_id=external_id,
            case_id=ticket_id,
            number=ticket_id,
            url=f"{self._root(settings)}/tickets/{ticket_id}/",
        )

    def _queue_id(self, settings: HelpdeskSettings) -> int:
        raw = settings["queue_id"].strip()
        if not raw.isdigit():
            raise PermanentError(
                "The queue id is the queue's number in django-helpdesk.", platform=self.kind
            )
        return int(raw)

    # --- the interface ---------------------------------------------------------------------

    def verify(self, settings: HelpdeskSettings) -> HelpdeskIdentity:
        # Reading tickets proves the credentials and the staff status the API requires.
        response = self._call(settings, "GET", "/api/tickets/", params={"page_size": 1})
        if response.status_code != 200:
            raise self._error(response, settings)
        # The queue has no endpoint of its own: a ticket with an empty title names the queue
        # in its errors when the queue does not exist, and is never created (a title is
        # required), so this checks the queue without leaving anything behind.
        probe = self._call(
            settings,
            "POST",
            "/api/tickets/",
            json={"queue": self._queue_id(settings), "title": ""},
        )
        errors = json_or_empty(probe)
        if probe.status_code != 400 or not isinstance(errors, dict):
            raise self._error(probe, settings)
        if "queue" in errors:
            raise PermanentError(
                f"django-helpdesk has no queue {settings['queue_id']} this user may use.",
                platform=self.kind,
            )
        options = self._call(settings, "OPTIONS", "/api/tickets/")
        actions = json_or_empty(options).get("actions", {}) if options.status_code == 200 else {}
        field = f"custom_{EXTERNAL_ID_FIELD}"
        has_field = isinstance(actions, dict) and field in actions.get("POST", {})
        return HelpdeskIdentity(
            account_id=settings["username"],
            name=settings["username"],
            url=self._root(settings) + "/",
            detail=f"queue {settings['queue_id']}; "
            + (
                f"cases carry the reference in the custom field {EXTERNAL_ID_FIELD}"
                if has_field
                else f"no custom field {EXTERNAL_ID_FIELD}: cases carry the reference in their "
                "description only"
            ),
        )

    def create_case(self, settings: HelpdeskSettings, request: CaseRequest) -> CaseRef:
        response = self._call(
            settings,
            "POST",
            "/api/tickets/",
            creates=True,
            json={
                "queue": self._queue_id(settings),
                "title": shorten_subject(request.subject, TITLE_LENGTH),
                "description": case_description(request),
                "priority": NORMAL_PRIORITY,
                f"custom_{EXTERNAL_ID_FIELD}": request.external_id,
            },
        )
        if response.status_code != 201:
            raise self._error(response, settings)
        ticket = json_or_empty(response)
        if not isinstance(ticket, dict) or "id" not in ticket:
            raise PermanentError(
                "django-helpdesk accepted the ticket but did not say its id.", platform=self.kind
            )
        return self._ref(settings, ticket, request.external_id)

    def find_case(self, settings: HelpdeskSettings, external_id: str) -> CaseRef | None:
        first = self._call(settings, "GET", "/api/tickets/", params={"page_size": 1})
        if first.status_code != 200:
            raise self._error(first, settings)
        count = int(json_or_empty(first).get("count") or 0)
        last_page = math.ceil(count / PAGE_SIZE)
        pages = range(last_page, max(0, last_page - math.ceil(LOOKUP_WINDOW / PAGE_SIZE)), -1)
        for page in pages:
            response = self._call(
                settings, "GET", "/api/tickets/", params={"page_size": PAGE_SIZE, "page": page}
            )
            if response.status_code != 200:
                raise self._error(response, settings)
            for ticket in json_or_empty(response).get("results") or []:
                if ticket.get(f"custom_{EXTERNAL_ID_FIELD}") == external_id or has_reference(
                    str(ticket.get("description") or ""), external_id
                ):
                    return self._ref(settings, ticket, external_id)
        return None

    def case_status(self, settings: HelpdeskSettings, case_id: str) -> CaseStatus:
        if not case_id.isdigit():
            raise PermanentError(f"No django-helpdesk ticket {case_id}.", platform=self.kind)
        response = self._call(settings, "GET", f"/api/tickets/{case_id}/")
        if response.status_code != 200:
            raise self._error(response, settings)
        ticket = json_or_empty(response)
        status = ticket.get("status")
        name = STATUS_NAMES.get(status, f"Status {status}") if isinstance(status, int) else ""
        if status in SOLVED_STATUSES:
            state = CaseState.SOLVED
        elif ticket.get("on_hold"):
            state, name = CaseState.PENDING, f"{name} - On Hold"
        else:
            state = CaseState.OPEN
        return CaseStatus(case_id=case_id, state=state, helpdesk_status=name)

    def add_note(self, settings: HelpdeskSettings, case_id: str, text: str) -> None:
        if not case_id.isdigit():
            raise PermanentError(f"No django-helpdesk ticket {case_id}.", platform=self.kind)
        response = self._call(
            settings,
            "POST",
            "/api/followups/",
            creates=True,
            what="the note",
            json={"ticket": int(case_id), "comment": text, "public": False},
        )
        if response.status_code != 201:
            raise self._error(response, settings)
