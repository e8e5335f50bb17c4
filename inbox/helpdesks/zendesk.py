"""Zendesk Support: the Tickets API, with an API token (HTTP basic authentication as
``{email}/token:{api_token}``).

- A case is a ticket: ``POST /api/v2/tickets.json`` with ``subject``, the first ``comment``
  (what the customer wrote, private: creating the case e-mails nobody), the ``requester``
  (their name or handle; an e-mail address only when they gave one), ``tags`` and our
  ``external_id``. The same request also carries an
  ``Idempotency-Key`` (our external id): Zendesk answers a resend within its window with the
  ticket the first request created.
- ``find_case``: ``GET /api/v2/tickets.json?external_id=…`` (the oldest match, should there
  ever be two).
- Status: ``GET /api/v2/tickets/{id}.json``; ``new``/``open`` are open, ``pending``/``hold``
  pending, ``solved``/``closed`` solved.
- Notes: ``PUT /api/v2/tickets/{id}.json`` with a private comment (``public: false``): agents
  see it, the requester is not notified.
"""

from __future__ import annotations

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
    shorten_subject,
)

SUBJECT_LENGTH = 150  # what Zendesk's agent view shows without cutting
STATES = {
    "new": CaseState.OPEN,
    "open": CaseState.OPEN,
    "pending": CaseState.PENDING,
    "hold": CaseState.PENDING,
    "solved": CaseState.SOLVED,
    "closed": CaseState.SOLVED,
}
AGENT_ROLES = {"agent", "admin"}


class ZendeskConnector(HelpdeskConnector):
    kind = "zendesk"
    label = "Zendesk"
    fields = (
        SettingField(
            "url",
            "Zendesk URL",
            secret=False,
            help_text="your Zendesk's address, e.g. https://example.zendesk.com",
            input="url",
        ),
        SettingField(
            "email", "Agent e-mail", secret=False, help_text="the API token's agent", input="email"
        ),
        SettingField(
            "api_token",
            "API token",
            secret=True,
            help_text="Admin Center → Apps and integrations → Zendesk API → Add API token",
        ),
    )

    # --- requests and answers -------------------------------------------------------------

    def _call(
        self,
        settings: HelpdeskSettings,
        method: str,
        path: str,
        *,
        creates: bool = False,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.request(
            settings,
            method,
            self.base_url(settings) + path,
            creates=creates,
            auth=(f"{settings['email']}/token", settings["api_token"]),
            headers={"Accept": "application/json", **(headers or {})},
            **kwargs,
        )

    def _error(self, response: Any, settings: HelpdeskSettings) -> Exception:
        """Zendesk's error shapes: ``{"error": "...", "description": "...", "details":
        {"field": [{"description": "..."}]}}``, or ``{"error": {"title", "message"}}``."""
        body = json_or_empty(response)
        parts: list[str] = []
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                parts += [str(error.get(k)) for k in ("title", "message") if error.get(k)]
            elif error:
                parts.append(str(error))
            if body.get("description"):
                parts.append(str(body["description"]))
            details = body.get("details")
            if isinstance(details, dict):
                for name, problems in details.items():
                    for problem in problems if isinstance(problems, list) else [problems]:
                        text = problem.get("description") if isinstance(problem, dict) else problem
                        if text:
                            parts.append(f"{name}: {text}")
        return self.refusal(response, ": ".join(parts) or body_excerpt(response), settings)

    def _ref(self, settings: HelpdeskSettings, ticket: dict[str, Any], external_id: str) -> CaseRef:
        ticket_id = str(ticket["id"])
        return CaseRef(
            external_id=external_id,
            case_id=ticket_id,
            number=ticket_id,
            url=f"{self.base_url(settings)}/agent/tickets/{ticket_id}",
        )

    def _ticket_path(self, case_id: str) -> str:
        if not case_id.isdigit():
            raise PermanentError(f"No Zendesk ticket {case_id}.", platform=self.kind)
        return f"/api/v2/tickets/{case_id}.json"

    # --- the interface ---------------------------------------------------------------------

    def verify(self, settings: HelpdeskSettings) -> HelpdeskIdentity:
        response = self._call(settings, "GET", "/api/v2/users/me.json")
        if response.status_code != 200:
            raise self._error(response, settings)
        user = json_or_empty(response).get("user") or {}
        # Zendesk answers an unauthenticated users/me as the anonymous user (id null) rather
        # than refusing it; and an end user's token cannot create tickets for others.
        if not user.get("id"):
            raise PermanentError(
                "Zendesk did not recognise the e-mail and API token.", platform=self.kind
            )
        if user.get("role") not in AGENT_ROLES:
            raise PermanentError(
                f"Zendesk: {user.get('email') or 'this user'} is not an agent; cases need an "
                "agent's API token.",
                platform=self.kind,
            )
        return HelpdeskIdentity(
            account_id=str(user["id"]),
            name=str(user.get("name") or user.get("email") or ""),
            url=self.base_url(settings),
            detail=f"{user.get('email', '')} ({user.get('role')})",
        )

    def create_case(self, settings: HelpdeskSettings, request: CaseRequest) -> CaseRef:
        requester: dict[str, str] = {"name": request.customer_display}
        if request.customer_email:
            requester["email"] = request.customer_email
        response = self._call(
            settings,
            "POST",
            "/api/v2/tickets.json",
            creates=True,
            headers={"Idempotency-Key": request.external_id},
            json={
                "ticket": {
                    "subject": shorten_subject(request.subject, SUBJECT_LENGTH),
                    # Private: creating the case notifies nobody; the agents choose how to
                    # answer (on the social thread, through SocialHub).
                    "comment": {"body": case_description(request), "public": False},
                    "requester": requester,
                    "external_id": request.external_id,
                    "tags": ["socialhub", f"socialhub_{request.platform}"],
                }
            },
        )
        if response.status_code not in (200, 201):
            raise self._error(response, settings)
        ticket = json_or_empty(response).get("ticket") or {}
        if "id" not in ticket:
            raise PermanentError(
                "Zendesk accepted the ticket but did not say its id.", platform=self.kind
            )
        return self._ref(settings, ticket, request.external_id)

    def find_case(self, settings: HelpdeskSettings, external_id: str) -> CaseRef | None:
        response = self._call(
            settings, "GET", "/api/v2/tickets.json", params={"external_id": external_id}
        )
        if response.status_code != 200:
            raise self._error(response, settings)
        tickets = [
            t
            for t in json_or_empty(response).get("tickets") or []
            if isinstance(t, dict) and t.get("external_id") == external_id and "id" in t
        ]
        if not tickets:
            return None
        return self._ref(settings, min(tickets, key=lambda t: int(t["id"])), external_id)

    def case_status(self, settings: HelpdeskSettings, case_id: str) -> CaseStatus:
        response = self._call(settings, "GET", self._ticket_path(case_id))
        if response.status_code != 200:
            raise self._error(response, settings)
        status = str((json_or_empty(response).get("ticket") or {}).get("status") or "")
        return CaseStatus(
            case_id=case_id,
            state=STATES.get(status, CaseState.OPEN),
            helpdesk_status=status.capitalize(),
        )

    def add_note(self, settings: HelpdeskSettings, case_id: str, text: str) -> None:
        response = self._call(
            settings,
            "PUT",
            self._ticket_path(case_id),
            creates=True,
            what="the note",
            json={"ticket": {"comment": {"body": text, "public": False}}},
        )
        if response.status_code != 200:
            raise self._error(response, settings)
