"""brand-accounts/: list, create (org admins), retrieve, update, deactivate and activate."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Department, User
from activity.models import AuditEvent
from channels_app.models import BrandAccount, BrandAccountPerm
from channels_app.tests.factories import BrandAccountFactory, grant_user

URL = "/api/v1/brand-accounts/"


def _brand_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="brand_account")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_create_registers_the_account_with_the_standard_grants(
    api_as: Any, org_admin: User, sales: Department, comms_reviewer: User, legal_reviewer: User
) -> None:
    response = api_as(org_admin).post(
        URL,
        {
            "platform": "mastodon",
            "handle": "  @Acme@Mastodon.Social ",
            "display_name": " Acme ",
            "department": "sales",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("platform", "handle", "display_name", "is_active")} == {
        "platform": "mastodon",
        "handle": "@acme@mastodon.social",  # written the platform's way
        "display_name": "Acme",
        "is_active": True,
    }
    assert body["department"] == {"slug": "sales", "name": "Sales"}
    assert body["my_permissions"] == ["draft_on", "review_on", "publish_on", "manage"]
    grants = api_as(org_admin).get(f"{URL}{body['id']}/grants/").json()
    assert [(g["id"], g["permissions"]) for g in grants] == [
        ("department:sales", ["draft_on"]),
        ("role:comms-reviewers", ["review_on", "publish_on"]),
        ("role:legal-reviewers", ["review_on"]),
    ]
    # The reviewers hold it through their role's grant, not by magic.
    comms_view = api_as(comms_reviewer).get(f"{URL}{body['id']}/").json()
    assert comms_view["my_permissions"] == ["review_on", "publish_on"]
    assert api_as(legal_reviewer).get(f"{URL}{body['id']}/").json()["my_permissions"] == [
        "review_on"
    ]


def test_create_without_standard_grants_gives_nobody_anything(
    api_as: Any, org_admin: User, sme: User
) -> None:
    response = api_as(org_admin).post(
        URL,
        {
            "platform": "x",
            "handle": "@acme",
            "display_name": "Acme",
            "department": "sales",
            "apply_standard_grants": False,
        },
        format="json",
    )
    assert response.status_code == 201
    assert api_as(org_admin).get(f"{URL}{response.json()['id']}/grants/").json() == []
    assert api_as(sme).get(f"{URL}{response.json()['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"platform": "myspace"}, "platform", '"myspace" is not a valid choice.'),
        ({"department": "nowhere"}, "department", "No department with the slug nowhere."),
        ({"handle": "no spaces allowed"}, "handle", "This is not a Mastodon handle"),
        ({"handle": "@taken@mastodon.example"}, "handle", "is registered already."),
        ({"handle": "@TAKEN@mastodon.example"}, "handle", "is registered already."),
        ({"display_name": ""}, "display_name", "This field may not be blank."),
        ({"display_name": "   "}, "display_name", "This field may not be blank."),
    ],
)
def test_create_refuses_bad_input_with_a_field_message_and_writes_nothing(
    api_as: Any,
    org_admin: User,
    sales: Department,
    payload: dict[str, str],
    field: str,
    message: str,
) -> None:
    BrandAccountFactory.create(department=sales, handle="@taken@mastodon.example")
    before = (BrandAccount.objects.count(), AuditEvent.objects.count())
    body = {
        "platform": "mastodon",
        "handle": "@new@mastodon.example",
        "display_name": "New",
        "department": "sales",
        **payload,
    }
    response = api_as(org_admin).post(URL, body, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert (BrandAccount.objects.count(), AuditEvent.objects.count()) == before


def test_only_org_admins_create(api_as: Any, manager: User, sales: Department) -> None:
    body = {"platform": "x", "handle": "@acme", "display_name": "A", "department": "sales"}
    response = api_as(manager).post(URL, body, format="json")
    assert response.status_code == 403
    assert not BrandAccount.objects.exists()


def test_update_by_a_person_who_manages_the_account(
    api_as: Any, manager: User, sales: Department, sales_account: BrandAccount
) -> None:
    grant_user(sales_account, manager, BrandAccountPerm.MANAGE)
    response = api_as(manager).patch(
        f"{URL}{sales_account.pk}/",
        {"display_name": "Sales news", "handle": "@SalesNews@mastodon.example"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["display_name"], response.json()["handle"]) == (
        "Sales news",
        "@salesnews@mastodon.example",
    )
    event = AuditEvent.objects.filter(action="brand_account.updated").get()
    assert event.actor == manager
    assert event.data == {
        "changes": {
            "display_name": ["Sales on Mastodon", "Sales news"],
            "handle": ["@sales@mastodon.example", "@salesnews@mastodon.example"],
        }
    }


def test_moving_an_account_to_another_department_is_for_org_admins(
    api_as: Any,
    manager: User,
    org_admin: User,
    rnd: Department,
    sales_account: BrandAccount,
) -> None:
    grant_user(sales_account, manager, BrandAccountPerm.MANAGE)
    url = f"{URL}{sales_account.pk}/"
    refused = api_as(manager).patch(
        url, {"display_name": "Renamed", "department": "rnd"}, format="json"
    )
    assert refused.status_code == 403
    sales_account.refresh_from_db()
    # The whole request is refused: the rename did not slip through either.
    assert (sales_account.display_name, sales_account.department.slug) == (
        "Sales on Mastodon",
        "sales",
    )
    moved = api_as(org_admin).patch(url, {"department": "rnd"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["department"]["slug"] == "rnd"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"platform": "x"}, "platform", "The platform of an account cannot change"),
        ({"department": "nowhere"}, "department", "No department with the slug nowhere."),
        ({"handle": "@other@mastodon.example"}, "handle", "is registered already."),
        ({"handle": "acme"}, "handle", "This is not a Mastodon handle"),
        ({"credentials": {"access_token": "t"}}, "credentials", None),
        ({"is_active": "maybe"}, "is_active", "Must be a valid boolean."),
    ],
)
def test_update_refuses_bad_input_and_writes_nothing(
    api_as: Any,
    org_admin: User,
    sales: Department,
    sales_account: BrandAccount,
    payload: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    BrandAccountFactory.create(department=sales, handle="@other@mastodon.example")
    before = AuditEvent.objects.count()
    response = api_as(org_admin).patch(
        f"{URL}{sales_account.pk}/", {"display_name": "Changed", **payload}, format="json"
    )
    assert response.status_code == 400
    if message is None:
        assert response.json()[field] == {"instance_url": ["Instance URL is required."]}
    else:
        assert message in response.json()[field][0]
    sales_account.refresh_from_db()
    assert sales_account.display_name == "Sales on Mastodon"
    assert AuditEvent.objects.count() == before


def test_deactivate_and_activate(
    api_as: Any, org_admin: User, sme: User, sales_account: BrandAccount
) -> None:
    api = api_as(org_admin)
    response = api.post(f"{URL}{sales_account.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    # Still listed (with its state) for the people who hold something on it.
    listed = api_as(sme).get(f"{URL}?status=inactive").json()["results"]
    assert [(row["id"], row["is_active"]) for row in listed] == [(sales_account.pk, False)]
    assert api_as(sme).get(f"{URL}?status=active").json()["results"] == []
    again = api.post(f"{URL}{sales_account.pk}/deactivate/")
    assert again.status_code == 409
    assert again.json()["detail"] == "This account is inactive already."
    assert api.post(f"{URL}{sales_account.pk}/activate/").json()["is_active"] is True
    assert (
        api.patch(f"{URL}{sales_account.pk}/", {"is_active": False}, format="json").json()[
            "is_active"
        ]
        is False
    )
    assert _brand_events()[-3:] == [
        "brand_account.deactivated",
        "brand_account.activated",
        "brand_account.deactivated",
    ]


def test_unknown_account_is_404_for_everyone(api_as: Any, org_admin: User) -> None:
    assert api_as(org_admin).get(f"{URL}999999/").status_code == 404
    assert api_as(org_admin).patch(f"{URL}999999/", {}, format="json").status_code == 404
    assert api_as(org_admin).get(f"{URL}999999/grants/").status_code == 404


def test_list_filters(api_as: Any, org_admin: User, sales: Department, rnd: Department) -> None:
    BrandAccountFactory.create(department=sales, display_name="Sales toots")
    BrandAccountFactory.create(department=rnd, platform="x", handle="@rnd", display_name="R&D")
    api = api_as(org_admin)

    def names(query: str) -> list[str]:
        return [row["display_name"] for row in api.get(f"{URL}?{query}").json()["results"]]

    assert names("") == ["R&D", "Sales toots"]
    assert names("platform=x") == ["R&D"]
    assert names("department=sales") == ["Sales toots"]
    assert names("search=toots") == ["Sales toots"]
    assert names("search=@RND") == ["R&D"]
    assert names("department=nowhere") == []
