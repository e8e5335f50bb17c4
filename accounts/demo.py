"""The demo organisation's people (docs/design.md §7): departments, users, their roles, and the
one password every demo user shares. Idempotent: running it twice changes nothing.

The other apps' demo modules name these people (demo_email); dashboards/demo.py runs every
app's part in order.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts import services
from accounts.models import Department, Membership, User
from accounts.roles import GROUP_NAMES, OrgRole

DEMO_PASSWORD = "socialhub-demo"  # noqa: S105 - published demo credential, never in production
DEMO_DOMAIN = "demo.socialhub.test"

DEPARTMENTS = (
    ("communications", "Communications", "Brand voice, review and publishing."),
    ("hr", "HR", "People, training and certification."),
    ("sales", "Sales", "Customers, offers and events."),
    ("rnd", "R&D", "Research and product engineering."),
    ("support", "Support", "Customer support and service notices."),
    ("product", "Product", "Product management and launches."),
)

# (local part, full name, department, membership role, organisation-wide roles)
PEOPLE: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("admin", "Ada Admin", "communications", "manager", (OrgRole.ORG_ADMIN,)),
    ("comms", "Colin Comms", "communications", "member", (OrgRole.COMMS_REVIEWER, OrgRole.TRIAGE)),
    ("legal", "Lena Legal", "communications", "member", (OrgRole.LEGAL_REVIEWER,)),
    ("hr", "Harriet HR", "hr", "manager", (OrgRole.HR,)),
    ("manager.sales", "Max Manager", "sales", "manager", ()),
    ("sme.sales", "Sam Sales", "sales", "member", ()),
    ("sme.rnd", "Rita Research", "rnd", "member", ()),
    ("support", "Sandy Support", "support", "member", ()),
)


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def seed_people() -> None:
    departments = {}
    for slug, name, description in DEPARTMENTS:
        department = Department.objects.filter(slug=slug).first()
        if department is None:
            department = services.department_create(
                actor=None, name=name, slug=slug, description=description
            )
        departments[slug] = department
    for local, full_name, slug, role, org_roles in PEOPLE:
        email = demo_email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        if OrgRole.ORG_ADMIN in org_roles and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if not Membership.objects.filter(user=user, department=departments[slug]).exists():
            services.membership_add_existing(
                actor=None, user=user, department=departments[slug], role=role
            )
        held = set(user.groups.values_list("name", flat=True))
        for org_role in org_roles:
            if GROUP_NAMES[org_role] not in held:
                services.org_role_set(actor=None, user=user, role=org_role, held=True)
    # Every role group must exist even on a database migrated before a role was added.
    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)
