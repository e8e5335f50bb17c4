"""The OpenAPI schema says what the API answers, and the API refuses what the schema does not
allow. (.ci/api-contract checks the whole API with schemathesis against a live app; these are
the rules it relies on, quick enough for every test run.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from approvals.models import CrisisPause, Post
from approvals.tests.factories import make_account, make_post

ApiAs = Callable[[User | None], Any]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def test_every_operation_documents_the_error_answers(schema: dict[str, Any]) -> None:
    assert schema["components"]["schemas"]["Error"]["properties"]["detail"]["type"] == "string"
    operations = [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 60
    for method, path, operation in operations:
        for status in ("400", "401", "403", "404", "409"):
            answer = operation["responses"].get(status)
            assert answer, f"{method.upper()} {path} does not document {status}"
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "429" in token  # throttled
    assert "503" in schema["paths"]["/api/v1/brand-accounts/{id}/verify/"]["post"]["responses"]


def test_fields_are_described_as_they_come(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert "format" not in components["Post"]["properties"]["external_url"]
    assert components["Certification"]["properties"]["revoked_by"]["nullable"] is True
    for name in ("user", "department", "assigned_by"):
        assert components["Assignment"]["properties"][name]["nullable"] is True
    fields = schema["paths"]["/api/v1/brand-accounts/{id}/credential-fields/"]["get"]
    assert fields["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    posts = {p["name"]: p for p in schema["paths"]["/api/v1/posts/"]["get"]["parameters"]}
    assert posts["brand_account"]["schema"]["minimum"] == 1
    assert posts["limit"]["schema"]["maximum"] == 2**63 - 1
    assert posts["state"]["allowEmptyValue"] is True
    assert "allowEmptyValue" not in posts["limit"]
    retrieve = schema["paths"]["/api/v1/certifications/{id}/"]["get"]
    assert not [p for p in retrieve.get("parameters", []) if p["in"] == "query"]


def test_unknown_api_addresses_answer_json_404(api_as: ApiAs, sme: User) -> None:
    for method in ("get", "post", "delete"):
        response = getattr(api_as(sme), method)("/api/v1/posts/1/media//")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_an_endpoint_without_its_slash_is_still_redirected(api_as: ApiAs, sme: User) -> None:
    response = api_as(sme).get("/api/v1/me?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/me/?x=1"
    assert api_as(sme).get("/api/v1/nothing-here").status_code == 404


def test_errors_are_json_whatever_format_was_asked(api_as: ApiAs, hr_user: User) -> None:
    response = api_as(hr_user).get("/api/v1/reports/certifications/?format=csv&course=0")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "course" in response.json()
    response = api_as(hr_user).get("/api/v1/reports/certifications/?format=")
    assert response.status_code == 400
    assert "format" in response.json()


def test_text_fields_refuse_numbers_and_nothing_is_written(
    api_as: ApiAs, comms_reviewer: User
) -> None:
    response = api_as(comms_reviewer).post(
        "/api/v1/crisis-pauses/", {"reason": 0, "brand_account": None}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reason"] == ["Not a valid string."]
    assert not CrisisPause.objects.exists()


def test_the_api_reads_json_only(api_as: ApiAs, sme: User, sales: Any) -> None:
    account = make_account(sales, drafters=[sales])
    post = make_post(sme, account, "As it was.")
    response = api_as(sme).patch(
        f"/api/v1/posts/{post.pk}/",
        "body=Changed",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    post.refresh_from_db()
    assert Post.objects.get(pk=post.pk).body == "As it was."


@pytest.mark.parametrize(("name", "value"), [("status", "AAA"), ("platform", "myspace")])
def test_brand_account_filters_refuse_unknown_values(
    api_as: ApiAs, org_admin: User, name: str, value: str
) -> None:
    response = api_as(org_admin).get("/api/v1/brand-accounts/", {name: value})
    assert response.status_code == 400
    assert name in response.json()
    assert api_as(org_admin).get("/api/v1/brand-accounts/", {name: ""}).status_code == 200
