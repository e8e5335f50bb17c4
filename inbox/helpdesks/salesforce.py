"""Salesforce Service Cloud: the REST API (``/services/data/v62.0``) with an OAuth access token
(``Authorization: Bearer``), as a connected app issues it.

- A case is a Case record: ``POST /sobjects/Case/`` with ``Subject``, ``Description`` (what the
  customer wrote), ``SuppliedName`` (their name or handle), ``SuppliedEmail`` (only when they
  gave one), ``Origin`` = ``Social`` and our external id in a custom field,
  ``SocialHub_External_Id__c`` by default, which the org defines as *External ID* and
  *Unique* (docs/helpdesks.md). Unique makes Salesforce itself refuse a second case for the
  same conversation (``DUPLICATE_VALUE``): the connector then answers with the case that
  exists, so even a resend that skipped the look-up creates nothing.
  A POST answers with the record id only; the case number is read right after.
- ``find_case``: ``GET /sobjects/Case/{field}/{external id}`` (look-up by external id).
- Status: ``Status`` (the org's picklist: New, Working, Escalated, Closed by default) and
  ``IsClosed``; closed is solved, a status naming a wait (``On Hold``, ``Waiting on
  Customer``, ``Pending``) is pending, anything else open.
- Notes: ``POST /sobjects/CaseComment/`` with ``IsPublished`` false (agents only).
- The token is not refreshed here: an expired one (``INVALID_SESSION_ID``) is refused with a
  message to reconnect.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

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

API = "/services/data/v62.0"
DEFAULT_EXTERNAL_ID_FIELD = "SocialHub_External_Id__c"
ORIGIN = "Social"
SUBJECT_LENGTH = 255  # Case.Subject
DESCRIPTION_LENGTH = 32_000  # Case.Description
PENDING_WORDS = ("hold", "waiting", "pending")
_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")
_CUSTOM_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,36}__c")
_CASE_FIELDS = "Id,CaseNumber,Status,IsClosed"


class SalesforceConnector(HelpdeskConnector):
    kind = "salesforce"
    label = "Salesforce"
    url_field = "instance_url"
    fields = (
        SettingField(
            "instance_url",
            "Instance URL",
            secret=False,
            help_text="your org's My Domain address, e.g. https://acme.my.salesforce.com",
            input="url",
        ),
        SettingField(
            "access_token",
            "Access token",
            secret=True,
            help_text="an OAuth access token of the connected app's integration user",
        ),
        SettingField(
            "external_id_field",
            "External-id field",
            secret=False,
            required=False,
            help_text=f"the Case field for SocialHub's reference (default "
            f"{DEFAULT_EXTERNAL_ID_FIELD}): External ID and Unique",
            pattern=_CUSTOM_FIELD.pattern,
            pattern_message="Give the field's API name, e.g. SocialHub_External_Id__c.",
        ),
    )

    # --- requests and answers -------------------------------------------------------------

    def _field(self, settings: HelpdeskSettings) -> str:
        name = (settings.get("external_id_field") or "").strip() or DEFAULT_EXTERNAL_ID_FIELD
        if not _CUSTOM_FIELD.fullmatch(name):
            raise PermanentError(
                f"{name} is not the API name of a custom field (it ends in __c).",
                platform=self.kind,
            )
        return name

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
            self.base_url(settings) + path,
            creates=creates,
            headers={
                "Authorization": f"Bearer {settings['access_token']}",
                "Accept": "application/json",
            },
            **kwargs,
        )

    def _problems(self, response: Any) -> list[dict[str, Any]]:
        """Salesforce answers errors as a list of ``{"message", "errorCode", "fields"}``."""
        body = json_or_empty(response)
        return [p for p in body if isinstance(p, dict)] if isinstance(body, list) else []

    def _error(self, response: Any, settings: HelpdeskSettings) -> Exception:
        problems = self._problems(response)
        if any(p.get("errorCode") == "INVALID_SESSION_ID" for p in problems):
            return PermanentError(
                "Salesforce: the access token is expired or invalid (INVALID_SESSION_ID); "
                "connect again with a new one.",
                platform=self.kind,
                status=response.status_code,
            )
        message = "; ".join(
            f"{p.get('errorCode')}: {p.get('message')}" if p.get("errorCode") else str(p["message"])
            for p in problems
            if p.get("message")
        )
        return self.refusal(response, message or body_excerpt(response), settings)

    def _record_path(self, case_id: str) -> str:
        if not _RECORD_ID.fullmatch(case_id):
            raise PermanentError(f"No Salesforce case {case_id}.", platform=self.kind)
        return f"{API}/sobjects/Case/{case_id}"

    def _ref(self, settings: HelpdeskSettings, record: dict[str, Any], external_id: str) -> CaseRef:
        case_id = str(record["Id"])
        return CaseRef(
            external_id=external_id,
            case_id=case_id,
            number=str(record.get("CaseNumber") or ""),
            url=f"{self.base_url(settings)}/lightning/r/Case/{case_id}/view",
        )

    def _read(self, settings: HelpdeskSettings, case_id: str) -> dict[str, Any]:
        response = self._call(
            settings, "GET", self._record_path(case_id), params={"fields": _CASE_FIELDS}
        )
        if response.status_code != 200:
            raise self._error(response, settings)
        record = json_or_empty(response)
        return record if isinstance(record, dict) else {}

    # --- the interface ---------------------------------------------------------------------

    def verify(self, settings: HelpdeskSettings) -> HelpdeskIdentity:
        who = self._call(settings, "GET", "/services/oauth2/userinfo")
        if who.status_code != 200:
            raise self._error(who, settings)
        user = json_or_empty(who)
        field = self._field(settings)
        described = self._call(settings, "GET", f"{API}/sobjects/Case/describe")
        if described.status_code != 200:
            raise self._error(described, settings)
        fields = {
            f.get("name"): f
            for f in json_or_empty(described).get("fields") or []
            if isinstance(f, dict)
        }
        found = fields.get(field)
        if found is None:
            raise PermanentError(
                f"Salesforce: Case has no field {field}; create it (External ID, Unique) as "
                "docs/helpdesks.md says.",
                platform=self.kind,
            )
        if not (found.get("externalId") and found.get("unique")):
            raise PermanentError(
                f"Salesforce: the field {field} must be marked External ID and Unique, so that "
                "a conversation can never become two cases.",
                platform=self.kind,
            )
        return HelpdeskIdentity(
            account_id=str(user.get("user_id") or ""),
            name=str(user.get("name") or user.get("preferred_username") or ""),
            url=self.base_url(settings),
            detail=f"organisation {user.get('organization_id', '')}; reference field {field}",
        )

    def create_case(self, settings: HelpdeskSettings, request: CaseRequest) -> CaseRef:
        field = self._field(settings)
        record: dict[str, str] = {
            "Subject": shorten_subject(request.subject, SUBJECT_LENGTH),
            "Description": case_description(request, limit=DESCRIPTION_LENGTH),
            "SuppliedName": request.customer_display[:80],
            "Origin": ORIGIN,
            field: request.external_id,
        }
        if request.customer_email:
            record["SuppliedEmail"] = request.customer_email
        response = self._call(settings, "POST", f"{API}/sobjects/Case/", creates=True, json=record)
        if response.status_code == 400 and any(
            p.get("errorCode") == "DUPLICATE_VALUE" and field in str(p.get("message"))
            for p in self._problems(response)
        ):
            # An earlier attempt created it (its answer was lost): that case is the one.
            existing = self.find_case(settings, request.external_id)
            if existing is not None:
                return existing
        if response.status_code != 201:
            raise self._error(response, settings)
        case_id = str(json_or_empty(response).get("id") or "")
        if not _RECORD_ID.fullmatch(case_id):
            raise PermanentError(
                "Salesforce accepted the case but did not say its id.", platform=self.kind
            )
        # The number people quote is not in the answer to a POST. Reading it may fail; the
        # case exists either way, and a retry meets DUPLICATE_VALUE and finds it.
        return self._ref(settings, self._read(settings, case_id), request.external_id)

    def find_case(self, settings: HelpdeskSettings, external_id: str) -> CaseRef | None:
        field = self._field(settings)
        response = self._call(
            settings,
            "GET",
            f"{API}/sobjects/Case/{field}/{quote(external_id, safe='')}",
            params={"fields": _CASE_FIELDS},
        )
        if response.status_code == 404 and any(
            p.get("errorCode") == "NOT_FOUND" for p in self._problems(response)
        ):
            return None
        if response.status_code != 200:
            raise self._error(response, settings)
        record = json_or_empty(response)
        if not isinstance(record, dict) or "Id" not in record:
            raise PermanentError(
                f"Salesforce answered the look-up of {external_id} without a case.",
                platform=self.kind,
            )
        return self._ref(settings, record, external_id)

    def case_status(self, settings: HelpdeskSettings, case_id: str) -> CaseStatus:
        record = self._read(settings, case_id)
        status = str(record.get("Status") or "")
        if record.get("IsClosed"):
            state = CaseState.SOLVED
        elif any(word in status.lower() for word in PENDING_WORDS):
            state = CaseState.PENDING
        else:
            state = CaseState.OPEN
        return CaseStatus(case_id=case_id, state=state, helpdesk_status=status)

    def add_note(self, settings: HelpdeskSettings, case_id: str, text: str) -> None:
        self._record_path(case_id)  # refuses what is not a record id before sending
        response = self._call(
            settings,
            "POST",
            f"{API}/sobjects/CaseComment/",
            creates=True,
            what="the note",
            json={"ParentId": case_id, "CommentBody": text[:4000], "IsPublished": False},
        )
        if response.status_code != 201:
            raise self._error(response, settings)
