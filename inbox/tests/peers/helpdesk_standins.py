"""Local stand-ins for the Zendesk Support and Salesforce REST APIs, served by pytest-httpserver
on 127.0.0.1 (like channels_app/tests/peers/http_platforms.py, whose FakePlatform they extend:
``fail_next`` and ``hang_after_recording`` inject outages and lost answers).

Each keeps its records and speaks the documented requests, answers and error bodies. A request
without the documented shape is answered as the product answers it and noted in ``problems``,
so a connector that drifts from the API fails its tests.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug import Request, Response

from channels_app.tests.peers.http_platforms import FakePlatform, _bearer, _json

# --- Zendesk -------------------------------------------------------------------------------

_ZENDESK_TICKET = re.compile(r"^/api/v2/tickets/(\d+)\.json$")
ZENDESK_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


@dataclass
class FakeZendesk(FakePlatform):
    """``/api/v2/users/me.json`` and ``/api/v2/tickets`` (create with ``Idempotency-Key``,
    list by ``external_id``, show, update with a comment), with API-token basic auth."""

    agent_email: str = "support-bot@acme.example"
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(30))
    end_user_email: str = "someone@acme.example"
    end_user_token: str = field(default_factory=lambda: secrets.token_urlsafe(30))
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    ticket_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(35436))

    def install(self) -> FakeZendesk:
        self.server.expect_request("/api/v2/users/me.json").respond_with_handler(self.dispatch)
        self.server.expect_request("/api/v2/tickets.json").respond_with_handler(self.dispatch)
        self.server.expect_request(_ZENDESK_TICKET).respond_with_handler(self.dispatch)
        return self

    def settings(self, **overrides: str) -> dict[str, str]:
        values = {"url": self.url, "email": self.agent_email, "api_token": self.api_token}
        values.update(overrides)
        return values

    def with_external_id(self, external_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tickets.values() if t["external_id"] == external_id]

    def set_status(self, ticket_id: str, status: str) -> None:
        assert status in ZENDESK_STATUSES
        self.tickets[int(ticket_id)]["status"] = status

    def _who(self, request: Request) -> str | None:
        """The role the basic credentials speak as, None when they are not recognised."""
        raw = request.headers.get("Authorization", "")
        if not raw.startswith("Basic "):
            return None
        user, _, token = base64.b64decode(raw[6:]).decode().partition(":")
        if (user, token) == (f"{self.agent_email}/token", self.api_token):
            return "agent"
        if (user, token) == (f"{self.end_user_email}/token", self.end_user_token):
            return "end-user"
        return None

    def dispatch(self, request: Request) -> Response:
        role = self._who(request)
        if role is None:
            return _json({"error": "Couldn't authenticate you"}, 401)
        if request.path == "/api/v2/users/me.json":
            email = self.agent_email if role == "agent" else self.end_user_email
            return _json(
                {
                    "user": {
                        "id": 9001 if role == "agent" else 9002,
                        "name": "Support Bot" if role == "agent" else "Someone",
                        "email": email,
                        "role": role,
                    }
                }
            )
        if role != "agent":
            return _json({"error": "Forbidden", "description": "You do not have access"}, 403)
        if request.path == "/api/v2/tickets.json":
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                wanted = request.args.get("external_id")
                found = [t for t in self.tickets.values() if t["external_id"] == wanted]
                return _json({"tickets": found, "count": len(found), "next_page": None})
        match = _ZENDESK_TICKET.match(request.path)
        if match:
            ticket = self.tickets.get(int(match.group(1)))
            if ticket is None:
                return _json({"error": "RecordNotFound", "description": "Not found"}, 404)
            if request.method == "GET":
                return _json({"ticket": ticket})
            if request.method == "PUT":
                comment = (request.get_json(silent=True) or {}).get("ticket", {}).get("comment")
                if not isinstance(comment, dict) or not comment.get("body"):
                    self.problem(f"PUT {request.path} without a comment body")
                    return _json({"error": "InvalidEndpoint"}, 400)
                ticket["comments"].append(comment)
                return _json({"ticket": ticket, "audit": {"events": []}})
        return _json({"error": "InvalidEndpoint", "description": "Not found"}, 404)

    def _create(self, request: Request) -> Response:
        raw = request.get_data()
        key = request.headers.get("Idempotency-Key", "")
        digest = hashlib.sha256(raw).hexdigest()
        if key in self.idempotency:
            # Zendesk replays the first answer for the same key and body, refuses another body.
            seen_digest, answer = self.idempotency[key]
            if seen_digest != digest:
                return _json(
                    {
                        "error": "IdempotentRequestError",
                        "description": "Request parameters "
                        "do not match the original request with this Idempotency-Key",
                    },
                    400,
                )
            return _json(answer, 201, {"x-idempotency-lookup": "hit"})
        body = json.loads(raw or b"{}").get("ticket")
        if not isinstance(body, dict):
            self.problem("POST /api/v2/tickets.json without a ticket object")
            return _json({"error": "InvalidEndpoint"}, 400)
        comment = body.get("comment")
        if not isinstance(comment, dict) or not comment.get("body"):
            return _json(
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {
                        "description": [
                            {"description": "Description: cannot be blank", "error": "BlankValue"}
                        ]
                    },
                },
                422,
            )
        requester = body.get("requester") or {}
        if "email" in requester and "@" not in str(requester["email"]):
            return _json(
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {
                        "requester": [
                            {
                                "description": f"Requester: Email: {requester['email']} is not "
                                "properly formatted",
                                "error": "InvalidValue",
                            }
                        ]
                    },
                },
                422,
            )
        if not requester.get("name") or not isinstance(body.get("tags"), list):
            self.problem("a ticket without a requester name or tags")
        ticket_id = next(self.ticket_ids)
        ticket = {
            "id": ticket_id,
            "url": f"{self.url}/api/v2/tickets/{ticket_id}.json",
            "subject": body.get("subject"),
            "description": comment["body"],
            "status": "new",
            "requester": requester,
            "external_id": body.get("external_id"),
            "tags": body.get("tags", []),
            "comments": [comment],
        }
        self.tickets[ticket_id] = ticket
        answer = {"ticket": ticket, "audit": {"events": []}}
        if key:
            self.idempotency[key] = (digest, answer)
        return _json(answer, 201, {"x-idempotency-lookup": "miss"} if key else None)


# --- Salesforce ----------------------------------------------------------------------------

SF_API = "/services/data/v62.0"
_SF_CASE = re.compile(rf"^{SF_API}/sobjects/Case/([A-Za-z0-9]{{15,18}})$")
_SF_BY_EXTERNAL_ID = re.compile(rf"^{SF_API}/sobjects/Case/([A-Za-z0-9_]+__c)/(.+)$")
CASE_FIELDS = (
    "Id",
    "CaseNumber",
    "Subject",
    "Description",
    "SuppliedName",
    "SuppliedEmail",
    "Origin",
    "Status",
    "IsClosed",
)


def _sf_errors(status: int, *problems: tuple[str, str]) -> Response:
    return _json([{"message": m, "errorCode": c, "fields": []} for c, m in problems], status)


@dataclass
class FakeSalesforce(FakePlatform):
    """The REST API's Case and CaseComment sObjects (create, read, look-up by external id,
    describe) and the OAuth userinfo endpoint, with a bearer access token."""

    access_token: str = field(default_factory=lambda: "00Dxx0000001gPL!" + secrets.token_hex(24))
    external_id_field: str = "SocialHub_External_Id__c"
    external_id_unique: bool = True
    origins: set[str] = field(default_factory=lambda: {"Phone", "Email", "Web", "Social"})
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def install(self) -> FakeSalesforce:
        self.server.expect_request("/services/oauth2/userinfo").respond_with_handler(self.dispatch)
        self.server.expect_request(re.compile(rf"^{SF_API}/sobjects/.*")).respond_with_handler(
            self.dispatch
        )
        return self

    def settings(self, **overrides: str) -> dict[str, str]:
        values = {"instance_url": self.url, "access_token": self.access_token}
        values.update(overrides)
        return values

    def with_external_id(self, external_id: str) -> list[dict[str, Any]]:
        return [c for c in self.cases.values() if c.get(self.external_id_field) == external_id]

    def set_status(self, case_id: str, status: str, *, closed: bool = False) -> None:
        self.cases[case_id].update(Status=status, IsClosed=closed)

    def _record(self, case: dict[str, Any], fields: str | None) -> dict[str, Any]:
        names = fields.split(",") if fields else [*CASE_FIELDS, self.external_id_field]
        return {
            "attributes": {"type": "Case", "url": f"{SF_API}/sobjects/Case/{case['Id']}"},
            **{name: case.get(name) for name in names},
        }

    def dispatch(self, request: Request) -> Response:
        if _bearer(request) != self.access_token:
            return _sf_errors(401, ("INVALID_SESSION_ID", "Session expired or invalid"))
        path = request.path
        if path == "/services/oauth2/userinfo":
            return _json(
                {
                    "user_id": "0055g00000DxYzAAAB",
                    "organization_id": "00D5g000004AbCdEAF",
                    "name": "SocialHub Integration",
                    "preferred_username": "socialhub@acme.example",
                }
            )
        if path == f"{SF_API}/sobjects/Case/describe":
            fields = [{"name": name, "externalId": False, "unique": False} for name in CASE_FIELDS]
            fields.append(
                {
                    "name": self.external_id_field,
                    "type": "string",
                    "length": 80,
                    "externalId": True,
                    "unique": self.external_id_unique,
                }
            )
            return _json({"name": "Case", "fields": fields})
        if path == f"{SF_API}/sobjects/Case/" and request.method == "POST":
            return self._create(request)
        if path == f"{SF_API}/sobjects/CaseComment/" and request.method == "POST":
            body = request.get_json(silent=True) or {}
            if body.get("ParentId") not in self.cases:
                return _sf_errors(
                    400,
                    ("FIELD_INTEGRITY_EXCEPTION", "Parent ID: id value of incorrect type"),
                )
            comment_id = f"00a5g{secrets.token_hex(5)}AAA"
            self.comments.append({"Id": comment_id, **body})
            return _json({"id": comment_id, "success": True, "errors": []}, 201)
        match = _SF_BY_EXTERNAL_ID.match(path)
        if match and request.method == "GET":
            name, value = match.group(1), unquote(match.group(2))
            if name != self.external_id_field:
                return _sf_errors(
                    404, ("NOT_FOUND", f"Provided external ID field does not exist: {name}")
                )
            found = self.with_external_id(value)
            if not found:
                return _sf_errors(404, ("NOT_FOUND", "The requested resource does not exist"))
            return _json(self._record(found[0], request.args.get("fields")))
        match = _SF_CASE.match(path)
        if match and request.method == "GET":
            case = self.cases.get(match.group(1))
            if case is None:
                return _sf_errors(404, ("NOT_FOUND", "The requested resource does not exist"))
            return _json(self._record(case, request.args.get("fields")))
        return _sf_errors(404, ("NOT_FOUND", "The requested resource does not exist"))

    def _create(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            self.problem("POST Case without a JSON object")
            return _sf_errors(400, ("JSON_PARSER_ERROR", "Unexpected character"))
        known = {*CASE_FIELDS, self.external_id_field}
        for name in body:
            if name not in known or name in ("Id", "CaseNumber", "IsClosed"):
                return _sf_errors(
                    400, ("INVALID_FIELD", f"No such column '{name}' on sobject of type Case")
                )
        if body.get("Origin") not in self.origins:
            return _json(
                [
                    {
                        "message": f"bad value for restricted picklist field: {body.get('Origin')}",
                        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        "fields": ["Origin"],
                    }
                ],
                400,
            )
        reference = body.get(self.external_id_field)
        if self.external_id_unique and reference:
            for case in self.with_external_id(reference):
                return _sf_errors(
                    400,
                    (
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {self.external_id_field} duplicates value on "
                        f"record with id: {case['Id']}",
                    ),
                )
        case_id = f"5005g{secrets.token_hex(5)}AAB"[:18]
        self.cases[case_id] = {
            **body,
            "Id": case_id,
            "CaseNumber": f"{next(self.numbers):08d}",
            "Status": "New",
            "IsClosed": False,
        }
        return _json({"id": case_id, "success": True, "errors": []}, 201)
